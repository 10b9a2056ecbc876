CREATE TABLE "qoe_calls" (
	"service_id" uuid NOT NULL,
	"call_id" text NOT NULL,
	"version" integer NOT NULL,
	"type" text NOT NULL,
	"modalities" text[] NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone NOT NULL,
	"last_modified_at" timestamp with time zone,
	"session_count" integer NOT NULL,
	"has_pstn" boolean NOT NULL,
	"stream_count" integer NOT NULL,
	"poor_stream_count" integer NOT NULL,
	"failure_reason" text,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "qoe_calls_service_id_call_id_pk" PRIMARY KEY("service_id","call_id")
);
--> statement-breakpoint
CREATE TABLE "qoe_dr_calls" (
	"service_id" uuid NOT NULL,
	"id" text NOT NULL,
	"correlation_id" text,
	"call_type" text,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone,
	"successful" boolean NOT NULL,
	"final_sip_code" integer,
	"final_sip_phrase" text,
	"call_end_sub_reason" integer,
	"trunk_fqdn" text,
	"caller_number" text,
	"callee_number" text,
	"duration_seconds" integer,
	"media_bypass" boolean,
	CONSTRAINT "qoe_dr_calls_service_id_id_pk" PRIMARY KEY("service_id","id")
);
--> statement-breakpoint
CREATE TABLE "qoe_dr_cursors" (
	"service_id" uuid PRIMARY KEY NOT NULL,
	"pulled_until" timestamp with time zone NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "qoe_notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subscription_id" uuid NOT NULL,
	"resource_id" text NOT NULL,
	"change_type" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"processed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "qoe_streams" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"call_id" text NOT NULL,
	"session_id" text NOT NULL,
	"segment_id" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"end_at" timestamp with time zone,
	"caller_kind" text NOT NULL,
	"callee_kind" text NOT NULL,
	"caller_id" text,
	"callee_id" text,
	"modalities" text[] NOT NULL,
	"media_label" text,
	"direction" text,
	"audio_codec" text,
	"video_codec" text,
	"avg_jitter_ms" real,
	"max_jitter_ms" real,
	"avg_packet_loss" real,
	"max_packet_loss" real,
	"avg_round_trip_ms" real,
	"max_round_trip_ms" real,
	"avg_audio_degradation" real,
	"avg_concealed_ratio" real,
	"max_concealed_ratio" real,
	"media_bypassed" boolean,
	"poor" boolean NOT NULL,
	"failure_stage" text,
	"failure_reason" text
);
--> statement-breakpoint
CREATE TABLE "qoe_subscriptions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"tenant_id" text NOT NULL,
	"graph_subscription_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"client_state_sealed" text NOT NULL,
	"last_notification_at" timestamp with time zone,
	"last_renewed_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "qoe_calls" ADD CONSTRAINT "qoe_calls_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qoe_dr_calls" ADD CONSTRAINT "qoe_dr_calls_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qoe_dr_cursors" ADD CONSTRAINT "qoe_dr_cursors_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qoe_notifications" ADD CONSTRAINT "qoe_notifications_subscription_id_qoe_subscriptions_id_fk" FOREIGN KEY ("subscription_id") REFERENCES "public"."qoe_subscriptions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ADD CONSTRAINT "qoe_subscriptions_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "qoe_calls_service_start_idx" ON "qoe_calls" USING btree ("service_id","start_at");--> statement-breakpoint
CREATE INDEX "qoe_calls_start_idx" ON "qoe_calls" USING btree ("start_at");--> statement-breakpoint
CREATE INDEX "qoe_dr_calls_service_start_idx" ON "qoe_dr_calls" USING btree ("service_id","start_at");--> statement-breakpoint
CREATE INDEX "qoe_dr_calls_start_idx" ON "qoe_dr_calls" USING btree ("start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "qoe_notifications_uq" ON "qoe_notifications" USING btree ("subscription_id","resource_id","change_type");--> statement-breakpoint
CREATE INDEX "qoe_notifications_received_idx" ON "qoe_notifications" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "qoe_streams_call_idx" ON "qoe_streams" USING btree ("service_id","call_id");--> statement-breakpoint
CREATE INDEX "qoe_streams_service_start_idx" ON "qoe_streams" USING btree ("service_id","start_at");--> statement-breakpoint
CREATE INDEX "qoe_streams_start_idx" ON "qoe_streams" USING btree ("start_at");--> statement-breakpoint
CREATE UNIQUE INDEX "qoe_subscriptions_service_uq" ON "qoe_subscriptions" USING btree ("service_id");--> statement-breakpoint
CREATE UNIQUE INDEX "qoe_subscriptions_graph_id_uq" ON "qoe_subscriptions" USING btree ("graph_subscription_id");