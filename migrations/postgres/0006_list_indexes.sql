-- 0006_list_indexes (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

-- Every list of the API reads a page by keyset over an index matching its
-- order and filter. (tenant_id, status) and the delivery log's
-- (tenant_id, subscription_id, created_at) are replaced by the same
-- prefixes ending in the list's keys. The event paths' indexes are kept.

DROP INDEX "alert_tenant_id_status";
CREATE INDEX "alert_tenant_id_last_event_at_id" ON "alerts" ("tenant_id", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_status_last_event_at_id" ON "alerts" ("tenant_id", "status", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_severity_last_event_at_id" ON "alerts" ("tenant_id", "severity", "last_event_at", "id");
CREATE INDEX "alert_integration_id_last_event_at_id" ON "alerts" ("integration_id", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_client_id_last_event_at_id" ON "alerts" ("tenant_id", "client_id", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_asset_id_last_event_at_id" ON "alerts" ("tenant_id", "asset_id", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_ticket_id_last_event_at_id" ON "alerts" ("tenant_id", "ticket_id", "last_event_at", "id");
CREATE INDEX "alert_tenant_id_organization_unmapped_last_event_at_id" ON "alerts" ("tenant_id", "organization_unmapped", "last_event_at", "id");
CREATE INDEX "alert_unmapped_organizations" ON "alerts" ("tenant_id", "integration_id", "external_organization_id", "last_event_at", "status", "ticket_id") WHERE organization_unmapped;
DROP INDEX "eventdelivery_tenant_id_subscription_id_created_at";
CREATE INDEX "eventdelivery_tenant_id_subscription_id_id" ON "event_deliveries" ("tenant_id", "subscription_id", "id");
CREATE INDEX "eventdelivery_tenant_id_subscription_id_success_id" ON "event_deliveries" ("tenant_id", "subscription_id", "success", "id");
CREATE INDEX "notification_tenant_id_user_id_id" ON "notifications" ("tenant_id", "user_id", "id");
CREATE INDEX "notification_tenant_id_user_id_id_unread" ON "notifications" ("tenant_id", "user_id", "id") WHERE read_at IS NULL;
CREATE INDEX "ticket_tenant_id_id_open" ON "tickets" ("tenant_id", "id") WHERE closed_at IS NULL;
CREATE INDEX "ticket_tenant_id_id" ON "tickets" ("tenant_id", "id");
CREATE INDEX "ticket_tenant_id_assignee_id_id" ON "tickets" ("tenant_id", "assignee_id", "id");
CREATE INDEX "ticket_tenant_id_client_id_id" ON "tickets" ("tenant_id", "client_id", "id");
CREATE INDEX "ticket_tenant_id_asset_id_id" ON "tickets" ("tenant_id", "asset_id", "id");
CREATE INDEX "ticket_tenant_id_status_id_id" ON "tickets" ("tenant_id", "status_id", "id");
