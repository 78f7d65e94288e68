package pipeline

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/store"
)

// deviceLockKey names the advisory lock under which an alert makes the
// asset of a device nobody knew: concurrent alerts of one new device make
// one asset.
func deviceLockKey(tenantID, integrationID int, deviceID string) string {
	return fmt.Sprintf("device:%d:%d:%s", tenantID, integrationID, deviceID)
}

// deviceAsset returns the asset of a device the cached configuration does
// not know, creating it in the client when no transaction made it since
// (another alert, an inventory sync): an alert is how a device can first
// be heard of between syncs. The lock is taken after the pipeline's own
// and before any ticket's. On PostgreSQL the lock, the search and the
// asset with its link are one round trip.
func (p *Pipeline) deviceAsset(ctx context.Context, s *State, deviceID string, clientID int) (id int, name string, created bool, err error) {
	a := s.Alert
	name = assetName(s.Event.DeviceName, deviceID)
	lock := deviceLockKey(a.TenantID, a.IntegrationID, deviceID)
	if s.batch != nil && p.store.IsPostgres() {
		ensure := ensureAssetStatement(a.TenantID, a.IntegrationID, deviceID, name, clientID, &id, &name, &created)
		if err := s.batch.Send(ctx, append(p.store.LockStatements(lock), ensure)...); err != nil {
			return 0, "", false, fmt.Errorf("device asset: %w", err)
		}
		return id, name, created, nil
	}
	if err := p.store.LockKeys(ctx, s.Tx, lock); err != nil {
		return 0, "", false, fmt.Errorf("lock device: %w", err)
	}
	c := s.Tx.Client()
	link, err := c.AssetDevice.Query().Where(assetdevice.TenantID(a.TenantID), assetdevice.IntegrationID(a.IntegrationID),
		assetdevice.ExternalDeviceID(deviceID)).WithAsset().Only(ctx)
	if err == nil && link.Edges.Asset != nil {
		return link.AssetID, link.Edges.Asset.Name, false, nil
	}
	if err != nil && !ent.IsNotFound(err) {
		return 0, "", false, fmt.Errorf("find device: %w", err)
	}
	// The cached configurations stay good: they hold no inventory, and
	// later events of the device find the link above.
	made, err := c.Asset.Create().SetTenantID(a.TenantID).SetName(name).SetClientID(clientID).Save(ctx)
	if err != nil {
		return 0, "", false, fmt.Errorf("create asset: %w", err)
	}
	if err := c.AssetDevice.Create().SetTenantID(a.TenantID).SetAssetID(made.ID).
		SetIntegrationID(a.IntegrationID).SetExternalDeviceID(deviceID).Exec(ctx); err != nil {
		return 0, "", false, fmt.Errorf("link device: %w", err)
	}
	return made.ID, name, true, nil
}

// groupAsset is deviceAsset for an alert of a group run together, which
// takes the asset the group prepared when there is one.
func (p *Pipeline) groupAsset(ctx context.Context, s *State, deviceID string, clientID int) (int, string, bool, error) {
	if s.group != nil {
		if m, ok := s.group.asset(deviceID); ok {
			return m.id, m.name, m.created, nil
		}
	}
	return p.deviceAsset(ctx, s, deviceID, clientID)
}

// maxAssetName is the schema's limit on an asset's name, in bytes.
const maxAssetName = 200

// assetName is the name of a device's new asset: the RMM's name for it,
// else its id, cut to maxAssetName bytes between characters.
func assetName(deviceName, deviceID string) string {
	name := strings.TrimSpace(deviceName)
	if name == "" {
		name = "device " + deviceID
	}
	for len(name) > maxAssetName {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// assetInsert and assetDeviceInsert are the columns ensureAssetSQL sets;
// a test holds them to the ent schema. The others are null.
var (
	assetInsert = []string{asset.FieldTenantID, asset.FieldCreatedAt, asset.FieldName, asset.FieldClientID,
		asset.FieldKind, asset.FieldOs}
	assetDeviceInsert = []string{assetdevice.FieldTenantID, assetdevice.FieldCreatedAt, assetdevice.FieldAssetID,
		assetdevice.FieldIntegrationID, assetdevice.FieldExternalDeviceID}
)

// ensureAssetSQL finds a device's asset ($1 tenant, $2 integration, $3
// device) or makes it ($4 now, $5 name, $6 client) with its link, under
// the device's lock: the asset's id and name, and whether it was made.
var ensureAssetSQL = fmt.Sprintf(`WITH found AS (
	SELECT a.id, a.name FROM assets a
	WHERE a.id = (SELECT d.asset_id FROM asset_devices d
			WHERE d.tenant_id = $1 AND d.integration_id = $2 AND d.external_device_id = $3)
		AND a.tenant_id = $1
), made AS (
	INSERT INTO assets (%s) SELECT $1, $4, $5, $6, '', '' WHERE NOT EXISTS (SELECT FROM found)
	RETURNING id, name
), linked AS (
	INSERT INTO asset_devices (%s) SELECT $1, $4, id, $2, $3 FROM made
)
SELECT id, name, false AS created FROM found UNION ALL SELECT id, name, true FROM made`,
	strings.Join(assetInsert, ", "), strings.Join(assetDeviceInsert, ", "))

func ensureAssetStatement(tenantID, integrationID int, deviceID, name string, clientID int,
	id *int, gotName *string, created *bool) store.Statement {
	return store.Statement{
		Name: "pipeline: device asset",
		SQL:  ensureAssetSQL,
		Args: []any{tenantID, integrationID, deviceID, time.Now(), name, clientID},
		Read: func(rows store.Rows) error { return store.ScanRow(rows, id, gotName, created) },
	}
}
