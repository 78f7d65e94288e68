package pipeline

import (
	"context"
	"slices"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/store"
)

// madeAsset is a device's asset as a group's second round trip found or
// made it (see prepare).
type madeAsset struct {
	id      int
	name    string
	created bool
}

// prepare sends, in one round trip after the group's reads, what its
// first-seen alerts will make as routing foresees it: the assets of the
// new devices of mapped organizations, under the devices' locks (taken in
// one order), and the ids and numbers of the tickets they will open, as a
// poll page draws them (see processPage). The alerts' stages then take
// them instead of a round trip each; a ticket routing did not foresee
// draws its number then, and one foreseen and not opened leaves a gap in
// the numbers.
func (p *Pipeline) prepare(ctx context.Context, tx *ent.Tx, b *store.Batch, g *together, reads *groupReads) error {
	var (
		cfg     *Config
		keys    = map[string]bool{}
		devices = map[string]*madeAsset{}
		locks   []string
		ensure  []store.Statement
		tickets int
	)
	for j, r := range reads.runs {
		if !reads.read[j] || !r.look.isNew() {
			continue
		}
		if cfg == nil {
			version := r.lockRead().version
			if version == nil {
				return nil // no such tenant: each event says so
			}
			c, err := p.config(ctx, &State{Event: r.ev, Tx: tx, version: *version, versionRead: true})
			if err != nil {
				return err
			}
			cfg = c
		}
		dcfg := cfg.WithDirectory(reads.dirs[j].dir)
		a, ev := firstSeen(r.ev, entalert.StatusActive), r.ev
		if dcfg.makesAsset(a) && devices[ev.ExternalDeviceID] == nil {
			m := &madeAsset{}
			devices[ev.ExternalDeviceID] = m
			locks = append(locks, deviceLockKey(ev.TenantID, ev.IntegrationID, ev.ExternalDeviceID))
			ensure = append(ensure, ensureAssetStatement(ev.TenantID, ev.IntegrationID, ev.ExternalDeviceID,
				assetName(ev.DeviceName, ev.ExternalDeviceID), dcfg.Orgs[ev.ExternalOrganizationID].ID,
				&m.id, &m.name, &m.created))
		}
		if key := ev.DedupKey(); r.look.group == nil && !keys[key] {
			keys[key] = true
			if dcfg.foreseesTicket(a) {
				tickets++
			}
		}
	}
	var stmts []store.Statement
	if len(locks) > 0 {
		// One text for any number of devices: a size the connection has
		// not seen costs no round trip to prepare it.
		slices.Sort(locks)
		stmts = append(stmts, store.Statement{
			Name: "pipeline: lock devices",
			SQL:  `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k`,
			Args: []any{locks},
		})
		stmts = append(stmts, ensure...)
	}
	if tickets > 0 {
		draw, err := g.rows.drawStatement(ctx, tickets)
		if err != nil {
			return err
		}
		stmts = append(stmts, draw)
	}
	if len(stmts) == 0 {
		return nil
	}
	if err := b.Send(ctx, stmts...); err != nil {
		return err
	}
	g.assets = devices
	return nil
}
