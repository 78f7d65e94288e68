package pipeline

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// ProcessTogether runs events of one tenant and integration, in order,
// giving each the result Process would, in one transaction on PostgreSQL:
// the locks of all their alerts and conditions first (as lockAll orders
// them), then each event's own statements and stages as Process runs
// them, and one COMMIT. Firings of one condition thus share the wait for
// its lock and the commit's WAL flush instead of queueing for both one by
// one. If the transaction fails, each event runs through Process; on
// SQLite they always do.
func (p *Pipeline) ProcessTogether(ctx context.Context, evs []event.Event, opts ...Option) ([]Result, []error) {
	res := make([]Result, len(evs))
	errs := make([]error, len(evs))
	one := func() ([]Result, []error) {
		for i, ev := range evs {
			res[i], errs[i] = p.Process(ctx, ev, opts...)
		}
		return res, errs
	}
	if len(evs) < 2 || !p.store.IsPostgres() {
		return one()
	}
	var (
		runs []*run
		idx  []int
		take []event.Event
	)
	for i, ev := range evs {
		ev, err := prepare(ev)
		if err == nil && (ev.TenantID != evs[0].TenantID || ev.IntegrationID != evs[0].IntegrationID) {
			return one()
		}
		if err != nil {
			errs[i] = err
			continue
		}
		runs, idx, take = append(runs, p.newRun(ev)), append(idx, i), append(take, ev)
	}
	if len(runs) == 0 {
		return res, errs
	}
	o := applyOptions(opts)
	got := make([]Result, len(runs))
	err := p.store.BatchTx(ctx, []store.Statement{lockAll("pipeline: lock events", take)}, func(tx *ent.Tx, b *store.Batch) error {
		for j, r := range runs {
			// The event's own locks are held already: taking them again
			// costs nothing, and its lookup sees what the events before it
			// wrote, sent ahead of it in the same round trip.
			if err := b.Send(ctx, r.first...); err != nil {
				return err
			}
			var err error
			if got[j], err = p.exec(ctx, tx, b, r, o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		p.log.WarnContext(ctx, "pipeline: events processed together failed, each runs alone", "events", len(runs), "err", err)
		for _, i := range idx {
			res[i], errs[i] = p.Process(ctx, evs[i], opts...)
		}
		return res, errs
	}
	for j, i := range idx {
		res[i] = got[j]
		p.logged(ctx, runs[j].ev, got[j])
	}
	return res, errs
}
