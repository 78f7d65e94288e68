package pipeline

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
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
	cfg, err := p.routingConfig(ctx, s)
	if err != nil {
		return false, err
	}
	a := s.Alert
	unknownDevice := ""
	if deviceID := a.ExternalDeviceID; deviceID != "" {
		if asset, ok := cfg.Devices[deviceID]; ok {
			s.AssetID = &asset.ID
			s.Tracef("device %s is asset %q", deviceID, asset.Name)
			if asset.Client != nil {
				c := *asset.Client // the config is shared: point at a copy
				s.ClientID, s.ClientName = &c.ID, c.Name
				s.Tracef("client %q from the asset", c.Name)
			}
		} else {
			unknownDevice = deviceID
		}
	}
	orgID := a.ExternalOrganizationID
	if s.ClientID == nil && orgID != "" {
		if c, ok := cfg.Orgs[orgID]; ok {
			s.ClientID, s.ClientName = &c.ID, c.Name
			s.Tracef("client %q from organization %s", s.ClientName, orgID)
		}
	}
	if unknownDevice != "" {
		// A device of a mapped organization that no sync has listed yet
		// becomes an asset of the client now.
		if s.ClientID == nil {
			s.Tracef("device %s is not mapped to an asset", unknownDevice)
		} else {
			id, name, created, err := p.groupAsset(ctx, s, unknownDevice, *s.ClientID)
			if err != nil {
				return false, err
			}
			s.AssetID, s.assetMade = &id, true
			if created {
				s.Tracef("device %s was unknown: created asset %q in client %q", unknownDevice, name, s.ClientName)
			} else {
				s.Tracef("device %s is asset %q (linked since the configuration was read)", unknownDevice, name)
			}
		}
	}
	unmapped := s.ClientID == nil && orgID != ""
	m := s.alertChanges()
	if s.AssetID != nil {
		m.SetAssetID(*s.AssetID)
	}
	if s.ClientID != nil {
		m.SetClientID(*s.ClientID)
	}
	m.SetOrganizationUnmapped(unmapped)
	if s.AssetID != nil {
		a.AssetID = s.AssetID
	}
	if s.ClientID != nil {
		a.ClientID = s.ClientID
	}
	a.OrganizationUnmapped = unmapped
	return unmapped, nil
}

// foreseesTicket says whether routing, as cfg stands, opens a ticket for
// a first-seen alert a: how many ticket numbers a page or group draws.
func (cfg *Config) foreseesTicket(a *ent.Alert) bool {
	sc := cfg.Scope(a)
	return cfg.Decide(&sc, nil).Ticket()
}

// makesAsset says whether resolveScope would create an asset for the
// alert's device under cfg: a device no mapping lists, of a mapped
// organization.
func (cfg *Config) makesAsset(a *ent.Alert) bool {
	if a.ExternalDeviceID == "" {
		return false
	}
	if _, ok := cfg.Devices[a.ExternalDeviceID]; ok {
		return false
	}
	_, ok := cfg.Orgs[a.ExternalOrganizationID]
	return ok && a.ExternalOrganizationID != ""
}
