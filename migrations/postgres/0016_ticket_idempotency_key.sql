-- 0016_ticket_idempotency_key (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "tickets" ADD COLUMN "idempotency_key" character varying NULL;
CREATE UNIQUE INDEX "ticket_tenant_id_idempotency_key" ON "tickets" ("tenant_id", "idempotency_key");
