ALTER TABLE "audit_events" ADD COLUMN "actor_name" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "target_name" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "customer_name" text;--> statement-breakpoint
-- Earlier events: the names that can still be found.
UPDATE "audit_events" a SET "actor_name" = u."name" FROM "users" u WHERE u."id" = a."actor_id";--> statement-breakpoint
UPDATE "audit_events" a SET "customer_name" = c."name" FROM "customers" c WHERE c."id" = a."customer_id";--> statement-breakpoint
UPDATE "audit_events" a SET "target_name" = s."full_name" FROM "services" s WHERE a."target_type" = 'service' AND s."id"::text = a."target_id";--> statement-breakpoint
UPDATE "audit_events" a SET "target_name" = c."name" FROM "customers" c WHERE a."target_type" = 'customer' AND c."id"::text = a."target_id";--> statement-breakpoint
UPDATE "audit_events" a SET "target_name" = c."name" FROM "channels" c WHERE a."target_type" = 'channel' AND c."id"::text = a."target_id";--> statement-breakpoint
UPDATE "audit_events" a SET "target_name" = u."name" FROM "users" u WHERE a."target_type" = 'user' AND u."id"::text = a."target_id";
