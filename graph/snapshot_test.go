package graph_test

import (
	"encoding/json"
	"testing"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/customer"
	"github.com/alertdesk/alertdesk/ent/eventsubscription"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/maintenancewindow"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// snapshot renders every row an API mutation could change, across all
// tenants, so a test can assert "nothing changed".
func snapshot(t *testing.T, e *apptest.Env) string {
	t.Helper()
	c, ctx := e.DB, e.Ctx
	type row = map[string]any
	var all []any
	add := func(v any, err error) {
		if err != nil {
			t.Fatalf("snapshot: %v", err)
		}
		all = append(all, v)
	}
	add(c.AlertRule.Query().Order(ent.Asc(alertrule.FieldID)).All(ctx))
	add(c.MaintenanceWindow.Query().Order(ent.Asc(maintenancewindow.FieldID)).All(ctx))
	add(c.OrganizationMapping.Query().Order(ent.Asc(organizationmapping.FieldID)).All(ctx))
	ins, err := c.Integration.Query().Order(ent.Asc(integration.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		// Sensitive fields are not in ent's JSON; compare them explicitly.
		all = append(all, in, row{"secret": in.WebhookSecret, "credentials": in.Credentials})
	}
	toks, err := c.APIToken.Query().Order(ent.Asc(apitoken.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range toks {
		all = append(all, row{"id": tk.ID, "revoked": tk.RevokedAt != nil, "name": tk.Name})
	}
	add(c.User.Query().Order(ent.Asc(user.FieldID)).All(ctx))
	add(c.Alert.Query().Count(ctx))
	add(c.Ticket.Query().Count(ctx))
	add(c.Comment.Query().Count(ctx))
	add(c.TimeEntry.Query().Count(ctx))
	add(c.StatusChange.Query().Count(ctx))
	add(c.Notification.Query().Count(ctx))
	subs, err := c.EventSubscription.Query().Order(ent.Asc(eventsubscription.FieldID)).All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range subs {
		all = append(all, sub, row{"secret": sub.Secret})
	}
	add(c.EventDelivery.Query().Count(ctx))
	add(c.Board.Query().Order(ent.Asc(board.FieldID)).All(ctx))
	add(c.TicketStatus.Query().Order(ent.Asc(ticketstatus.FieldID)).All(ctx))
	add(c.Priority.Query().Order(ent.Asc(priority.FieldID)).All(ctx))
	add(c.Customer.Query().Order(ent.Asc(customer.FieldID)).All(ctx))
	add(c.Asset.Query().Order(ent.Asc(asset.FieldID)).All(ctx))
	add(c.AssetDevice.Query().Order(ent.Asc(assetdevice.FieldID)).All(ctx))
	b, err := json.Marshal(all)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
