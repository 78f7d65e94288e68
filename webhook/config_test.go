package webhook_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/rule"
)

// firing is the n-th distinct condition on a device of organization 2: its
// own alert and dedup key, so it never joins an earlier ticket.
func firing(t *testing.T, n, device int) []byte {
	return ninjaTrigger(t, merge(onDevice(device, "DEV-"+series(n)[24:], 2), map[string]any{
		"seriesUid":       series(n),
		"sourceConfigUid": "condition-" + series(n),
	}))
}

// TestConfigChangesReachTheNextAlert: the pipeline caches each tenant's
// routing configuration. Every kind of change to it must reach the very
// next alert: an alert routes with the cache warm, the configuration
// changes, and the next alert must see the change.
func TestConfigChangesReachTheNextAlert(t *testing.T) {
	const unmappedDevice = 99 // in organization 2, not mapped to an asset
	tests := []struct {
		name   string
		setup  func(t *testing.T, e *apptest.Env) // before the cache is warm
		change func(t *testing.T, e *apptest.Env)
		check  func(t *testing.T, e *apptest.Env, r apptest.Response)
	}{
		{
			name:   "rule deactivated",
			change: func(t *testing.T, e *apptest.Env) { e.Rule(ninja).Update().SetIsActive(false).ExecX(e.Ctx) },
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "no_rule_matched")
			},
		},
		{
			name: "rule stops creating tickets",
			change: func(t *testing.T, e *apptest.Env) {
				e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "recorded")
			},
		},
		{
			name: "rule added in front",
			change: func(t *testing.T, e *apptest.Env) {
				e.AddRule(ninja, "memory first", -1, rule.Conditions{Keywords: []string{"memory"}},
					rule.Actions{CreateTicket: apptest.Bool(false)})
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "recorded") // the catch-all behind it creates tickets
			},
		},
		{
			name: "maintenance window opened",
			change: func(t *testing.T, e *apptest.Env) {
				// The fixture's alert occurred on 2025-03-19.
				e.DB.MaintenanceWindow.Create().SetTenantID(e.Demo.TenantID).SetName("patching").
					SetStartsAt(time.Date(2025, 3, 18, 0, 0, 0, 0, time.UTC)).
					SetEndsAt(time.Date(2025, 3, 21, 0, 0, 0, 0, time.UTC)).
					ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "suppressed")
			},
		},
		{
			name: "device mapped to an asset",
			change: func(t *testing.T, e *apptest.Env) {
				contoso := e.DB.Customer.Query().Where(customer.TenantID(e.Demo.TenantID), customer.Name("Contoso")).OnlyX(e.Ctx)
				a := e.DB.Asset.Create().SetTenantID(e.Demo.TenantID).SetName("WS-99").SetClientID(contoso.ID).SaveX(e.Ctx)
				// The warm-up's alert made the unknown device an asset of its
				// own: the device now moves to WS-99.
				n := e.DB.AssetDevice.Update().Where(assetdevice.IntegrationID(e.Integration(ninja).ID),
					assetdevice.ExternalDeviceID("99")).SetAssetID(a.ID).SaveX(e.Ctx)
				if n != 1 {
					t.Fatalf("%d links of device 99 after its first alert, want 1", n)
				}
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_created")
				if tk := e.Ticket(*r.TicketID); tk.Edges.Asset == nil || tk.Edges.Asset.Name != "WS-99" {
					t.Errorf("asset = %v, want WS-99", tk.Edges.Asset)
				}
			},
		},
		{
			name: "organization mapped to another client",
			change: func(t *testing.T, e *apptest.Env) {
				fab := e.DB.Customer.Create().SetTenantID(e.Demo.TenantID).SetName("Fabrikam").SaveX(e.Ctx)
				// The warm-up made device 99 an asset of Contoso, and an
				// asset's client wins over the mapping: unlink it, so the
				// next alert knows the device only by its organization.
				e.DB.AssetDevice.Delete().Where(assetdevice.ExternalDeviceID("99")).ExecX(e.Ctx)
				e.DB.OrganizationMapping.Update().
					Where(organizationmapping.IntegrationID(e.Integration(ninja).ID), organizationmapping.ExternalOrganizationID("2")).
					SetClientID(fab.ID).ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_created")
				if tk := e.Ticket(*r.TicketID); tk.Edges.Client == nil || tk.Edges.Client.Name != "Fabrikam" {
					t.Errorf("client = %v, want Fabrikam", tk.Edges.Client)
				}
			},
		},
		{
			name: "client renamed",
			change: func(t *testing.T, e *apptest.Env) {
				e.DB.Customer.Update().Where(customer.TenantID(e.Demo.TenantID), customer.Name("Contoso")).
					SetName("Contoso Ltd").ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_created")
				trace := strings.Join(traceLines(e.Alert(r.AlertID).DecisionTrace), "\n")
				if !strings.Contains(trace, `client "Contoso Ltd"`) {
					t.Errorf("trace does not name the renamed client:\n%s", trace)
				}
			},
		},
		{
			name: "priority renamed",
			change: func(t *testing.T, e *apptest.Env) {
				e.DB.Priority.Update().Where(priority.TenantID(e.Demo.TenantID), priority.Name("High")).SetName("P2").ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_created")
				if tk := e.Ticket(*r.TicketID); tk.Edges.Priority != nil {
					t.Errorf("priority = %q, want none: no priority fits a major alert any more", tk.Edges.Priority.Name)
				}
			},
		},
		{
			name: "default board changed",
			change: func(t *testing.T, e *apptest.Env) {
				e.DB.Board.Update().Where(board.TenantID(e.Demo.TenantID)).SetIsDefault(false).ExecX(e.Ctx)
				b := e.DB.Board.Create().SetTenantID(e.Demo.TenantID).SetName("Triage").SetIsDefault(true).SaveX(e.Ctx)
				e.DB.TicketStatus.Create().SetTenantID(e.Demo.TenantID).SetBoardID(b.ID).SetName("Inbox").ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_created")
				if tk := e.Ticket(*r.TicketID); tk.Edges.Board.Name != "Triage" || tk.Edges.Status.Name != "Inbox" {
					t.Errorf("board/status = %s/%s, want Triage/Inbox", tk.Edges.Board.Name, tk.Edges.Status.Name)
				}
			},
		},
		{
			name: "board left without an open status",
			change: func(t *testing.T, e *apptest.Env) {
				b := e.DB.Board.Query().Where(board.TenantID(e.Demo.TenantID), board.IsDefault(true)).OnlyX(e.Ctx)
				for _, st := range b.QueryStatuses().AllX(e.Ctx) {
					st.Update().SetIsClosed(true).ExecX(e.Ctx)
				}
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_failed")
				if a := e.Alert(r.AlertID); !strings.Contains(a.TicketError, "no open status") {
					t.Errorf("ticket error = %q", a.TicketError)
				}
			},
		},
		{
			name: "assignee deleted",
			setup: func(t *testing.T, e *apptest.Env) {
				u := e.DB.User.Create().SetTenantID(e.Demo.TenantID).SetEmail("tech@example.com").SetName("Tech").
					SetRole(user.RoleTechnician).SaveX(e.Ctx)
				e.SetActions(ninja, rule.Actions{AssignToUserID: &u.ID})
			},
			change: func(t *testing.T, e *apptest.Env) {
				e.DB.User.Delete().Where(user.Email("tech@example.com")).ExecX(e.Ctx)
			},
			check: func(t *testing.T, e *apptest.Env, r apptest.Response) {
				wantOutcome(t, r, 200, "ticket_failed")
				if a := e.Alert(r.AlertID); !strings.Contains(a.TicketError, "assignee") {
					t.Errorf("ticket error = %q", a.TicketError)
				}
				if n := e.DB.Alert.Query().Where(alert.ID(r.AlertID), alert.TicketIDNotNil()).CountX(e.Ctx); n != 0 {
					t.Errorf("the failed alert is linked to a ticket")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, e *apptest.Env) {
				if tt.setup != nil {
					tt.setup(t, e)
				}
				// Warm the cache, also for the unmapped device.
				wantOutcome(t, e.Post(ninja, firing(t, 1, 7)), 200, "ticket_created")
				wantOutcome(t, e.Post(ninja, firing(t, 2, unmappedDevice)), 200, "ticket_created")
				before := e.Count()
				tt.change(t, e)
				r := e.Post(ninja, firing(t, 3, unmappedDevice))
				tt.check(t, e, r)
				if after := e.Count(); after.Alerts != before.Alerts+1 {
					t.Errorf("alerts %d → %d, want one more", before.Alerts, after.Alerts)
				}
			})
		})
	}
}

// traceLines flattens an alert's decision traces.
func traceLines(traces []map[string]any) []string {
	var out []string
	for _, tr := range traces {
		steps, _ := tr["steps"].([]any)
		for _, s := range steps {
			if l, ok := s.(string); ok {
				out = append(out, l)
			}
		}
	}
	return out
}

// TestConfigChangeReachesOtherReplica: two replicas on one database, each
// with its cache warm; a rule changed through one replica's API governs
// the next alert that reaches the other.
func TestConfigChangeReachesOtherReplica(t *testing.T) {
	one := apptest.New(t, storetest.Dialects()[0])
	two := apptest.NewWith(t, storetest.Dialects()[0], apptest.Options{ReplicaOf: one})
	wantOutcome(t, one.Post(ninja, firing(t, 1, 7)), 200, "ticket_created")
	wantOutcome(t, two.Post(ninja, firing(t, 2, 7)), 200, "ticket_created")

	one.Admin(`mutation($id: ID!) { setAlertRuleActive(id: $id, active: false) { id isActive } }`,
		apptest.Vars("id", apptest.ID(one.Rule(ninja).ID))).Must(nil)

	wantOutcome(t, two.Post(ninja, firing(t, 3, 7)), 200, "no_rule_matched")
	wantOutcome(t, one.Post(ninja, firing(t, 4, 7)), 200, "no_rule_matched")
}

// TestConfigChangesDuringTraffic: alerts of distinct conditions arrive
// while an admin flips the rule between creating tickets and recording
// only. Every alert is routed by one whole configuration (a ticket exactly
// when it says ticket_created), and once the flipping stops the next alert
// sees the final setting. Run with -race: every event shares the cached
// configuration.
func TestConfigChangesDuringTraffic(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		const n = 60
		admin := e
		if e.Store.IsPostgres() {
			// A pool of its own: the webhooks may hold all of e's.
			admin = apptest.NewWith(t, e.Store.Dialect, apptest.Options{ReplicaOf: e})
		}
		stop := make(chan struct{})
		flipped := make(chan struct{})
		go func() {
			defer close(flipped)
			for i := 0; ; i++ {
				select {
				case <-stop:
					admin.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
					return
				default:
				}
				admin.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(i%2 == 0)})
			}
		}()
		var wg sync.WaitGroup
		results := make([]apptest.Response, n)
		for i := range n {
			wg.Go(func() { results[i] = e.Post(ninja, firing(t, 100+i, 7)) })
		}
		wg.Wait()
		close(stop)
		<-flipped

		outcomes := map[string]int{}
		for _, r := range results {
			if r.Status != 200 {
				t.Fatalf("webhook answered %d %q", r.Status, r.Error)
			}
			outcomes[r.Outcome]++
			a := e.Alert(r.AlertID)
			if linked := a.TicketID != nil; linked != (r.Outcome == "ticket_created") {
				t.Errorf("alert %d: outcome %q but linked to a ticket: %v", r.AlertID, r.Outcome, linked)
			}
		}
		t.Logf("outcomes while the rule flipped: %v", outcomes)
		if outcomes["ticket_created"]+outcomes["recorded"] != n {
			t.Errorf("outcomes = %v, want only ticket_created and recorded", outcomes)
		}
		if c := e.Count(); c.Tickets != outcomes["ticket_created"] {
			t.Errorf("%d tickets for %d ticket_created answers", c.Tickets, outcomes["ticket_created"])
		}
		wantOutcome(t, e.Post(ninja, firing(t, 999, 7)), 200, "recorded")
	})
}
