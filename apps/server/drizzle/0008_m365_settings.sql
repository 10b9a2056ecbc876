CREATE TABLE "service_m365_settings" (
	"service_id" uuid PRIMARY KEY NOT NULL,
	"m365_domain" text NOT NULL,
	"grant_channel_admins" boolean DEFAULT true NOT NULL,
	"grant_customer_admins" boolean DEFAULT false NOT NULL,
	"notification_client_id" text,
	"notification_secret_sealed" text,
	"notification_validated_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "oauth_states" ALTER COLUMN "service_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD COLUMN "tenant_id" text;--> statement-breakpoint
ALTER TABLE "oauth_states" ADD COLUMN "nonce" text;--> statement-breakpoint
ALTER TABLE "service_connections" ADD COLUMN "teams_role_state" text DEFAULT 'unknown' NOT NULL;--> statement-breakpoint
ALTER TABLE "service_connections" ADD COLUMN "teams_role_message" text;--> statement-breakpoint
ALTER TABLE "service_connections" ADD COLUMN "teams_role_checked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "entra_tenant_id" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "entra_object_id" text;--> statement-breakpoint
ALTER TABLE "service_m365_settings" ADD CONSTRAINT "service_m365_settings_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "users_entra_identity_uq" ON "users" USING btree ("entra_tenant_id","entra_object_id");