CREATE TABLE "sbc_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"model" text NOT NULL,
	"firmware_family" text,
	"onboarding" text NOT NULL,
	"cleanup" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sbcs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"management_url" text NOT NULL,
	"username" text,
	"password_sealed" text,
	"carrier_fqdn" text NOT NULL,
	"addresses" jsonb NOT NULL,
	"model" text DEFAULT 'shared-trunk' NOT NULL,
	"max_customers" integer,
	"max_sessions" integer,
	"sessions_per_user" real DEFAULT 1 NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"last_test" jsonb,
	"last_contact_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "services" ADD COLUMN "sbc_id" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "sbc_templates_name_lower_uq" ON "sbc_templates" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "sbcs_name_lower_uq" ON "sbcs" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "sbcs_one_default_uq" ON "sbcs" USING btree ("is_default") WHERE "sbcs"."is_default";--> statement-breakpoint
ALTER TABLE "services" ADD CONSTRAINT "services_sbc_id_sbcs_id_fk" FOREIGN KEY ("sbc_id") REFERENCES "public"."sbcs"("id") ON DELETE restrict ON UPDATE no action;