-- 0009_sealed_secrets (sqlite3): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE `integrations` ADD COLUMN `webhook_secret_sealed` blob NULL;
CREATE TABLE `new_event_deliveries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `created_at` datetime NOT NULL, `outbox_entry_id` integer NOT NULL, `delivery_id` text NOT NULL, `event_type` text NOT NULL, `attempt` integer NOT NULL, `status_code` integer NOT NULL DEFAULT (0), `success` bool NOT NULL DEFAULT (false), `error` text NOT NULL DEFAULT (''), `response_bytes` integer NOT NULL DEFAULT (0), `duration_ms` integer NOT NULL DEFAULT (0), `tenant_id` integer NOT NULL, `subscription_id` integer NOT NULL, CONSTRAINT `event_deliveries_tenants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE NO ACTION, CONSTRAINT `event_deliveries_event_subscriptions_subscription` FOREIGN KEY (`subscription_id`) REFERENCES `event_subscriptions` (`id`) ON DELETE NO ACTION);
INSERT INTO `new_event_deliveries` (`id`, `created_at`, `outbox_entry_id`, `delivery_id`, `event_type`, `attempt`, `status_code`, `success`, `error`, `duration_ms`, `tenant_id`, `subscription_id`) SELECT `id`, `created_at`, `outbox_entry_id`, `delivery_id`, `event_type`, `attempt`, `status_code`, `success`, `error`, `duration_ms`, `tenant_id`, `subscription_id` FROM `event_deliveries`;
DROP TABLE `event_deliveries`;
ALTER TABLE `new_event_deliveries` RENAME TO `event_deliveries`;
CREATE INDEX `eventdelivery_tenant_id_subscription_id_id` ON `event_deliveries` (`tenant_id`, `subscription_id`, `id`);
CREATE INDEX `eventdelivery_tenant_id_subscription_id_success_id` ON `event_deliveries` (`tenant_id`, `subscription_id`, `success`, `id`);
CREATE INDEX `eventdelivery_tenant_id_outbox_entry_id_subscription_id` ON `event_deliveries` (`tenant_id`, `outbox_entry_id`, `subscription_id`);
ALTER TABLE `event_subscriptions` ADD COLUMN `secret_sealed` blob NULL;

-- The delivery log keeps no receiver answers: drop the text that older
-- rows kept after the status ("HTTP 500: <answer>").
UPDATE event_deliveries SET error = substr(error, 1, 8) WHERE error LIKE 'HTTP ___: %';
