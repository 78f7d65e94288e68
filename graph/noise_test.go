package graph_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/metadata"
	"github.com/alertdesk/alertdesk/rule"
)

const noiseQuery = `query($since: Time!, $until: Time!, $groupBy: [NoiseDimension!], $limit: Int) {
	alertNoiseReport(since: $since, until: $until, groupBy: $groupBy, limit: $limit) {
		alertCount resolvedCount autoResolvedCount autoResolvedShare resolveSecondsMedian resolveSecondsP90
		topConditions { integrationId dedupKey alertCount resetCount firesPerReset }
		flapping { dedupKey alertCount resetCount firesPerReset }
		topDevices { assetId name alertCount }
		topClients { clientId name alertCount }
		ticketsPerRule { ruleId name alertCount ticketCount }
	} }`

type noiseCondition struct {
	IntegrationID string
	DedupKey      string
	AlertCount    int
	ResetCount    int
	FiresPerReset *float64
}

type noiseReport struct {
	AlertCount, ResolvedCount, AutoResolvedCount int
	AutoResolvedShare                            *float64
	ResolveSecondsMedian, ResolveSecondsP90      *float64
	TopConditions, Flapping                      []noiseCondition
	TopDevices                                   []struct {
		AssetID, Name string
		AlertCount    int
	}
	TopClients []struct {
		ClientID, Name string
		AlertCount     int
	}
	TicketsPerRule []struct {
		RuleID, Name            string
		AlertCount, TicketCount int
	}
}

// noiseAlert is one crafted alert: fired at offset from the period's
// start, cleared after resolve (none: still active).
type noiseAlert struct {
	dedup          string
	fired          time.Duration
	resolve        time.Duration
	byTicketClose  bool
	asset, client  int
	rule           int
	openedTicket   bool
	tenant, integr int
}

var noiseStart = time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)

func TestAlertNoiseReport(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		c, ctx := e.DB, e.Ctx
		a, in := e.Demo.TenantID, e.Integration(ninja).ID
		cl1 := c.Customer.Create().SetTenantID(a).SetName("Noisy Client").SaveX(ctx).ID
		cl2 := c.Customer.Create().SetTenantID(a).SetName("Quiet Client").SaveX(ctx).ID
		as1 := c.Asset.Create().SetTenantID(a).SetName("SRV-NOISY").SetClientID(cl1).SaveX(ctx).ID
		as2 := c.Asset.Create().SetTenantID(a).SetName("SRV-QUIET").SetClientID(cl2).SaveX(ctx).ID
		r1 := e.AddRule(ninja, "CPU rule", 50, rule.Conditions{}, rule.Actions{}).ID
		r2 := e.AddRule(ninja, "Disk rule", 51, rule.Conditions{}, rule.Actions{}).ID
		other := e.OtherTenant("other-secret")
		b := c.Integration.GetX(ctx, other.ID).TenantID
		bClient := c.Customer.Create().SetTenantID(b).SetName("ZZB client").SaveX(ctx).ID

		min := time.Minute
		alerts := []noiseAlert{
			// cpu|1: four firings, each cleared by the RMM (1–4 minutes).
			{dedup: "cpu|1", fired: 1 * time.Hour, resolve: 1 * min, asset: as1, client: cl1, rule: r1, openedTicket: true},
			{dedup: "cpu|1", fired: 2 * time.Hour, resolve: 2 * min, asset: as1, client: cl1, rule: r1},
			{dedup: "cpu|1", fired: 3 * time.Hour, resolve: 3 * min, asset: as1, client: cl1, rule: r1},
			{dedup: "cpu|1", fired: 4 * time.Hour, resolve: 4 * min, asset: as1, client: cl1, rule: r1},
			// disk|2: three firings, one cleared by its ticket's close, two live.
			{dedup: "disk|2", fired: 5 * time.Hour, resolve: 10 * min, byTicketClose: true, asset: as2, client: cl2, rule: r2, openedTicket: true},
			{dedup: "disk|2", fired: 6 * time.Hour, asset: as2, client: cl2, rule: r2, openedTicket: true},
			{dedup: "disk|2", fired: 7 * time.Hour, asset: as2, client: cl2, rule: r2},
			// ping|1: two firings, cleared after 30 s and an hour; no rule matched.
			{dedup: "ping|1", fired: 8 * time.Hour, resolve: 30 * time.Second, asset: as1, client: cl1},
			{dedup: "ping|1", fired: 24 * 30 * time.Hour, resolve: 60 * min, asset: as1, client: cl1},
			// Outside the period: fired a second before it, and at its end.
			{dedup: "cpu|1", fired: -time.Second, resolve: min, asset: as1, client: cl1, rule: r1},
			{dedup: "cpu|1", fired: 31 * 24 * time.Hour, resolve: min, asset: as1, client: cl1, rule: r1},
			// Tenant B: the same condition, many firings, inside the period.
			{dedup: "cpu|1", fired: time.Hour, resolve: min, tenant: b, integr: other.ID, client: bClient},
			{dedup: "cpu|1", fired: 2 * time.Hour, resolve: min, tenant: b, integr: other.ID, client: bClient},
			{dedup: "cpu|1", fired: 3 * time.Hour, resolve: min, tenant: b, integr: other.ID, client: bClient},
			{dedup: "cpu|1", fired: 4 * time.Hour, resolve: min, tenant: b, integr: other.ID, client: bClient},
			{dedup: "cpu|1", fired: 5 * time.Hour, resolve: min, tenant: b, integr: other.ID, client: bClient},
		}
		for i, x := range alerts {
			tenant, integration := a, in
			if x.tenant != 0 {
				tenant, integration = x.tenant, x.integr
			}
			fired := noiseStart.Add(x.fired)
			// Every other alert carries no origin, as rows written without
			// one do: the rollups must count it as not closed by a ticket.
			md := metadata.Map{"origin": "poller"}
			if i%2 == 1 {
				md = metadata.Map{}
			}
			m := c.Alert.Create().SetTenantID(tenant).SetIntegrationID(integration).SetProvider("ninjaone").
				SetExternalAlertID(fmt.Sprintf("noise-%d", i)).SetDedupKey(x.dedup).SetTriggeredAt(fired).
				SetLastEventAt(fired).SetAutoTicketCreated(x.openedTicket).SetMetadata(md)
			if x.asset != 0 {
				m.SetAssetID(x.asset)
			}
			if x.client != 0 {
				m.SetClientID(x.client)
			}
			if x.rule != 0 {
				m.SetMatchedRuleID(x.rule)
			}
			if x.resolve > 0 {
				m.SetStatus(alert.StatusResolved).SetResolvedAt(fired.Add(x.resolve)).SetLastEventAt(fired.Add(x.resolve))
			}
			if x.byTicketClose {
				m.SetMetadata(metadata.Map{"origin": "ticket-closed"})
			}
			m.ExecX(ctx)
		}
		// A reset of an alert never seen firing is no firing.
		c.Alert.Create().SetTenantID(a).SetIntegrationID(in).SetProvider("ninjaone").SetExternalAlertID("noise-reset-only").
			SetDedupKey("cpu|1").SetStatus(alert.StatusResolved).SetResolvedAt(noiseStart.Add(time.Hour)).
			SetLastEventAt(noiseStart.Add(time.Hour)).ExecX(ctx)

		vars := func(since, until time.Time, extra ...any) map[string]any {
			v := apptest.Vars(append([]any{"since", since.Format(time.RFC3339), "until", until.Format(time.RFC3339)}, extra...)...)
			return v
		}
		month := noiseStart.AddDate(0, 1, 0)
		var got struct{ AlertNoiseReport noiseReport }
		e.Admin(noiseQuery, vars(noiseStart, month)).Must(&got)
		r := got.AlertNoiseReport
		if r.AlertCount != 9 || r.ResolvedCount != 7 || r.AutoResolvedCount != 6 {
			t.Errorf("counts = %d alerts, %d resolved, %d auto-resolved; want 9, 7, 6", r.AlertCount, r.ResolvedCount, r.AutoResolvedCount)
		}
		wantFloat(t, "autoResolvedShare", r.AutoResolvedShare, 6.0/9)
		// Durations 30, 60, 120, 180, 240, 600, 3600 s: the 4th and the 7th.
		wantFloat(t, "resolveSecondsMedian", r.ResolveSecondsMedian, 180)
		wantFloat(t, "resolveSecondsP90", r.ResolveSecondsP90, 3600)
		conds := func(cs []noiseCondition) []string {
			var out []string
			for _, c := range cs {
				fpr := "-"
				if c.FiresPerReset != nil {
					fpr = fmt.Sprintf("%.2f", *c.FiresPerReset)
				}
				out = append(out, fmt.Sprintf("%s %d/%d %s", c.DedupKey, c.AlertCount, c.ResetCount, fpr))
			}
			return out
		}
		if g, w := conds(r.TopConditions), []string{"cpu|1 4/4 1.00", "disk|2 3/1 3.00", "ping|1 2/2 1.00"}; !slices.Equal(g, w) {
			t.Errorf("topConditions = %q, want %q", g, w)
		}
		if r.TopConditions[0].IntegrationID != apptest.ID(in) {
			t.Errorf("condition integration = %s, want %d", r.TopConditions[0].IntegrationID, in)
		}
		if g, w := conds(r.Flapping), []string{"cpu|1 4/4 1.00", "ping|1 2/2 1.00"}; !slices.Equal(g, w) {
			t.Errorf("flapping = %q, want %q", g, w)
		}
		if g, w := fmt.Sprint(r.TopDevices), fmt.Sprintf("[{%d SRV-NOISY 6} {%d SRV-QUIET 3}]", as1, as2); g != w {
			t.Errorf("topDevices = %s, want %s", g, w)
		}
		if g, w := fmt.Sprint(r.TopClients), fmt.Sprintf("[{%d Noisy Client 6} {%d Quiet Client 3}]", cl1, cl2); g != w {
			t.Errorf("topClients = %s, want %s", g, w)
		}
		// Most tickets first: the disk rule opened two with three alerts.
		if g, w := fmt.Sprint(r.TicketsPerRule), fmt.Sprintf("[{%d Disk rule 3 2} {%d CPU rule 4 1}]", r2, r1); g != w {
			t.Errorf("ticketsPerRule = %s, want %s", g, w)
		}

		// limit cuts every ranking; groupBy leaves the others empty.
		got.AlertNoiseReport = noiseReport{}
		e.Admin(noiseQuery, vars(noiseStart, month, "limit", 1, "groupBy", []string{"CLIENT", "CONDITION"})).Must(&got)
		r = got.AlertNoiseReport
		if g, w := conds(r.TopConditions), []string{"cpu|1 4/4 1.00"}; !slices.Equal(g, w) {
			t.Errorf("limit 1: topConditions = %q, want %q", g, w)
		}
		if g, w := conds(r.Flapping), []string{"cpu|1 4/4 1.00"}; !slices.Equal(g, w) {
			t.Errorf("limit 1: flapping = %q, want %q", g, w)
		}
		if len(r.TopClients) != 1 || r.TopClients[0].AlertCount != 6 || len(r.TopDevices) != 0 || len(r.TicketsPerRule) != 0 {
			t.Errorf("limit 1, clients and conditions: %+v", r)
		}
		if r.AlertCount != 9 {
			t.Errorf("limit 1: alertCount = %d, want 9", r.AlertCount)
		}

		// An empty period: zeros, nulls and empty lists.
		got.AlertNoiseReport = noiseReport{}
		e.Admin(noiseQuery, vars(month.AddDate(0, 2, 0), month.AddDate(0, 3, 0))).Must(&got)
		r = got.AlertNoiseReport
		if r.AlertCount != 0 || r.ResolvedCount != 0 || r.AutoResolvedShare != nil || r.ResolveSecondsMedian != nil ||
			r.ResolveSecondsP90 != nil || len(r.TopConditions)+len(r.Flapping)+len(r.TopDevices)+len(r.TopClients)+len(r.TicketsPerRule) != 0 {
			t.Errorf("empty period: %+v", r)
		}

		// Tenant B sees its own five alerts only.
		tokenB, _ := e.NewToken(b, "noise@b.test", "admin")
		got.AlertNoiseReport = noiseReport{}
		e.GraphQL(tokenB, noiseQuery, vars(noiseStart, month)).Must(&got)
		r = got.AlertNoiseReport
		if r.AlertCount != 5 || len(r.TopConditions) != 1 || r.TopConditions[0].AlertCount != 5 ||
			len(r.TopClients) != 1 || r.TopClients[0].Name != "ZZB client" || len(r.TopDevices) != 0 {
			t.Errorf("tenant B: %+v", r)
		}

		// Invalid ranges and limits.
		for _, c := range []struct {
			vars  map[string]any
			field string
		}{
			{vars(month, noiseStart), "until"},
			{vars(noiseStart, noiseStart), "until"},
			{vars(noiseStart, noiseStart.AddDate(1, 1, 0)), "until"},
			{vars(noiseStart, month, "limit", 0), "limit"},
			{vars(noiseStart, month, "limit", 51), "limit"},
		} {
			res := e.Admin(noiseQuery, c.vars)
			if res.Code() != "BAD_USER_INPUT" || !slices.Contains(res.Fields(), c.field) {
				t.Errorf("%v: %s, want BAD_USER_INPUT on %s", c.vars, res.Raw, c.field)
			}
		}
	})
}

func wantFloat(t *testing.T, name string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got < want-1e-9 || *got > want+1e-9 {
		t.Errorf("%s = %v, want %v", name, fmtFloat(got), want)
	}
}

func fmtFloat(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

// The month of the fixtures' events (activityTime 2025-03-19).
const (
	fixtureMonth    = "2025-03-01T00:00:00Z"
	fixtureMonthEnd = "2025-04-01T00:00:00Z"
)
