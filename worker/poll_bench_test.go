package worker_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// pollBenchAlerts is how many alerts a benchmarked cycle handles.
const pollBenchAlerts = 10_000

// BenchmarkPollCycle is a poll cycle (PostgreSQL, fake NinjaOne) that
// handles pollBenchAlerts alerts, each of its own condition; alerts/s is
// the figure; run it with -benchtime 1x.
//
//   - new: RMM-active alerts nobody has seen: each becomes an alert and a
//     ticket.
//   - stale: alerts held active, each with its ticket, that the RMM no
//     longer lists: each is reset and its untouched ticket closed.
//   - joins: RMM-active alerts nobody has seen whose conditions have an
//     open ticket (each condition fired again with a new alert id): each
//     joins its ticket.
func BenchmarkPollCycle(b *testing.B) {
	h := newHarness(b, dialect.Postgres, redistest.Addr(b), nil)
	n := providertest.NewNinjaOne(b)
	in := h.connect(ninja, n.URL, n.Credentials())
	list := func(prefix string, i int, cond string) {
		alerts := make([]map[string]any, pollBenchAlerts)
		for j := range alerts {
			a := providertest.Alert(fmt.Sprintf("%s-%d-%d", prefix, i, j), 7, "Disk almost full")
			a["sourceConfigUid"] = fmt.Sprintf("%s-%d-%d", cond, i, j)
			alerts[j] = a
		}
		n.SetAlerts(alerts...)
	}
	poll := func(b *testing.B) worker.PollCounts {
		b.Helper()
		h.DB.Integration.UpdateOneID(in.ID).ClearLastPolledAt().ExecX(h.Ctx)
		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		if err != nil {
			b.Fatalf("poll = %+v, %v", c, err)
		}
		return c
	}
	grace := func(seconds int) {
		h.DB.Integration.UpdateOneID(in.ID).SetPollGraceSeconds(seconds).ExecX(h.Ctx)
	}
	// measure runs setup, then times the cycle; check says whether it did
	// what it should.
	measure := func(b *testing.B, setup func(i int), check func(worker.PollCounts) bool) {
		var total time.Duration
		for i := range b.N {
			b.StopTimer()
			setup(i)
			start := time.Now()
			b.StartTimer()
			c := poll(b)
			b.StopTimer()
			total += time.Since(start)
			if !check(c) {
				b.Fatalf("poll = %+v", c)
			}
		}
		b.ReportMetric(float64(pollBenchAlerts*b.N)/total.Seconds(), "alerts/s")
	}
	b.Run("new", func(b *testing.B) {
		// Alerts of earlier rounds, no longer listed, are not reset.
		grace(3600)
		measure(b, func(i int) { list("new", i, "new-cond") },
			func(c worker.PollCounts) bool { return c.Ingested == pollBenchAlerts && c.Reset == 0 })
	})
	b.Run("stale", func(b *testing.B) {
		grace(0)
		measure(b, func(i int) {
			list("stale", i, "stale-cond")
			if c := poll(b); c.Ingested != pollBenchAlerts {
				b.Fatalf("setup: poll = %+v", c)
			}
			n.SetAlerts()
		}, func(c worker.PollCounts) bool { return c.Reset == pollBenchAlerts && c.Failed == 0 })
	})
	b.Run("joins", func(b *testing.B) {
		grace(3600)
		measure(b, func(i int) {
			list("first", i, "joins-cond")
			if c := poll(b); c.Ingested != pollBenchAlerts {
				b.Fatalf("setup: poll = %+v", c)
			}
			list("again", i, "joins-cond")
		}, func(c worker.PollCounts) bool { return c.Ingested == pollBenchAlerts && c.Reset == 0 && c.Failed == 0 })
	})
}
