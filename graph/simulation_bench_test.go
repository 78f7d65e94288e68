package graph_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/simulate"
)

// BenchmarkSimulate replays every stored alert of the loaded integration
// (ALERTDESK_BENCH_ALERTS alerts in the tenant, 124,000 by default, of
// which the integration has about 100,000)
// through a proposed rule set with simulateAlertRules, and beside it, as
// the baseline of the same run, the plain keyset scan of the same alerts
// (the reads alone). ms/median is each one's median; x-scan the ratio:
//
//	go test ./graph/ -run '^$' -bench BenchmarkSimulate -benchtime 5x -timeout 30m
func BenchmarkSimulate(b *testing.B) {
	ctx := context.Background()
	e, f := loadProdData(b, 124_000)
	since, until := time.Unix(0, 0).UTC(), time.Now().Add(time.Hour).UTC()
	scanned := 0
	scan := func() {
		scanned = 0
		err := simulate.Scan(ctx, e.DB, f.IntegrationID, since, until, 5000, func(p []*ent.Alert) (bool, error) {
			scanned += len(p)
			return true, nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	vars := apptest.Vars("i", apptest.ID(f.IntegrationID), "since", since.Format(time.RFC3339), "until", until.Format(time.RFC3339),
		"rules", []map[string]any{
			{"name": "Critical to the board", "conditions": map[string]any{"severities": []string{"critical"}}, "actions": map[string]any{"boardId": apptest.ID(f.BoardID)}},
			{"name": "Disk: record only", "conditions": map[string]any{"keywords": []string{"disk"}}, "actions": map[string]any{"createTicket": false}},
			{"name": "Servers", "conditions": map[string]any{"messagePattern": "(?i)server|srv"}},
			{"name": "Catch-all"},
		})
	var sim struct{ SimulateAlertRules simulation }
	simulateAll := func() {
		e.Admin(simulateQuery, vars).Must(&sim)
	}
	scan()
	simulateAll()
	n := f.Size.Alerts
	if sim.SimulateAlertRules.Alerts != scanned || scanned < n/2 || sim.SimulateAlertRules.Truncated {
		b.Fatalf("simulated %d alerts, scanned %d (of %d loaded)", sim.SimulateAlertRules.Alerts, scanned, n)
	}
	b.Logf("%d alerts; changed %d, tickets %d → %d", scanned, sim.SimulateAlertRules.Changed,
		sim.SimulateAlertRules.TicketsToday, sim.SimulateAlertRules.TicketsProposed)

	var scanTimes, simTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		t := time.Now()
		scan()
		scanTimes = append(scanTimes, time.Since(t))
		t = time.Now()
		simulateAll()
		simTimes = append(simTimes, time.Since(t))
	}
	b.StopTimer()
	med := func(d []time.Duration) time.Duration {
		slices.Sort(d)
		return d[len(d)/2]
	}
	ms, base := med(simTimes), med(scanTimes)
	b.ReportMetric(float64(ms.Microseconds())/1000, "ms/median")
	b.ReportMetric(float64(base.Microseconds())/1000, "scan-ms/median")
	b.ReportMetric(float64(ms)/float64(base), "x-scan")
	b.ReportMetric(float64(scanned), "alerts")
}
