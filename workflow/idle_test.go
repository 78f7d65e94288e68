package workflow_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// TestIdleEntries: the relay spares the task of an entry only when no
// active subscription of its tenant lists its type.
func TestIdleEntries(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			sealed, err := e.Services.Secrets.SealSigningSecret(e.Demo.TenantID, strings.Repeat("s", 32))
			if err != nil {
				t.Fatal(err)
			}
			subscribe := func(tenant int, active bool, types ...string) {
				e.DB.EventSubscription.Create().SetTenantID(tenant).SetURL("https://hooks.example.com/x").
					SetSecret("").SetSecretSealed(sealed).SetEventTypes(types).SetIsActive(active).ExecX(e.Ctx)
			}
			tenant := func(slug string) int {
				return e.DB.Tenant.Create().SetName(slug).SetSlug(slug).SaveX(e.Ctx).ID
			}
			// Tenants by what they subscribe to.
			triggeredOnly, inactive, none := tenant("triggered-only"), tenant("inactive"), tenant("none")
			subscribe(e.Demo.TenantID, true, outbox.AlertTriggered, outbox.AlertResolved)
			subscribe(triggeredOnly, true, outbox.AlertTriggered)
			subscribe(inactive, false, outbox.AlertTriggered, outbox.AlertResolved)

			cases := []struct {
				tenant int
				topic  string
				idle   bool
			}{
				{e.Demo.TenantID, outbox.AlertTriggered, false},
				{e.Demo.TenantID, outbox.AlertResolved, false},
				{triggeredOnly, outbox.AlertTriggered, false},
				{triggeredOnly, outbox.AlertResolved, true},
				{inactive, outbox.AlertTriggered, true},
				{none, outbox.AlertResolved, true},
			}
			entries := make([]worker.Entry, len(cases))
			want := make([]bool, len(cases))
			for i, c := range cases {
				entries[i] = worker.Entry{ID: i + 1, TenantID: c.tenant, Topic: c.topic, Attempt: 1}
				want[i] = c.idle
			}
			d := &workflow.Deliverer{Store: e.Store, Secrets: e.Services.Secrets}
			got, err := d.Idle(e.Ctx, entries)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Idle = %v, want %v", got, want)
			}
		})
	}
}
