package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/tenant"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

const simulateQuery = `query($i: ID!, $rules: [ProposedAlertRuleInput!]!, $since: Time!, $until: Time!, $all: Boolean, $first: Int, $after: String) {
  simulateAlertRules(integrationId: $i, rules: $rules, since: $since, until: $until, all: $all, first: $first, after: $after) {
    alerts changed ticketsToday ticketsProposed ticketsGained ticketsLost truncated
    currentHits { rule { id } hits }
    proposedHits { index name rule { id } hits }
    differences {
      nodes { alert { id message } changed cursor
        today { outcome ticket rule { id } ruleName board { id } }
        proposed { outcome ticket rule { id } proposedIndex ruleName board { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  } }`

type simDecision struct {
	Outcome       string
	Ticket        bool
	Rule          *struct{ ID string }
	ProposedIndex *int
	RuleName      *string
	Board         *struct{ ID, Name string }
}

type simulation struct {
	Alerts, Changed, TicketsToday, TicketsProposed, TicketsGained, TicketsLost int
	Truncated                                                                  bool
	CurrentHits                                                                []struct {
		Rule struct{ ID string }
		Hits int
	}
	ProposedHits []struct {
		Index int
		Name  string
		Rule  *struct{ ID string }
		Hits  int
	}
	Differences struct {
		Nodes []struct {
			Alert           struct{ ID, Message string }
			Changed         bool
			Cursor          string
			Today, Proposed simDecision
		}
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
}

// A proposed rule set is replayed over the stored alerts of a window:
// one rule routes disk alerts to another board, one records memory alerts
// without a ticket, the catch-all stays; nothing is written.
func TestSimulateAlertRules(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		integ := apptest.ID(e.Integration(ninja).ID)
		catchAll := apptest.ID(e.Rule(ninja).ID)
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		for i, a := range []struct {
			sev, msg string
			at       time.Duration
		}{
			{"CRITICAL", "Disk C: is full", 0},
			{"MAJOR", "Memory Utilization is high", time.Hour},
			{"MINOR", "CPU is busy", 2 * time.Hour},
			{"MINOR", "Memory is low again", 5 * time.Hour},
		} {
			r := e.Post(ninja, ninjaTrigger(t, map[string]any{
				"seriesUid":       fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1),
				"sourceConfigUid": fmt.Sprintf("00000000-0000-4000-9000-%012d", i+1), "severity": a.sev, "message": a.msg,
				"activityTime": float64(t0.Add(a.at).Unix()),
			}))
			if r.Outcome != "ticket_created" {
				t.Fatalf("alert %d: %+v", i, r)
			}
		}
		var board struct{ CreateBoard struct{ ID string } }
		e.Admin(`mutation { createBoard(input: {name: "Servers"}) { id } }`, nil).Must(&board)
		servers := board.CreateBoard.ID

		rules := []map[string]any{
			{"name": "Disk to servers", "conditions": map[string]any{"keywords": []string{"disk"}}, "actions": map[string]any{"boardId": servers}},
			{"name": "Memory: record only", "conditions": map[string]any{"keywords": []string{"memory"}}, "actions": map[string]any{"createTicket": false}},
			{"id": catchAll, "name": "Catch-all"},
		}
		vars := func(since, until time.Time, more ...any) map[string]any {
			return apptest.Vars(append([]any{"i", integ, "rules", rules, "since", since.Format(time.RFC3339), "until", until.Format(time.RFC3339)}, more...)...)
		}
		version := func() int {
			return e.DB.Tenant.Query().Where(tenant.ID(e.Demo.TenantID)).Select(tenant.FieldConfigVersion).IntX(e.Ctx)
		}
		alertsJSON := func() string {
			return fmt.Sprint(e.DB.Alert.Query().Order(ent.Asc(alert.FieldID)).AllX(e.Ctx))
		}
		before, beforeVersion, beforeAlerts := snapshot(t, e), version(), alertsJSON()

		var out struct{ SimulateAlertRules simulation }
		e.Admin(simulateQuery, vars(t0, t0.Add(3*time.Hour))).Must(&out)
		s := out.SimulateAlertRules
		if s.Alerts != 3 || s.Changed != 2 || s.TicketsToday != 3 || s.TicketsProposed != 2 || s.TicketsGained != 0 || s.TicketsLost != 1 || s.Truncated {
			t.Errorf("totals = %+v", s)
		}
		if len(s.CurrentHits) != 1 || s.CurrentHits[0].Rule.ID != catchAll || s.CurrentHits[0].Hits != 3 {
			t.Errorf("current hits = %+v", s.CurrentHits)
		}
		if len(s.ProposedHits) != 3 || s.ProposedHits[0].Hits != 1 || s.ProposedHits[1].Hits != 1 || s.ProposedHits[2].Hits != 1 ||
			s.ProposedHits[0].Rule != nil || s.ProposedHits[2].Rule == nil || s.ProposedHits[2].Rule.ID != catchAll {
			t.Errorf("proposed hits = %+v", s.ProposedHits)
		}
		nodes := s.Differences.Nodes
		if len(nodes) != 2 || s.Differences.PageInfo.HasNextPage {
			t.Fatalf("differences = %+v", s.Differences)
		}
		// Newest first: the memory alert loses its ticket, the disk alert moves board.
		memory, disk := nodes[0], nodes[1]
		if memory.Alert.Message != "Memory Utilization is high" || memory.Today.Outcome != "TICKET" || memory.Today.Rule == nil ||
			memory.Today.Rule.ID != catchAll || memory.Proposed.Outcome != "RECORDED" || memory.Proposed.Ticket ||
			memory.Proposed.ProposedIndex == nil || *memory.Proposed.ProposedIndex != 1 || memory.Proposed.Rule != nil || !memory.Changed {
			t.Errorf("memory alert = %+v", memory)
		}
		if disk.Alert.Message != "Disk C: is full" || disk.Proposed.Outcome != "TICKET" || disk.Proposed.Board == nil ||
			disk.Proposed.Board.ID != servers || disk.Today.Board == nil || disk.Today.Board.ID == servers ||
			*disk.Proposed.RuleName != "Disk to servers" {
			t.Errorf("disk alert = %+v", disk)
		}

		// Every alert, one per page.
		var msgs []string
		var after any
		for page := 0; page < 5; page++ {
			e.Admin(simulateQuery, vars(t0, t0.Add(3*time.Hour), "all", true, "first", 1, "after", after)).Must(&out)
			p := out.SimulateAlertRules.Differences
			for _, n := range p.Nodes {
				msgs = append(msgs, n.Alert.Message)
			}
			if out.SimulateAlertRules.Alerts != 3 {
				t.Errorf("page %d totals: %d alerts", page, out.SimulateAlertRules.Alerts)
			}
			if !p.PageInfo.HasNextPage {
				break
			}
			after = *p.PageInfo.EndCursor
		}
		if fmt.Sprint(msgs) != "[CPU is busy Memory Utilization is high Disk C: is full]" {
			t.Errorf("all alerts paged = %q", msgs)
		}

		// The window is [since, until): an alert at since is in, one at until out.
		e.Admin(simulateQuery, vars(t0, t0.Add(2*time.Hour), "all", true)).Must(&out)
		if s := out.SimulateAlertRules; s.Alerts != 2 || len(s.Differences.Nodes) != 2 {
			t.Errorf("[t0, t0+2h) = %+v", s)
		}
		e.Admin(simulateQuery, vars(t0.Add(time.Second), t0.Add(2*time.Hour+time.Second), "all", true)).Must(&out)
		if s := out.SimulateAlertRules; s.Alerts != 2 || len(s.Differences.Nodes) != 2 || s.Differences.Nodes[0].Alert.Message != "CPU is busy" {
			t.Errorf("[t0+1s, t0+2h+1s) = %+v", s)
		}

		// Invalid input is refused with a field error per rule, by index.
		rules = []map[string]any{
			{"name": " ", "actions": map[string]any{"boardId": "987654"}},
			{"name": "x", "conditions": map[string]any{"severity": []string{"critical"}}},
			{"id": "987654", "name": "y", "conditions": map[string]any{"messagePattern": "("}},
		}
		wantFields(t, e.Admin(simulateQuery, vars(t0, t0)), "until", "rules.0.name", "rules.0.actions.boardId",
			"rules.1.conditions.severity", "rules.2.id", "rules.2.conditions.messagePattern")

		if after := snapshot(t, e); after != before {
			t.Errorf("simulation changed data:\nbefore %s\nafter  %s", before, after)
		}
		if v := version(); v != beforeVersion {
			t.Errorf("config version %d, was %d", v, beforeVersion)
		}
		if alertsJSON() != beforeAlerts {
			t.Error("simulation changed alerts")
		}
	})
}
