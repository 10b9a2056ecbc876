ALTER TABLE "services" ADD COLUMN "subdomain_overridden" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "services" ADD COLUMN "zone" text;--> statement-breakpoint
-- Existing services: the zone is what follows the label in the stored trunk FQDN (the SBC base domain when the
-- service was created), and a label other than the one derived from the short name was chosen (an override).
UPDATE "services" SET
  "zone" = CASE
    WHEN "trunk_fqdn" LIKE "subdomain" || '.%' THEN substr("trunk_fqdn", length("subdomain") + 2)
    ELSE coalesce(
      (SELECT "sbc_base_domain" FROM "provider_settings" LIMIT 1),
      substr("trunk_fqdn", position('.' in "trunk_fqdn") + 1)
    )
  END,
  "subdomain_overridden" =
    "subdomain" <> trim(both '-' from regexp_replace(lower("short_name"), '[^a-z0-9]+', '-', 'g'));--> statement-breakpoint
ALTER TABLE "services" ALTER COLUMN "zone" SET NOT NULL;
