DROP INDEX "customers_name_trgm_idx";--> statement-breakpoint
DROP INDEX "services_full_name_trgm_idx";--> statement-breakpoint
DROP INDEX "services_short_name_trgm_idx";--> statement-breakpoint
CREATE INDEX "customers_name_trgm_idx" ON "customers" USING gin ("name" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "services_full_name_trgm_idx" ON "services" USING gin ("full_name" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "services_short_name_trgm_idx" ON "services" USING gin ("short_name" gin_trgm_ops) WITH (fastupdate=false);