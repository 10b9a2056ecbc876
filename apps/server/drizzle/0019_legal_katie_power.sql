CREATE TABLE "service_number_ranges" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"service_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"kind" text NOT NULL,
	"digits" text NOT NULL,
	"range_from" text,
	"range_to" text,
	"stem" text NOT NULL,
	"entered" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "service_number_ranges" ADD CONSTRAINT "service_number_ranges_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "service_number_ranges_position_uq" ON "service_number_ranges" USING btree ("service_id","position");--> statement-breakpoint
CREATE INDEX "service_number_ranges_stem_idx" ON "service_number_ranges" USING btree ("stem" text_pattern_ops);