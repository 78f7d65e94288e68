package webhook_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

func TestReprocessAfterMappingTheOrganization(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		r := e.Post(ninja, ninjaTrigger(t, merge(map[string]any{"seriesUid": series(2)}, onDevice(777, "X-1", 42))))
		wantOutcome(t, r, 200, "unmapped_organization")
		cust := e.DB.Customer.Query().FirstX(e.Ctx)
		e.DB.OrganizationMapping.Create().SetTenantID(e.Demo.TenantID).SetIntegrationID(e.Integration(ninja).ID).
			SetExternalOrganizationID("42").SetClientID(cust.ID).ExecX(e.Ctx)
		res, err := e.Pipeline.Reprocess(e.Ctx, e.Demo.TenantID, r.AlertID, "reprocess")
		if err != nil || res.Outcome != pipeline.Created {
			t.Fatalf("reprocess = %+v, %v", res, err)
		}
		a := e.Alert(r.AlertID)
		if a.OrganizationUnmapped || a.ClientID == nil || *a.ClientID != cust.ID || a.TicketID == nil {
			t.Errorf("after reprocess: unmapped %v client %v ticket %v", a.OrganizationUnmapped, a.ClientID, a.TicketID)
		}
		if _, err := e.Pipeline.Reprocess(e.Ctx, e.Demo.TenantID, r.AlertID, "reprocess"); !errors.Is(err, pipeline.ErrAlreadyLinked) {
			t.Errorf("second reprocess: %v, want ErrAlreadyLinked", err)
		}
		if _, err := e.Pipeline.Reprocess(e.Ctx, e.Demo.TenantID+1, r.AlertID, "reprocess"); !errors.Is(err, pipeline.ErrAlertNotFound) {
			t.Errorf("other tenant: %v, want ErrAlertNotFound", err)
		}
	})
}

func TestCreateTicketForAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.SetActions(ninja, rule.Actions{CreateTicket: apptest.Bool(false)})
		r := e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		wantOutcome(t, r, 200, "recorded")
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Pipeline.CreateTicketForAlert(e.Ctx, e.Demo.TenantID, r.AlertID)
			}()
		}
		wg.Wait()
		ok, linked := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, pipeline.ErrAlreadyLinked):
				linked++
			default:
				t.Fatalf("create ticket: %v", err)
			}
		}
		if ok != 1 || linked != 1 || e.Count().Tickets != 1 {
			t.Fatalf("two concurrent calls: %d ok, %d already linked, %d tickets", ok, linked, e.Count().Tickets)
		}
		a := e.Alert(r.AlertID)
		tk := e.Ticket(*a.TicketID)
		if a.AutoTicketCreated || tk.Edges.Asset == nil || tk.Edges.Client == nil {
			t.Errorf("manual ticket: auto %v asset %v client %v", a.AutoTicketCreated, tk.Edges.Asset, tk.Edges.Client)
		}
	})
}
