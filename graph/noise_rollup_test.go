package graph_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// TestNoiseRollupsFollowTheAlerts sends NinjaOne webhooks through the
// pipeline (firings, resets, replays of both, a re-trigger that moves an
// alert to the next day, alerts on both sides of UTC midnight) and checks
// that the report, read from the rollups the triggers keep, equals the
// report computed from the alerts themselves, for periods of whole days
// only (rollups alone), of partial days only (alerts alone) and mixed.
func TestNoiseRollupsFollowTheAlerts(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		day := time.Date(2031, 5, 10, 0, 0, 0, 0, time.UTC) // midnight between day 1 and day 2
		at := func(d time.Duration) map[string]any { return map[string]any{"activityTime": day.Add(d).Unix()} }
		device := func(id int) map[string]any {
			return map[string]any{"deviceId": id, "device": map[string]any{"id": id, "organizationId": 2, "displayName": fmt.Sprintf("SRV-%d", id)}}
		}
		post := func(body []byte, outcome string) {
			t.Helper()
			r := e.Post(ninja, body)
			if r.Status != 200 || (outcome != "" && r.Outcome != outcome) {
				t.Fatalf("webhook answered %d %q (error %q), want %q", r.Status, r.Outcome, r.Error, outcome)
			}
		}
		type step struct {
			reset   bool
			series  int
			device  int
			config  string
			at      time.Duration
			outcome string
		}
		steps := []step{
			// Series 1 fires ten minutes before midnight, clears after it.
			{series: 1, device: 7, config: "cpu", at: -10 * time.Minute},
			{series: 1, device: 7, config: "cpu", at: -10 * time.Minute, outcome: "replay"},
			{reset: true, series: 1, device: 7, config: "cpu", at: 10 * time.Minute, outcome: "resolved"},
			// Replayed reset: no second reset.
			{reset: true, series: 1, device: 7, config: "cpu", at: 10 * time.Minute},
			// Fires again on day 2: the alert leaves day 1, and its reset
			// with it.
			{series: 1, device: 7, config: "cpu", at: 30 * time.Minute},
			{reset: true, series: 1, device: 7, config: "cpu", at: 95 * time.Minute, outcome: "resolved"},
			// The same condition, other series, both sides of midnight.
			{series: 2, device: 7, config: "cpu", at: -time.Second},
			{reset: true, series: 2, device: 7, config: "cpu", at: 2 * time.Minute, outcome: "resolved"},
			{series: 3, device: 7, config: "cpu", at: 0},
			{reset: true, series: 3, device: 7, config: "cpu", at: 4 * time.Minute, outcome: "resolved"},
			{series: 4, device: 7, config: "cpu", at: 24*time.Hour - time.Second},
			// Other devices and conditions, one left active.
			{series: 5, device: 8, config: "disk", at: -3 * time.Hour},
			{reset: true, series: 5, device: 8, config: "disk", at: 5 * time.Hour, outcome: "resolved"},
			{series: 6, device: 8, config: "ping", at: 2 * time.Hour},
			{series: 7, device: 9, config: "disk", at: 26 * time.Hour},
			{reset: true, series: 7, device: 9, config: "disk", at: 26*time.Hour + 7*time.Second, outcome: "resolved"},
			{series: 8, device: 9, config: "disk", at: -30 * time.Hour},
		}
		for _, s := range steps {
			ch := merge(device(s.device), at(s.at), map[string]any{
				"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", s.series), "sourceConfigUid": s.config})
			if s.reset {
				post(apptest.Patch(t, []byte(ninjaResetFixture), ch), s.outcome)
			} else {
				post(apptest.NinjaTrigger(t, ch), s.outcome)
			}
		}
		tenant := e.Demo.TenantID
		h := time.Hour
		for _, p := range []struct{ since, until time.Time }{
			{day.Add(-48 * h), day.Add(48 * h)},                     // whole days
			{day.Add(-24 * h), day},                                 // day 1
			{day, day.Add(24 * h)},                                  // day 2
			{day.Add(-15 * time.Minute), day.Add(20 * time.Minute)}, // across midnight, no whole day
			{day.Add(-12 * h), day.Add(36 * h)},                     // edges and a whole day
			{day.Add(-31 * h), day.Add(24*h + time.Second)},         // edges of one second
		} {
			for _, limit := range []int{1, 10} {
				want, err := graph.RawNoiseReport(e.Ctx, e.Store, tenant, p.since, p.until, limit)
				if err != nil {
					t.Fatal(err)
				}
				var got struct{ AlertNoiseReport noiseReport }
				e.Admin(noiseQuery, apptest.Vars("since", p.since.Format(time.RFC3339), "until", p.until.Format(time.RFC3339),
					"limit", limit)).Must(&got)
				if g, w := noiseSummary(got.AlertNoiseReport), rawSummary(want); g != w {
					t.Errorf("[%s, %s) limit %d: rollups\n%s\nalerts\n%s", p.since, p.until, limit, g, w)
				}
				if limit == 10 && p.since.Equal(day.Add(-48*h)) && want.AlertCount != 8 {
					t.Errorf("whole period: %d alerts, want 8 (replays must not count)", want.AlertCount)
				}
			}
		}
	})
}

const ninjaResetFixture = `{"id":177305,"activityTime":1742392275,"deviceId":7,"severity":"MAJOR","priority":"HIGH",
 "seriesUid":"e6b0b0bd-5753-445d-9e4a-71c08983cbd5","activityType":"CONDITION","statusCode":"RESET",
 "status":"Reset","sourceConfigUid":"205b85b2-8a12-4123-834f-164be08b3314","sourceName":"Memory > 80%",
 "message":"Memory Utilization is greater than or equal to 80% for 5 minutes","type":"Condition",
 "data":{"message":{"code":"vmm_cond_memory_usage_ge","params":{}}},"device":{"id":7,"organizationId":2,"displayName":"SRV-01"}}`

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// noiseSummary and rawSummary write a report's numbers (not its names)
// the same way, for comparison.
func noiseSummary(r noiseReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "alerts %d resolved %d auto %d share %s median %s p90 %s\n", r.AlertCount, r.ResolvedCount,
		r.AutoResolvedCount, fmtFloat(r.AutoResolvedShare), fmtFloat(r.ResolveSecondsMedian), fmtFloat(r.ResolveSecondsP90))
	for _, c := range r.TopConditions {
		fmt.Fprintf(&b, "top %s %s %d/%d %s\n", c.IntegrationID, c.DedupKey, c.AlertCount, c.ResetCount, fmtFloat(c.FiresPerReset))
	}
	for _, c := range r.Flapping {
		fmt.Fprintf(&b, "flapping %s %d/%d %s\n", c.DedupKey, c.AlertCount, c.ResetCount, fmtFloat(c.FiresPerReset))
	}
	for _, d := range r.TopDevices {
		fmt.Fprintf(&b, "device %s %d\n", d.AssetID, d.AlertCount)
	}
	for _, c := range r.TopClients {
		fmt.Fprintf(&b, "client %s %d\n", c.ClientID, c.AlertCount)
	}
	for _, x := range r.TicketsPerRule {
		fmt.Fprintf(&b, "rule %s %d %d\n", x.RuleID, x.AlertCount, x.TicketCount)
	}
	return b.String()
}

func rawSummary(m *model.NoiseReport) string {
	r := noiseReport{AlertCount: m.AlertCount, ResolvedCount: m.ResolvedCount, AutoResolvedCount: m.AutoResolvedCount,
		AutoResolvedShare: m.AutoResolvedShare, ResolveSecondsMedian: m.ResolveSecondsMedian, ResolveSecondsP90: m.ResolveSecondsP90}
	for _, cs := range []struct {
		from []*model.NoiseCondition
		to   *[]noiseCondition
	}{{m.TopConditions, &r.TopConditions}, {m.Flapping, &r.Flapping}} {
		for _, c := range cs.from {
			*cs.to = append(*cs.to, noiseCondition{IntegrationID: apptest.ID(c.IntegrationID), DedupKey: c.DedupKey,
				AlertCount: c.AlertCount, ResetCount: c.ResetCount, FiresPerReset: c.FiresPerReset})
		}
	}
	for _, d := range m.TopDevices {
		r.TopDevices = append(r.TopDevices, struct {
			AssetID, Name string
			AlertCount    int
		}{AssetID: apptest.ID(d.AssetID), AlertCount: d.AlertCount})
	}
	for _, c := range m.TopClients {
		r.TopClients = append(r.TopClients, struct {
			ClientID, Name string
			AlertCount     int
		}{ClientID: apptest.ID(c.ClientID), AlertCount: c.AlertCount})
	}
	for _, x := range m.TicketsPerRule {
		r.TicketsPerRule = append(r.TicketsPerRule, struct {
			RuleID, Name            string
			AlertCount, TicketCount int
		}{RuleID: apptest.ID(x.RuleID), AlertCount: x.AlertCount, TicketCount: x.TicketCount})
	}
	return noiseSummary(r)
}
