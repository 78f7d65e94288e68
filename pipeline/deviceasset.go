package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
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
// and before any ticket's.
func (p *Pipeline) deviceAsset(ctx context.Context, s *State, deviceID string, clientID int) (id int, name string, created bool, err error) {
	a := s.Alert
	if err := p.store.LockKeys(ctx, s.Tx, deviceLockKey(a.TenantID, a.IntegrationID, deviceID)); err != nil {
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
	name = strings.TrimSpace(s.Event.DeviceName)
	if name == "" {
		name = "device " + deviceID
	}
	if r := []rune(name); len(r) > 200 {
		name = string(r[:200])
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
