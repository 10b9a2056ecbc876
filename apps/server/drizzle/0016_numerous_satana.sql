CREATE TABLE "service_health" (
	"service_id" uuid PRIMARY KEY NOT NULL,
	"checked_at" timestamp with time zone NOT NULL,
	"overall" text NOT NULL,
	"checks" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "service_health" ADD CONSTRAINT "service_health_service_id_services_id_fk" FOREIGN KEY ("service_id") REFERENCES "public"."services"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- The service view (and the Services list) follow a new health result through the change feed (0012).
CREATE TRIGGER service_health_change_feed AFTER INSERT OR UPDATE OR DELETE ON service_health
  FOR EACH ROW EXECUTE FUNCTION trunkline_notify_service_change();
