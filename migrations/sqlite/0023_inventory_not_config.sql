-- 0023_inventory_not_config (sqlite): written by hand; ent does not know
-- triggers. Released migrations are never rewritten; change the schema
-- with a new one.

-- The routing configuration no longer holds the inventory: writes to
-- clients, assets, device links and organization mappings no longer
-- advance tenants.config_version (see the postgres migration).
DROP TRIGGER `clients_config_version_insert`;
DROP TRIGGER `clients_config_version_update`;
DROP TRIGGER `clients_config_version_delete`;
DROP TRIGGER `organization_mappings_config_version_insert`;
DROP TRIGGER `organization_mappings_config_version_update`;
DROP TRIGGER `organization_mappings_config_version_delete`;
DROP TRIGGER `assets_config_version_insert`;
DROP TRIGGER `assets_config_version_update`;
DROP TRIGGER `assets_config_version_delete`;
DROP TRIGGER `asset_devices_config_version_insert`;
DROP TRIGGER `asset_devices_config_version_update`;
DROP TRIGGER `asset_devices_config_version_delete`;
