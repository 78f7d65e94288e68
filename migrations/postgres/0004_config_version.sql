-- 0004_config_version (postgres): generated from ent/schema by migrations/internal/gen.
-- Released migrations are never rewritten; change the schema with a new one.

ALTER TABLE "tenants" ADD COLUMN "config_version" bigint NOT NULL DEFAULT 0;

-- The alert pipeline caches each tenant's routing configuration; these
-- triggers advance tenants.config_version in the writing transaction, so
-- no write path (API, seed, SQL by hand) can leave a cache stale.
-- A new table the pipeline caches needs its trigger too (see
-- pipeline.TestConfigVersionTriggers).
CREATE FUNCTION "alertdesk_bump_config_version"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    UPDATE "tenants" SET "config_version" = "config_version" + 1 WHERE "id" = OLD."tenant_id";
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW."tenant_id" <> OLD."tenant_id") THEN
    UPDATE "tenants" SET "config_version" = "config_version" + 1 WHERE "id" = NEW."tenant_id";
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER "alert_rules_config_version" AFTER INSERT OR UPDATE OR DELETE ON "alert_rules" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "maintenance_windows_config_version" AFTER INSERT OR UPDATE OR DELETE ON "maintenance_windows" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "boards_config_version" AFTER INSERT OR UPDATE OR DELETE ON "boards" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "ticket_status_config_version" AFTER INSERT OR UPDATE OR DELETE ON "ticket_status" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "priorities_config_version" AFTER INSERT OR UPDATE OR DELETE ON "priorities" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "users_config_version" AFTER INSERT OR UPDATE OR DELETE ON "users" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "clients_config_version" AFTER INSERT OR UPDATE OR DELETE ON "clients" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "assets_config_version" AFTER INSERT OR UPDATE OR DELETE ON "assets" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "asset_devices_config_version" AFTER INSERT OR UPDATE OR DELETE ON "asset_devices" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
CREATE TRIGGER "organization_mappings_config_version" AFTER INSERT OR UPDATE OR DELETE ON "organization_mappings" FOR EACH ROW EXECUTE FUNCTION "alertdesk_bump_config_version"();
