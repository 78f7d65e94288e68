package worker_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

// fixtureAlert is the first entry of the NinjaOne alerts-list fixture, the
// same condition instance as the webhook fixtures.
func fixtureAlert() map[string]any {
	return providertest.Alert(ninjaUID, 7, "Memory Utilization is greater than or equal to 80% for 5 minutes")
}

func TestPollMissedTriggerBecomesTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		n.SetAlerts(fixtureAlert())

		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		if err != nil || c.Ingested != 1 || c.Fetched != 1 {
			t.Fatalf("poll = %+v, %v", c, err)
		}
		a := h.AlertByExternalID(ninjaUID)
		if a.TicketID == nil || a.Status != entalert.StatusActive || a.Metadata["origin"] != "poller" {
			t.Fatalf("alert: status %s, ticket %v, origin %v", a.Status, a.TicketID, a.Metadata["origin"])
		}
		if tk := h.Ticket(*a.TicketID); tk.Edges.Asset == nil || tk.Edges.Asset.Name != "SRV-01" {
			t.Errorf("ticket not routed to the device's asset: %+v", tk.Edges.Asset)
		}
		in = h.DB.Integration.GetX(h.Ctx, in.ID)
		if in.LastPolledAt == nil || in.LastPollError != "" || in.LastPollCounts["ingested"] != 1 {
			t.Errorf("integration: polled %v, error %q, counts %v", in.LastPolledAt, in.LastPollError, in.LastPollCounts)
		}

		// The next cycle finds nothing new.
		if c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, false); err == nil || c.Ingested != 0 {
			// A scheduled cycle right after another is skipped.
			t.Logf("second cycle: %+v, %v", c, err)
		}
		time.Sleep(6 * time.Second) // past pollNow's debounce
		if c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true); err != nil || c.Ingested != 0 {
			t.Errorf("repeat poll = %+v, %v; want nothing ingested", c, err)
		}
		if n := h.Count().Tickets; n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
}

func TestPollResetsStaleAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		n.SetAlerts() // the RMM no longer lists it

		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		if err != nil || c.Reset != 1 {
			t.Fatalf("poll = %+v, %v", c, err)
		}
		if a := h.Alert(r.AlertID); a.Status != entalert.StatusResolved {
			t.Fatalf("alert %s, want resolved", a.Status)
		}
		tk := h.Ticket(*r.TicketID)
		if tk.ClosedAt == nil {
			t.Fatal("untouched ticket left open")
		}
		last := tk.Edges.Comments[len(tk.Edges.Comments)-1].Body
		if !strings.Contains(last, "poller found it no longer active") {
			t.Errorf("comment = %q", last)
		}
	})
}

func TestPollFetchErrorResolvesNothing(t *testing.T) {
	for name, fail := range map[string]func(n *providertest.NinjaOne){
		"500":       func(n *providertest.NinjaOne) { n.FailList(http.StatusInternalServerError, "") },
		"malformed": func(n *providertest.NinjaOne) { n.FailList(http.StatusOK, `{"not":"a list"}`) },
	} {
		t.Run(name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, h *harness) {
				n := providertest.NewNinjaOne(t)
				in := h.connect(ninja, n.URL, n.Credentials())
				r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
				fail(n)
				c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
				if err == nil || c.Reset != 0 {
					t.Fatalf("poll = %+v, %v; want an error and nothing reset", c, err)
				}
				if a := h.Alert(r.AlertID); a.Status != entalert.StatusActive {
					t.Errorf("alert %s after a failed fetch", a.Status)
				}
				in = h.DB.Integration.GetX(h.Ctx, in.ID)
				if in.LastPollError == "" || in.LastPolledAt == nil {
					t.Errorf("failure not recorded: %q %v", in.LastPollError, in.LastPolledAt)
				}
			})
		})
	}
}

func TestPollUnsuppressesAfterWindow(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		fired := time.Unix(1742391675, 0)
		// A window over the firing that has ended, and one over a second
		// alert that is still running.
		h.DB.MaintenanceWindow.Create().SetTenantID(h.Demo.TenantID).SetName("Past").
			SetStartsAt(fired.Add(-time.Hour)).SetEndsAt(fired.Add(time.Hour)).ExecX(h.Ctx)
		r := h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		if r.Outcome != "suppressed" {
			t.Fatalf("trigger = %q, want suppressed", r.Outcome)
		}
		other := "11111111-2222-4333-8444-555555555555"
		later := time.Now().Add(-time.Minute)
		ws22 := h.DB.Asset.Query().Where(asset.TenantID(h.Demo.TenantID), asset.Name("WS-22")).OnlyX(h.Ctx)
		h.DB.MaintenanceWindow.Create().SetTenantID(h.Demo.TenantID).SetName("Ongoing").SetAssetID(ws22.ID).
			SetStartsAt(later.Add(-time.Minute)).SetEndsAt(time.Now().Add(time.Hour)).ExecX(h.Ctx)
		body := apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"),
			map[string]any{"seriesUid": other, "activityTime": float64(later.Unix()), "deviceId": 9,
				"device": map[string]any{"id": 9, "organizationId": 2, "displayName": "WS-22"}})
		if r2 := h.Post(ninja, body); r2.Outcome != "suppressed" {
			t.Fatalf("second trigger = %q", r2.Outcome)
		}
		still := providertest.Alert(other, 9, "still firing")
		n.SetAlerts(fixtureAlert(), still)

		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		if err != nil || c.Unsuppressed != 1 || c.Ingested != 0 {
			t.Fatalf("poll = %+v, %v", c, err)
		}
		if a := h.Alert(r.AlertID); a.Status != entalert.StatusActive || a.TicketID == nil {
			t.Errorf("expired-window alert: %s, ticket %v", a.Status, a.TicketID)
		}
		if a := h.AlertByExternalID(other); a.Status != entalert.StatusSuppressed || a.TicketID != nil {
			t.Errorf("alert in a running window: %s, ticket %v", a.Status, a.TicketID)
		}
	})
}

func TestWebhookAndPollerMakeOneTicket(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		n.SetAlerts(fixtureAlert())
		var wg sync.WaitGroup
		var perr error
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, perr = h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		}()
		go func() {
			defer wg.Done()
			h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		}()
		wg.Wait()
		if perr != nil {
			t.Fatal(perr)
		}
		h.PostFixture(ninja, "ninjaone-condition-triggered.json") // and again, after both
		alerts := h.DB.Alert.Query().AllX(h.Ctx)
		tickets := h.DB.Ticket.Query().Where(ticket.TenantID(h.Demo.TenantID)).CountX(h.Ctx)
		if len(alerts) != 1 || tickets != 1 {
			t.Errorf("%d alerts and %d tickets, want one of each", len(alerts), tickets)
		}
	})
}

func TestPollSkipsDisconnected(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		in := h.Integration(ninja) // seeded disconnected
		if c, err := h.Worker.Poll(h.Ctx, h.Demo.TenantID, in.ID, true); err == nil || c != (worker.PollCounts{}) {
			t.Errorf("poll of a disconnected integration = %+v, %v", c, err)
		}
		if got := h.DB.Integration.GetX(h.Ctx, in.ID); got.LastPolledAt != nil {
			t.Error("disconnected integration marked polled")
		}
		// Another tenant's id is not found for this tenant.
		if _, err := h.Worker.Poll(h.Ctx, h.Demo.TenantID+1000, in.ID, true); err == nil {
			t.Error("poll across tenants")
		}
	})
}

// TestPollManyAtOnce: a cycle that finds many missed triggers and many
// stale alerts runs them concurrently and counts each exactly once; two
// firings of one condition in the list make one ticket.
func TestPollManyAtOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		var stale []int
		for i := range 10 {
			r := h.Post(ninja, apptest.NinjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("stale-%d", i), "id": i,
				"sourceConfigUid": fmt.Sprintf("stale-cond-%d", i)}))
			stale = append(stale, r.AlertID)
		}
		var alerts []map[string]any
		for i := range 30 {
			a := providertest.Alert(fmt.Sprintf("missed-%d", i), 7, "Disk almost full")
			a["sourceConfigUid"] = fmt.Sprintf("missed-cond-%d", i%25) // five conditions fire twice
			alerts = append(alerts, a)
		}
		n.SetAlerts(alerts...)
		before := h.Count().Tickets

		c, err := h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
		if err != nil || c.Fetched != 30 || c.Ingested != 30 || c.Reset != 10 || c.Failed != 0 {
			t.Fatalf("poll = %+v, %v; want 30 fetched and ingested, 10 reset", c, err)
		}
		for _, id := range stale {
			if a := h.Alert(id); a.Status != entalert.StatusResolved {
				t.Errorf("stale alert %d is %s", id, a.Status)
			}
		}
		if got := h.Count().Tickets - before; got != 25 {
			t.Errorf("%d new tickets, want 25 (one per condition)", got)
		}
	})
}
