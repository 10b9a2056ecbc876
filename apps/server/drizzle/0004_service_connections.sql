CREATE TABLE "service_connections" (
	"service_id" uuid PRIMARY KEY NOT NULL,
	"method" text NOT NULL,
	"tenant_id" text,
	"admin_username" text,
	"granted_permissions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"refresh_token_sealed" text,
	"client_id" text,
	"client_secret_sealed" text,
	"token_expires_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"last_error" text,
	"last_error_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "service_connections" ADD CONSTRAINT "service_connections_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;