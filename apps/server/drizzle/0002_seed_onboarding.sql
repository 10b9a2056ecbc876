INSERT INTO "provider_settings" ("id", "provider_name", "sbc_base_domain") VALUES (1, 'Trunkline Provider', 'sbc.trunkline.example') ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
INSERT INTO "license_types" ("id", "name", "description", "sort") VALUES ('hosted-essentials-plus', 'Hosted Essentials+', 'Teams Direct Routing through the provider''s SBC, managed by the provider.', 10) ON CONFLICT ("id") DO NOTHING;
