CREATE TABLE "sbc_allocations" (
	"sbc_id" uuid NOT NULL,
	"table_name" text NOT NULL,
	"row_index" integer NOT NULL,
	"service_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "workflows" ADD COLUMN "scope" text DEFAULT 'routing' NOT NULL;--> statement-breakpoint
ALTER TABLE "sbc_allocations" ADD CONSTRAINT "sbc_allocations_sbc_id_sbcs_id_fk" FOREIGN KEY ("sbc_id") REFERENCES "public"."sbcs"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sbc_allocations" ADD CONSTRAINT "sbc_allocations_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "sbc_allocations_row_uq" ON "sbc_allocations" USING btree ("sbc_id","table_name","row_index");--> statement-breakpoint
CREATE INDEX "sbc_allocations_service_idx" ON "sbc_allocations" USING btree ("service_id");