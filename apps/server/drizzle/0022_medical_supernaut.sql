ALTER TABLE "qoe_subscriptions" DROP CONSTRAINT "qoe_subscriptions_service_id_services_id_fk";
--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ALTER COLUMN "service_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ALTER COLUMN "graph_subscription_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ALTER COLUMN "expires_at" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ADD COLUMN "app_client_id" text NOT NULL;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ADD COLUMN "app_secret_sealed" text NOT NULL;--> statement-breakpoint
ALTER TABLE "qoe_streams" ADD CONSTRAINT "qoe_streams_service_id_call_id_qoe_calls_service_id_call_id_fk" FOREIGN KEY ("service_id","call_id") REFERENCES "public"."qoe_calls"("service_id","call_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "qoe_subscriptions" ADD CONSTRAINT "qoe_subscriptions_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE set null ON UPDATE no action;