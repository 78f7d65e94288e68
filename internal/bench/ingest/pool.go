package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// pool is a run of conditions, each with one alert on its own open
// ticket, opened one at a time after the id sequences were set to a block
// of their own, so that item k's rows have the ids of item 0 plus k. A
// pgbench script then draws k and computes every id of its item.
type pool struct {
	Size   int
	Prefix string // seriesUid prefix
	// Item 0's series, device, alert, ticket, ticket number, condition
	// and asset (made for its new device).
	Series, Device, Alert, Ticket, Number, Cond, Asset int64
}

// trigger is the TRIGGERED webhook that opened item k.
func (p pool) trigger(k int) firing {
	return firing{SeriesPrefix: p.Prefix, Series: p.Series + int64(k), Device: p.Device + int64(k), ID: p.Series + int64(k)}
}

// reset is the RESET of item k's alert.
func (p pool) reset(k int) firing {
	f := p.trigger(k)
	f.Reset, f.ID = true, 900_000_000_000+f.Series%100_000_000_000
	return f
}

// as is the firing with another seriesUid: a new alert of its condition.
func (f firing) as(prefix string, series int64) firing {
	f.SeriesPrefix, f.Series, f.ID = prefix, series, series
	return f
}

// script is the pgbench header drawing an item and the bindings of the
// captured item k0's values to the variables holding the drawn one's.
func (p pool) script(k0 int) (string, []binding) {
	var h strings.Builder
	fmt.Fprintf(&h, "\\set k random(0, %d)\n", p.Size-1)
	var binds []binding
	for _, v := range []struct {
		name string
		base int64
	}{{"ps", p.Series}, {"pd", p.Device}, {"pa", p.Alert}, {"pt", p.Ticket}, {"pn", p.Number}, {"pc", p.Cond}, {"pas", p.Asset}} {
		fmt.Fprintf(&h, "\\set %s %d + :k\n", v.name, v.base)
		binds = append(binds, binding{strconv.FormatInt(v.base+int64(k0), 10), v.name})
	}
	return h.String(), binds
}

// setupPool opens size tickets through p, one request at a time, and
// checks the ids ran in step.
func (r *scenarioRun) setupPool(ctx context.Context, p poster, size int) (pool, error) {
	blk := r.nextBlock()
	pl := pool{Size: size, Prefix: fmt.Sprintf("5e7a%04d-0000-4000-8000-", blk),
		Series: 100_000_000_000 + int64(blk)*1_000_000, Device: 300_000_000_000 + int64(blk)*1_000_000}
	if err := markCapture(ctx, r.bench, blockStarts(blk), blockNumber(blk)); err != nil {
		return pl, err
	}
	reqs := make([]request, size)
	for k := range reqs {
		b, err := webhookBody(r.w.fx, pl.trigger(k))
		if err != nil {
			return pl, err
		}
		reqs[k] = request{b, []string{outcomeCreated}}
	}
	r.w.log.Info("opening tickets one at a time", "tickets", size)
	if err := p.post(ctx, "pool", reqs, 1); err != nil {
		return pl, err
	}
	var n, da, dt, dn, dc, ds int
	err := r.bench.QueryRow(ctx, `SELECT count(*), count(DISTINCT a.id - a.k), count(DISTINCT t.id - a.k),
			count(DISTINCT t.number - a.k), count(DISTINCT c.id - a.k), count(DISTINCT a.asset_id - a.k),
			coalesce(min(a.id - a.k), 0), coalesce(min(t.id - a.k), 0), coalesce(min(t.number - a.k), 0), coalesce(min(c.id - a.k), 0),
			coalesce(min(a.asset_id - a.k), 0)
		FROM (SELECT id, ticket_id, asset_id, right(external_alert_id, 12)::bigint - $2 AS k FROM alerts WHERE external_alert_id LIKE $1) a
		JOIN tickets t ON t.id = a.ticket_id
		JOIN alert_conditions c ON c.head_alert_id = a.id`, pl.Prefix+"%", pl.Series).
		Scan(&n, &da, &dt, &dn, &dc, &ds, &pl.Alert, &pl.Ticket, &pl.Number, &pl.Cond, &pl.Asset)
	if err != nil {
		return pl, fmt.Errorf("pool ids: %w", err)
	}
	if n != size || da != 1 || dt != 1 || dn != 1 || dc != 1 || ds != 1 {
		return pl, fmt.Errorf("pool of %d: %d alerts with tickets and conditions, ids not in step with the items (%d, %d, %d, %d, %d offsets)",
			size, n, da, dt, dn, dc, ds)
	}
	return pl, nil
}
