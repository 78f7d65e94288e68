package pipeline

import (
	"context"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
)

// scope finds the alert's asset (from the device mapping) and client (the
// asset's client, else the organization mapping's). An alert whose
// organization is unmapped and whose client is otherwise unknown is kept
// for an admin to map and reprocess.
func (p *Pipeline) scope(ctx context.Context, s *State) error {
	unmapped, err := p.resolveScope(ctx, s)
	if err != nil {
		return err
	}
	if unmapped {
		s.Tracef("organization %s is not mapped to a client: kept for mapping and reprocessing", s.Alert.ExternalOrganizationID)
		s.Stop(Unmapped)
	}
	return nil
}

// resolveScope sets the state's asset and client and stores them on the
// alert; it reports whether the organization is unmapped.
func (p *Pipeline) resolveScope(ctx context.Context, s *State) (bool, error) {
	ev, a := s.Event, s.Alert
	deviceID := a.ExternalDeviceID
	if deviceID != "" {
		dev, err := s.Tx.AssetDevice.Query().
			Where(assetdevice.TenantID(ev.TenantID), assetdevice.IntegrationID(ev.IntegrationID),
				assetdevice.ExternalDeviceID(deviceID)).
			WithAsset(func(q *ent.AssetQuery) { q.WithClient() }).
			Only(ctx)
		switch {
		case ent.IsNotFound(err):
			s.Tracef("device %s is not mapped to an asset", deviceID)
		case err != nil:
			return false, fmt.Errorf("load device mapping: %w", err)
		default:
			s.AssetID = &dev.AssetID
			s.Tracef("device %s is asset %q", deviceID, dev.Edges.Asset.Name)
			if c := dev.Edges.Asset.Edges.Client; c != nil {
				s.ClientID, s.ClientName = &c.ID, c.Name
				s.Tracef("client %q from the asset", c.Name)
			}
		}
	}
	orgID := a.ExternalOrganizationID
	if s.ClientID == nil && orgID != "" {
		m, err := s.Tx.OrganizationMapping.Query().
			Where(organizationmapping.TenantID(ev.TenantID), organizationmapping.IntegrationID(ev.IntegrationID),
				organizationmapping.ExternalOrganizationID(orgID)).
			WithClient().
			Only(ctx)
		switch {
		case ent.IsNotFound(err):
		case err != nil:
			return false, fmt.Errorf("load organization mapping: %w", err)
		default:
			s.ClientID, s.ClientName = &m.ClientID, m.Edges.Client.Name
			s.Tracef("client %q from organization %s", s.ClientName, orgID)
		}
	}
	unmapped := s.ClientID == nil && orgID != ""
	s.alertUpdate().
		SetNillableAssetID(s.AssetID).
		SetNillableClientID(s.ClientID).
		SetOrganizationUnmapped(unmapped)
	if s.AssetID != nil {
		a.AssetID = s.AssetID
	}
	if s.ClientID != nil {
		a.ClientID = s.ClientID
	}
	a.OrganizationUnmapped = unmapped
	return unmapped, nil
}
