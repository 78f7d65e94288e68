package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// The directory (which asset a device is, which client an organization
// is) grows with the inventory: ten thousand devices per integration is
// ordinary. It is therefore not part of the cached Config: each event
// reads the mappings of its own device and organization, two unique-index
// probes, and a page or a simulation those of the alerts at hand. A
// Config that had every device of every integration it served was built
// by each concurrent first event of a version, which made the process's
// memory grow with the number of assets.

// Directory is the device and organization mappings of some alerts: only
// theirs, never an integration's whole inventory.
type Directory struct {
	Devices map[string]AssetRef // by external device id
	Orgs    map[string]ClientRef
}

// WithDirectory returns a copy of cfg that routes with d's mappings. The
// copy is shallow: cfg stays shared and unchanged.
func (cfg *Config) WithDirectory(d Directory) *Config {
	c := *cfg
	c.Devices, c.Orgs, c.directory = d.Devices, d.Orgs, true
	return &c
}

// LoadDirectory reads the mappings of the listed devices and
// organizations of one integration through c: a constant number of
// statements, each reading at most one row per listed id.
func LoadDirectory(ctx context.Context, c *ent.Client, tenantID, integrationID int, devices, orgs []string) (Directory, error) {
	d := Directory{Devices: map[string]AssetRef{}, Orgs: map[string]ClientRef{}}
	devices, orgs = compactIDs(devices), compactIDs(orgs)
	if len(devices) > 0 {
		links, err := c.AssetDevice.Query().
			Where(assetdevice.TenantID(tenantID), assetdevice.IntegrationID(integrationID),
				assetdevice.ExternalDeviceIDIn(devices...)).
			WithAsset(func(q *ent.AssetQuery) { q.WithClient() }).
			All(ctx)
		if err != nil {
			return d, fmt.Errorf("load device mappings: %w", err)
		}
		for _, l := range links {
			a := l.Edges.Asset
			if a == nil {
				continue
			}
			ref := AssetRef{ID: a.ID, Name: a.Name}
			if cl := a.Edges.Client; cl != nil {
				ref.Client = &ClientRef{ID: cl.ID, Name: cl.Name}
			}
			d.Devices[l.ExternalDeviceID] = ref
		}
	}
	if len(orgs) > 0 {
		maps, err := c.OrganizationMapping.Query().
			Where(organizationmapping.TenantID(tenantID), organizationmapping.IntegrationID(integrationID),
				organizationmapping.ExternalOrganizationIDIn(orgs...)).
			WithClient().
			All(ctx)
		if err != nil {
			return d, fmt.Errorf("load organization mappings: %w", err)
		}
		for _, m := range maps {
			if cl := m.Edges.Client; cl != nil {
				d.Orgs[m.ExternalOrganizationID] = ClientRef{ID: cl.ID, Name: cl.Name}
			}
		}
	}
	return d, nil
}

// DirectoryOf loads the mappings of the alerts' devices and organizations
// (all of one tenant and integration, as cfg's).
func (cfg *Config) DirectoryOf(ctx context.Context, c *ent.Client, alerts []*ent.Alert) (*Config, error) {
	var devices, orgs []string
	for _, a := range alerts {
		devices, orgs = append(devices, a.ExternalDeviceID), append(orgs, a.ExternalOrganizationID)
	}
	d, err := LoadDirectory(ctx, c, cfg.TenantID, cfg.IntegrationID, devices, orgs)
	if err != nil {
		return nil, err
	}
	return cfg.WithDirectory(d), nil
}

// pageDirectory is cfg with the mappings of the page's events (evs[i]
// for i in cand): a page reads its own devices, not the inventory.
func pageDirectory(ctx context.Context, c *ent.Client, cfg *Config, evs []event.Event, cand []int) (*Config, error) {
	devices, orgs := make([]string, 0, len(cand)), make([]string, 0, len(cand))
	for _, i := range cand {
		devices, orgs = append(devices, evs[i].ExternalDeviceID), append(orgs, evs[i].ExternalOrganizationID)
	}
	d, err := LoadDirectory(ctx, c, cfg.TenantID, cfg.IntegrationID, devices, orgs)
	if err != nil {
		return nil, err
	}
	return cfg.WithDirectory(d), nil
}

// compactIDs drops empty and repeated ids.
func compactIDs(ids []string) []string {
	ids = slices.DeleteFunc(slices.Clone(ids), func(s string) bool { return s == "" })
	slices.Sort(ids)
	return slices.Compact(ids)
}

// directorySQL reads an event's device mapping (kind 'd': asset id and
// name, the asset's client id and name) and organization mapping (kind
// 'o': the client), each a probe of its unique index ($1 tenant, $2
// integration, $3 device, $4 organization). Assets and clients are read
// by primary key from the probe's result: as joins, a planner that
// thinks them few may scan the tenant's assets instead.
const directorySQL = `SELECT 'd', a.id, a.name, a.client_id,
		(SELECT c.name FROM clients c WHERE c.id = a.client_id AND c.tenant_id = $1)
	FROM assets a
	WHERE a.id = (SELECT d.asset_id FROM asset_devices d
			WHERE d.tenant_id = $1 AND d.integration_id = $2 AND d.external_device_id = $3)
		AND a.tenant_id = $1
UNION ALL
SELECT 'o', NULL, NULL, c.id, c.name
	FROM clients c
	WHERE c.id = (SELECT m.client_id FROM organization_mappings m
			WHERE m.tenant_id = $1 AND m.integration_id = $2 AND m.external_organization_id = $4)
		AND c.tenant_id = $1`

// eventDirectory is the directory of one event's device and organization,
// read with its locks on PostgreSQL.
type eventDirectory struct {
	device, org string // what was read
	read        bool
	dir         Directory
}

// statement reads the event's mappings into d.
func (d *eventDirectory) statement(ev event.Event) store.Statement {
	d.device, d.org = ev.ExternalDeviceID, ev.ExternalOrganizationID
	d.dir = Directory{Devices: map[string]AssetRef{}, Orgs: map[string]ClientRef{}}
	return store.Statement{
		Name: "pipeline: read directory",
		SQL:  directorySQL,
		Args: []any{ev.TenantID, ev.IntegrationID, ev.ExternalDeviceID, ev.ExternalOrganizationID},
		Read: d.scan,
	}
}

func (d *eventDirectory) scan(rows store.Rows) error {
	for rows.Next() {
		var (
			kind       string
			assetID    sql.NullInt64
			assetName  sql.NullString
			clientID   sql.NullInt64
			clientName sql.NullString
		)
		if err := rows.Scan(&kind, &assetID, &assetName, &clientID, &clientName); err != nil {
			return err
		}
		var cl *ClientRef
		if clientID.Valid {
			cl = &ClientRef{ID: int(clientID.Int64), Name: clientName.String}
		}
		switch kind {
		case "d":
			d.dir.Devices[d.device] = AssetRef{ID: int(assetID.Int64), Name: assetName.String, Client: cl}
		case "o":
			if cl != nil {
				d.dir.Orgs[d.org] = *cl
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	d.read = true
	return nil
}

// routingConfig is the event's Config with the mappings of its alert's
// device and organization: as read with the locks, else read now.
func (p *Pipeline) routingConfig(ctx context.Context, s *State) (*Config, error) {
	cfg, err := p.config(ctx, s)
	if err != nil || cfg.directory {
		return cfg, err
	}
	a := s.Alert
	if d := s.dir; d != nil && d.read && d.device == a.ExternalDeviceID && d.org == a.ExternalOrganizationID {
		s.cfg = cfg.WithDirectory(d.dir)
		return s.cfg, nil
	}
	dir, err := LoadDirectory(ctx, s.Tx.Client(), a.TenantID, a.IntegrationID,
		[]string{a.ExternalDeviceID}, []string{a.ExternalOrganizationID})
	if err != nil {
		return nil, err
	}
	s.cfg = cfg.WithDirectory(dir)
	return s.cfg, nil
}
