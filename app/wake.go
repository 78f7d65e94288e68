package app

import (
	"context"
	"sync"

	"github.com/alertdesk/alertdesk/outbox"
)

// startWake makes a commit that wrote outbox entries wake the relays at
// once instead of at their next poll: the relay of this process directly,
// and on PostgreSQL those of the other replicas through a NOTIFY sent after
// the commit on a connection of its own (coalesced), which this process's
// relay LISTENs for in turn. The poll stays as the safety net. The
// returned function stops it all.
func (a *App) startWake(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	run := func(f func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(ctx)
		}()
	}
	var local, announce func()
	if a.Worker != nil {
		local = a.Worker.Wake
	}
	if a.Store.IsPostgres() {
		ann := outbox.NewAnnouncer(a.Config.DatabaseURL, 0, a.Log)
		announce = ann.Committed
		run(ann.Run)
		if a.Worker != nil {
			l := &outbox.Listener{URL: a.Config.DatabaseURL, Wake: a.Worker.Wake, Own: ann.Own, Log: a.Log}
			run(l.Run)
		}
	}
	committed := func() {
		if local != nil {
			local()
		}
		if announce != nil {
			announce()
		}
	}
	a.Pipeline.OnCommit(committed)
	a.Ingest.OnCommit(committed)
	return func() {
		a.Pipeline.OnCommit(func() {})
		a.Ingest.OnCommit(func() {})
		cancel()
		wg.Wait()
	}
}
