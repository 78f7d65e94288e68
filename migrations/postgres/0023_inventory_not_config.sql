-- 0023_inventory_not_config (postgres): written by hand; ent does not
-- know triggers. Released migrations are never rewritten; change the
-- schema with a new one.

-- The routing configuration no longer holds the inventory: each event
-- reads the mappings of its own device and organization. Writes to
-- clients, assets, device links and organization mappings therefore no
-- longer advance tenants.config_version; they did, so each inventory
-- sync made every replica load every integration's configuration again.
DROP TRIGGER "clients_config_version" ON "clients";
DROP TRIGGER "organization_mappings_config_version" ON "organization_mappings";
DROP TRIGGER "assets_config_version_insert" ON "assets";
DROP TRIGGER "assets_config_version_update" ON "assets";
DROP TRIGGER "assets_config_version_delete" ON "assets";
DROP TRIGGER "asset_devices_config_version_insert" ON "asset_devices";
DROP TRIGGER "asset_devices_config_version_update" ON "asset_devices";
DROP TRIGGER "asset_devices_config_version_delete" ON "asset_devices";
DROP FUNCTION "alertdesk_bump_config_version_rows"();
