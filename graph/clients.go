package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

// maxAssetDevices bounds an asset's device links: one per integration.
const maxAssetDevices = 20

// retiredAt is the retirement time for a requested retired flag: now when
// retiring, nil when restoring, the current value when unchanged.
func retiredAt(current *time.Time, retired *bool) *time.Time {
	switch {
	case retired == nil:
		return current
	case !*retired:
		return nil
	case current != nil:
		return current
	}
	now := time.Now().UTC()
	return &now
}

// retirable is the update of a record that is renamed and retired, never
// deleted (clients, assets).
type retirable[U any] interface {
	SetName(string) U
	SetRetiredAt(time.Time) U
	ClearRetiredAt() U
}

// renameRetire applies an update's name and retired flag.
func renameRetire[U retirable[U]](u U, errs *validation.Error, current *time.Time, name *string, retired *bool) {
	if at := retiredAt(current, retired); at != nil {
		u.SetRetiredAt(*at)
	} else {
		u.ClearRetiredAt()
	}
	if name != nil {
		u.SetName(checkName(errs, "name", *name, maxNameRunes))
	}
}

// activeClient reports whether id is an active (not retired) client.
func (r refs) activeClient(ctx context.Context, id int) (bool, error) {
	return r.c.Customer.Query().Where(customer.ID(id), customer.RetiredAtIsNil()).Exist(ctx)
}

// checkAssetClient checks an asset's client: one of the tenant's, not
// retired.
func checkAssetClient(ctx context.Context, c *ent.Client, errs *validation.Error, clientID *int) error {
	if clientID == nil {
		return nil
	}
	if err := errs.CheckRef(ctx, "clientId", "client", clientID, refs{c}.Client); err != nil {
		return err
	}
	if len(errs.Messages("clientId")) > 0 {
		return nil
	}
	ok, err := refs{c}.activeClient(ctx, *clientID)
	if err != nil {
		return err
	}
	if !ok {
		errs.Add("clientId", fmt.Sprintf("client %d is retired", *clientID))
	}
	return nil
}

// deviceLinks checks an asset's device links (assetID 0 for a new asset):
// at most one per integration, each integration the tenant's, each device
// linked to no other asset. It locks each device against a concurrent
// link and returns the links trimmed.
func (r *Resolver) deviceLinks(ctx context.Context, tx *ent.Tx, tenantID, assetID int, errs *validation.Error, in []*model.AssetDeviceInput) ([]model.AssetDeviceInput, error) {
	if len(in) > maxAssetDevices {
		errs.Add("devices", fmt.Sprintf("at most %d devices", maxAssetDevices))
		return nil, nil
	}
	c := tx.Client()
	out := make([]model.AssetDeviceInput, 0, len(in))
	seen := map[int]bool{}
	for i, d := range in {
		field := fmt.Sprintf("devices[%d]", i)
		ext := checkName(errs, field+".externalDeviceId", d.ExternalDeviceID, maxNameRunes)
		if err := errs.CheckRef(ctx, field+".integrationId", "integration", &d.IntegrationID, refs{c}.Integration); err != nil {
			return nil, err
		}
		if seen[d.IntegrationID] {
			errs.Add(field+".integrationId", "one device per integration")
		}
		seen[d.IntegrationID] = true
		if ext == "" || len(errs.Messages(field+".integrationId")) > 0 {
			continue
		}
		if err := r.lockKeys(ctx, tx, fmt.Sprintf("device:%d:%d:%s", tenantID, d.IntegrationID, ext)); err != nil {
			return nil, err
		}
		other, err := c.AssetDevice.Query().Where(assetdevice.IntegrationID(d.IntegrationID),
			assetdevice.ExternalDeviceID(ext), assetdevice.AssetIDNEQ(assetID)).First(ctx)
		if err == nil {
			errs.Add(field+".externalDeviceId", fmt.Sprintf("device %s is linked to asset %d", ext, other.AssetID))
			continue
		}
		if !ent.IsNotFound(err) {
			return nil, err
		}
		out = append(out, model.AssetDeviceInput{IntegrationID: d.IntegrationID, ExternalDeviceID: ext})
	}
	return out, nil
}

// linkDevices replaces the asset's device links.
func linkDevices(ctx context.Context, tx *ent.Tx, tenantID, assetID int, links []model.AssetDeviceInput) error {
	c := tx.Client()
	if _, err := c.AssetDevice.Delete().Where(assetdevice.AssetID(assetID)).Exec(ctx); err != nil {
		return fmt.Errorf("unlink devices: %w", err)
	}
	for _, l := range links {
		if err := c.AssetDevice.Create().SetTenantID(tenantID).SetAssetID(assetID).
			SetIntegrationID(l.IntegrationID).SetExternalDeviceID(l.ExternalDeviceID).Exec(ctx); err != nil {
			return fmt.Errorf("link device %s: %w", l.ExternalDeviceID, err)
		}
	}
	return nil
}
