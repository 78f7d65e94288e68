package worker_test

import (
	"fmt"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// pollBenchAlerts is how many RMM-active alerts a benchmarked cycle finds.
const pollBenchAlerts = 10_000

// BenchmarkPollCycle is a poll cycle (PostgreSQL, fake NinjaOne) that
// finds pollBenchAlerts RMM-active alerts nobody has seen, each of its own
// condition, so each becomes an alert and a ticket. alerts/s is the
// figure; run it with -benchtime 1x.
func BenchmarkPollCycle(b *testing.B) {
	h := newHarness(b, dialect.Postgres, redistest.Addr(b), nil)
	n := providertest.NewNinjaOne(b)
	in := h.connect(ninja, n.URL, n.Credentials())
	h.DB.Integration.UpdateOneID(in.ID).SetPollGraceSeconds(3600).ExecX(h.Ctx)
	var total time.Duration
	for i := range b.N {
		alerts := make([]map[string]any, pollBenchAlerts)
		for j := range alerts {
			a := providertest.Alert(fmt.Sprintf("bench-%d-%d", i, j), 7, "Disk almost full")
			a["sourceConfigUid"] = fmt.Sprintf("cond-%d-%d", i, j)
			alerts[j] = a
		}
		n.SetAlerts(alerts...)
		h.DB.Integration.UpdateOneID(in.ID).ClearLastPolledAt().ExecX(h.Ctx)
		start := time.Now()
		b.StartTimer()
		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		b.StopTimer()
		total += time.Since(start)
		if err != nil || c.Ingested != pollBenchAlerts {
			b.Fatalf("poll = %+v, %v; want %d ingested", c, err, pollBenchAlerts)
		}
	}
	b.ReportMetric(float64(pollBenchAlerts*b.N)/total.Seconds(), "alerts/s")
}
