package graph_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/ent/userlink"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// foreign is one row of every kind in tenant B.
type foreign struct {
	tenant, integration, rule, window, mapping, alert, ticket, comment, board, status,
	priority, user, client, asset, token, notification int
	unmappedAlert int
}

// marker is in the name of every named row of tenant B: it must never
// appear in an answer to tenant A.
const marker = "zzTenantB"

func makeForeign(t *testing.T, e *apptest.Env) foreign {
	t.Helper()
	c, ctx := e.DB, e.Ctx
	in := e.OtherTenant("other-secret")
	var f foreign
	f.integration = in.ID
	f.tenant = c.Integration.GetX(ctx, in.ID).TenantID
	c.Integration.UpdateOneID(in.ID).SetName(marker + " RMM").ExecX(ctx)
	r := e.PostTo(ninja, in.ID, in.Secret, fixtures.Read("ninjaone-condition-triggered.json"))
	if r.TicketID == nil {
		t.Fatalf("tenant B webhook: %+v", r)
	}
	f.alert, f.ticket = r.AlertID, *r.TicketID
	u := e.PostTo(ninja, in.ID, in.Secret, ninjaTrigger(t, map[string]any{
		"seriesUid": "00000000-0000-4000-8000-00000000b0b0", "deviceId": 77,
		"device": map[string]any{"id": 77, "organizationId": 4242, "displayName": marker + "-PC"},
	}))
	if u.Outcome != "unmapped_organization" {
		t.Fatalf("tenant B unmapped webhook: %+v", u)
	}
	f.unmappedAlert = u.AlertID

	f.rule = e.DB.AlertRule.Query().Where().AllX(ctx)[2].ID // demo has two
	c.AlertRule.UpdateOneID(f.rule).SetName(marker + " rule").ExecX(ctx)
	f.board = c.Board.Query().Where(board.TenantID(f.tenant)).OnlyX(ctx).ID
	c.Board.UpdateOneID(f.board).SetName(marker + " board").ExecX(ctx)
	f.status = c.TicketStatus.Query().Where(ticketstatus.TenantID(f.tenant), ticketstatus.IsClosed(false)).FirstX(ctx).ID
	f.priority = c.Priority.Create().SetTenantID(f.tenant).SetName(marker + " prio").SaveX(ctx).ID
	f.client = c.Customer.Create().SetTenantID(f.tenant).SetName(marker + " client").SaveX(ctx).ID
	f.asset = c.Asset.Create().SetTenantID(f.tenant).SetName(marker + " asset").SetClientID(f.client).SaveX(ctx).ID
	f.window = c.MaintenanceWindow.Create().SetTenantID(f.tenant).SetName(marker + " window").SetClientID(f.client).
		SetStartsAt(fixtureStart).SetEndsAt(fixtureEnd).SaveX(ctx).ID
	f.mapping = c.OrganizationMapping.Create().SetTenantID(f.tenant).SetIntegrationID(in.ID).
		SetExternalOrganizationID("5").SetExternalOrganizationName(marker + " org").SetClientID(f.client).SaveX(ctx).ID
	c.RmmOrganization.Create().SetTenantID(f.tenant).SetIntegrationID(in.ID).
		SetExternalOrganizationID("77").SetName(marker + " rmm org").SetSyncedAt(fixtureStart).ExecX(ctx)
	bu := c.User.Create().SetTenantID(f.tenant).SetEmail(marker + "@b.test").SetName(marker).SetRole(user.RoleAdmin).SaveX(ctx)
	f.user = bu.ID
	_, tk, err := auth.Issue(ctx, c, f.tenant, bu.ID, marker+" token")
	if err != nil {
		t.Fatal(err)
	}
	f.token = tk.ID
	f.notification = c.Notification.Create().SetTenantID(f.tenant).SetUserID(bu.ID).SetCategory("rmm-alert").
		SetTitle(marker + " note").SaveX(ctx).ID
	err = e.Store.Tx(ctx, func(tx *ent.Tx) error {
		cm, err := e.Desk.Comment(ctx, tx, f.tenant, f.ticket, marker+" comment", true, desk.Person(bu.ID))
		if err != nil {
			return err
		}
		f.comment = cm.ID
		_, err = e.Desk.LogTime(ctx, tx, f.tenant, f.ticket, bu.ID, 5, marker+" work")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

var idInMessage = regexp.MustCompile(`\d+`)

// A token of tenant A reads and changes nothing of tenant B, by id or by
// list, and errors say no more than for an id that exists nowhere.
func TestCrossTenantMatrix(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		e.PostFixture(ninja, "ninjaone-condition-triggered.json") // tenant A has data too
		f := makeForeign(t, e)
		a := e.Demo.TenantID
		ts := func(id int) string { return apptest.ID(id) }

		// Reads by id answer null, as for a missing id.
		var byID map[string]any
		e.Admin(`query($a: ID!, $t: ID!, $i: ID!, $r: ID!, $w: ID!) {
			alert(id: $a) { id } ticket(id: $t) { id } integration(id: $i) { id }
			alertRule(id: $r) { id } maintenanceWindow(id: $w) { id } }`,
			apptest.Vars("a", ts(f.alert), "t", ts(f.ticket), "i", ts(f.integration), "r", ts(f.rule), "w", ts(f.window))).Must(&byID)
		for k, v := range byID {
			if v != nil {
				t.Errorf("%s of tenant B readable: %v", k, v)
			}
		}

		// Lists hold tenant A's rows only, counts included.
		lists := []string{
			`{ alerts(first: 100) { totalCount nodes { id ticket { id } integration { name } } } }`,
			`{ alerts(filter: {integrationId: "` + ts(f.integration) + `"}) { totalCount nodes { id } } }`,
			`{ tickets(first: 100) { totalCount nodes { id title comments { body } timeEntries { note } } } }`,
			`{ tickets(filter: {clientId: "` + ts(f.client) + `"}) { totalCount } }`,
			`{ integrations { id name rules { name } organizationMappings { externalOrganizationName } unmappedOrganizations { externalOrganizationId } } }`,
			`{ alertRules(integrationId: "` + ts(f.integration) + `") { id name } }`,
			`{ maintenanceWindows { id name } }`,
			`{ organizationMappings { id externalOrganizationName } }`,
			`{ organizationMappings(integrationId: "` + ts(f.integration) + `") { id } }`,
			`{ unmappedOrganizations { externalOrganizationId integration { name } } }`,
			`{ unmappedOrganizations { externalOrganizationId name inRmm suggestedClients { id name } } }`,
			`{ integrations { lastInventorySyncAt lastInventorySyncCounts lastInventorySyncError } }`,
			`{ boards { id name statuses { name } } }`,
			`{ ticketStatuses(boardId: "` + ts(f.board) + `") { id } }`,
			`{ ticketStatuses { id board { name } } }`,
			`{ priorities { id name } }`,
			`{ priorities(includeRetired: true) { id name } }`,
			`{ boards(includeRetired: true) { id name statuses(includeRetired: true) { name } } }`,
			`{ ticketStatuses(includeRetired: true) { id name } }`,
			`{ users { id email name } }`,
			`{ users(includeDeactivated: true) { id email name invited deactivatedAt } }`,
			`{ clients { id name assets { name } } }`,
			`{ clients(includeRetired: true) { id name assets(includeRetired: true) { name devices { externalDeviceId integration { name } } } } }`,
			`{ assets(includeRetired: true) { id name devices { externalDeviceId } } }`,
			`{ assets(clientId: "` + ts(f.client) + `") { id } }`,
			`{ assets(search: "zz") { id name } }`,
			`{ apiTokens { id name user { email } } }`,
			`{ notifications { totalCount nodes { title } } unreadNotificationCount }`,
			`{ tenant { id name } me { id } }`,
			`{ alertNoiseReport(since: "` + fixtureMonth + `", until: "` + fixtureMonthEnd + `") { alertCount
				topConditions { dedupKey } flapping { dedupKey } topDevices { name } topClients { name } ticketsPerRule { name } } }`,
		}
		// An organization of tenant A named like tenant B's client gets no
		// suggestion from tenant B.
		e.DB.RmmOrganization.Create().SetTenantID(a).SetIntegrationID(e.Integration(ninja).ID).
			SetExternalOrganizationID("88").SetName("ZZTENANTB-Client").SetSyncedAt(fixtureStart).ExecX(e.Ctx)
		for _, q := range lists {
			r := e.Admin(q, nil).Must(nil)
			if strings.Contains(string(r.Raw), marker) {
				t.Errorf("%s leaked tenant B: %s", q, r.Raw)
			}
		}
		// The noise report counts tenant A's one alert of the fixture's month.
		var noise struct{ AlertNoiseReport struct{ AlertCount int } }
		e.Admin(`{ alertNoiseReport(since: "`+fixtureMonth+`", until: "`+fixtureMonthEnd+`") { alertCount } }`, nil).Must(&noise)
		if noise.AlertNoiseReport.AlertCount != 1 {
			t.Errorf("tenant A noise report counts %d alerts, want 1", noise.AlertNoiseReport.AlertCount)
		}
		// Alerts and tickets carry no marker: compare ids.
		type ids struct{ Nodes []struct{ ID string } }
		var got struct {
			Alerts struct {
				TotalCount int
				ids
			}
			Tickets struct {
				TotalCount int
				ids
			}
		}
		e.Admin(`{ alerts { totalCount nodes { id } } tickets { totalCount nodes { id } } }`, nil).Must(&got)
		mineA := e.DB.Alert.Query().Where(alert.TenantID(a)).OnlyX(e.Ctx)
		if got.Alerts.TotalCount != 1 || len(got.Alerts.Nodes) != 1 || got.Alerts.Nodes[0].ID != ts(mineA.ID) {
			t.Errorf("tenant A alerts = %+v, want only %d", got.Alerts, mineA.ID)
		}
		if got.Tickets.TotalCount != 1 || len(got.Tickets.Nodes) != 1 || got.Tickets.Nodes[0].ID != ts(*mineA.TicketID) {
			t.Errorf("tenant A tickets = %+v, want only %d", got.Tickets, *mineA.TicketID)
		}

		// Changes by id are refused exactly like a missing id.
		before := snapshot(t, e)
		aTicket := e.DB.Ticket.Query().Where().FirstX(e.Ctx).ID
		changes := []struct{ query, foreignID string }{
			{`mutation($id: ID!) { updateAlertRule(id: $id, input: {name: "x"}) { id } }`, ts(f.rule)},
			{`mutation($id: ID!) { deleteAlertRule(id: $id) }`, ts(f.rule)},
			{`mutation($id: ID!) { setAlertRuleActive(id: $id, active: false) { id } }`, ts(f.rule)},
			{`mutation($id: ID!) { reorderAlertRules(integrationId: $id, ruleIds: []) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { createAlertRule(input: {integrationId: $id, name: "x"}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { createAlertRule(input: {integrationId: "1", name: "x", actions: {boardId: ` + ts(f.board) + `}}) { id } }`, ts(f.board)},
			{`query($id: ID!) { simulateAlertRules(integrationId: $id, rules: [], since: "2020-01-01T00:00:00Z", until: "2040-01-01T00:00:00Z") { alerts } }`, ts(f.integration)},
			{`query($id: ID!) { simulateAlertRules(integrationId: "1", rules: [{id: $id, name: "x"}], since: "2020-01-01T00:00:00Z", until: "2040-01-01T00:00:00Z") { alerts } }`, ts(f.rule)},
			{`query($id: ID!) { simulateAlertRules(integrationId: "1", rules: [{name: "x", actions: {boardId: ` + ts(f.board) + `}}], since: "2020-01-01T00:00:00Z", until: "2040-01-01T00:00:00Z") { alerts } }`, ts(f.board)},
			{`query($id: ID!) { simulateAlertRules(integrationId: "1", rules: [{name: "x", actions: {assignToUserId: ` + ts(f.user) + `}}], since: "2020-01-01T00:00:00Z", until: "2040-01-01T00:00:00Z") { alerts } }`, ts(f.user)},
			{`mutation($id: ID!) { updateMaintenanceWindow(id: $id, input: {name: "x", startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { id } }`, ts(f.window)},
			{`mutation($id: ID!) { deleteMaintenanceWindow(id: $id) }`, ts(f.window)},
			{`mutation($id: ID!) { createMaintenanceWindow(input: {name: "x", assetId: $id, startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { id } }`, ts(f.asset)},
			{`mutation($id: ID!) { updateIntegration(id: $id, input: {name: "x"}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { deleteIntegration(id: $id) }`, ts(f.integration)},
			{`mutation($id: ID!) { rotateWebhookSecret(id: $id) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { updatePollingSettings(input: {integrationId: $id, enabled: false, intervalMinutes: 10}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { createOrganizationMapping(input: {integrationId: $id, externalOrganizationId: "9", clientId: "1"}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { createOrganizationMapping(input: {integrationId: "1", externalOrganizationId: "9", clientId: $id}) { id } }`, ts(f.client)},
			{`mutation($id: ID!) { updateOrganizationMapping(id: $id, input: {externalOrganizationName: "x"}) { id } }`, ts(f.mapping)},
			{`mutation($id: ID!) { deleteOrganizationMapping(id: $id) }`, ts(f.mapping)},
			{`mutation($id: ID!) { reprocessUnmappedAlerts(integrationId: $id, externalOrganizationId: "4242") { processed } }`, ts(f.integration)},
			{`mutation($id: ID!) { syncInventory(integrationId: $id) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { createClientFromOrganization(input: {integrationId: $id, externalOrganizationId: "77"}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { revokeApiToken(id: $id) { id } }`, ts(f.token)},
			{`mutation($id: ID!) { createApiToken(input: {name: "x", userId: $id}) { token } }`, ts(f.user)},
			{`mutation($id: ID!) { createTicketForAlert(alertId: $id) { id } }`, ts(f.unmappedAlert)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", alertId: $id}) { id } }`, ts(f.unmappedAlert)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", boardId: $id}) { id } }`, ts(f.board)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", statusId: $id}) { id } }`, ts(f.status)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", priorityId: $id}) { id } }`, ts(f.priority)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", assigneeId: $id}) { id } }`, ts(f.user)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", clientId: $id}) { id } }`, ts(f.client)},
			{`mutation($id: ID!) { createTicket(input: {title: "x", assetId: $id}) { id } }`, ts(f.asset)},
			{`mutation($id: ID!) { addComment(ticketId: $id, body: "x") { id } }`, ts(f.ticket)},
			{`mutation($id: ID!) { logTime(ticketId: $id, minutes: 5) { id } }`, ts(f.ticket)},
			{`mutation($id: ID!) { changeTicketStatus(ticketId: $id, statusId: "1") { id } }`, ts(f.ticket)},
			{`mutation($id: ID!) { changeTicketStatus(ticketId: "` + ts(aTicket) + `", statusId: $id) { id } }`, ts(f.status)},
			{`mutation($id: ID!) { assignTicket(ticketId: $id, userId: null) { id } }`, ts(f.ticket)},
			{`mutation($id: ID!) { assignTicket(ticketId: "` + ts(aTicket) + `", userId: $id) { id } }`, ts(f.user)},
			{`mutation($id: ID!) { closeTicket(ticketId: $id) { id } }`, ts(f.ticket)},
			{`mutation($id: ID!) { updateClient(id: $id, input: {retired: true}) { id } }`, ts(f.client)},
			{`mutation($id: ID!) { updateAsset(id: $id, input: {retired: true}) { id } }`, ts(f.asset)},
			{`mutation($id: ID!) { createAsset(input: {name: "x", clientId: $id}) { id } }`, ts(f.client)},
			{`mutation($id: ID!) { createAsset(input: {name: "x", devices: [{integrationId: $id, externalDeviceId: "1"}]}) { id } }`, ts(f.integration)},
			{`mutation($id: ID!) { updateAsset(id: "1", input: {clientId: $id}) { id } }`, ts(f.client)},
			{`mutation($id: ID!) { updateBoard(id: $id, input: {name: "x"}) { id } }`, ts(f.board)},
			{`mutation($id: ID!) { updateBoard(id: $id, input: {isDefault: true}) { id } }`, ts(f.board)},
			{`mutation($id: ID!) { createTicketStatus(input: {boardId: $id, name: "x"}) { id } }`, ts(f.board)},
			{`mutation($id: ID!) { updateTicketStatus(id: $id, input: {name: "x"}) { id } }`, ts(f.status)},
			{`mutation($id: ID!) { reorderTicketStatuses(boardId: $id, statusIds: []) { id } }`, ts(f.board)},
			{`mutation($id: ID!) { reorderTicketStatuses(boardId: "1", statusIds: ["1", "2", "3", $id]) { id } }`, ts(f.status)},
			{`mutation($id: ID!) { updatePriority(id: $id, input: {name: "x"}) { id } }`, ts(f.priority)},
			{`mutation($id: ID!) { reorderPriorities(priorityIds: [$id]) { id } }`, ts(f.priority)},
			{`mutation($id: ID!) { updateUser(id: $id, input: {name: "x", role: TECHNICIAN}) { id } }`, ts(f.user)},
			{`mutation($id: ID!) { deactivateUser(id: $id) { id } }`, ts(f.user)},
			{`mutation($id: ID!) { reactivateUser(id: $id) { id } }`, ts(f.user)},
		}
		for _, c := range changes {
			got := e.Admin(c.query, apptest.Vars("id", c.foreignID))
			missing := e.Admin(c.query, apptest.Vars("id", "987654"))
			if len(got.Errors) == 0 {
				t.Errorf("%s on tenant B's %s succeeded: %s", c.query, c.foreignID, got.Raw)
				continue
			}
			if g, m := normalize(got), normalize(missing); g != m {
				t.Errorf("%s: tenant B's id answers differently from a missing id:\n%s\n%s", c.query, g, m)
			}
		}
		var read struct{ MarkNotificationsRead int }
		e.Admin(`mutation($id: ID!) { markNotificationsRead(ids: [$id]) }`, apptest.Vars("id", ts(f.notification))).Must(&read)
		if read.MarkNotificationsRead != 0 || e.DB.Notification.GetX(e.Ctx, f.notification).ReadAt != nil {
			t.Error("marked tenant B's notification read")
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("tenant A changed data:\nbefore %s\nafter  %s", before, after)
		}
		if n := e.DB.Comment.Query().Where(comment.TicketID(f.ticket)).CountX(e.Ctx); n != 2 {
			t.Errorf("tenant B's ticket has %d comments, want 2", n)
		}
	})
}

// normalize is an error answer without ids, for comparing messages.
func normalize(r apptest.GQLResponse) string {
	var b strings.Builder
	for _, e := range r.Errors {
		b.WriteString(e.Extensions.Code + ": " + idInMessage.ReplaceAllString(e.Message, "N"))
		for _, f := range e.Extensions.Fields {
			b.WriteString(" [" + f.Field + ": " + idInMessage.ReplaceAllString(f.Message, "N") + "]")
		}
	}
	return b.String()
}

// The creations name no id of anything, yet must touch nothing of tenant
// B: a new default board of tenant A leaves B's default board, the email
// of B's user is free in A (and B's user gets no invitation), and new
// priorities and statuses shift only A's order.
func TestCrossTenantCreations(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		f := makeForeign(t, e)
		c, ctx := e.DB, e.Ctx
		if !c.Board.GetX(ctx, f.board).IsDefault {
			t.Fatal("tenant B's board is not its default")
		}
		bPriorities := func() string {
			var b strings.Builder
			for _, p := range c.Priority.Query().Where(priority.TenantID(f.tenant)).Order(ent.Asc(priority.FieldID)).AllX(ctx) {
				fmt.Fprintf(&b, "%d:%s:%d ", p.ID, p.Name, p.SortOrder)
			}
			return b.String()
		}
		prioritiesBefore := bPriorities()

		e.Admin(`mutation { createBoard(input: {name: "A's new default", isDefault: true}) { id } }`, nil).Must(nil)
		if !c.Board.GetX(ctx, f.board).IsDefault {
			t.Error("tenant A's new default board unset tenant B's")
		}
		e.Admin(`mutation { createPriority(input: {name: "A's most urgent", sortOrder: 0}) { id } }`, nil).Must(nil)
		if after := bPriorities(); after != prioritiesBefore {
			t.Errorf("tenant A's new priority moved tenant B's: %s, then %s", prioritiesBefore, after)
		}

		bUser := c.User.GetX(ctx, f.user)
		var inv struct{ InviteUser struct{ ID, Email string } }
		e.Admin(inviteUser, apptest.Vars("in", map[string]any{"email": bUser.Email})).Must(&inv)
		if inv.InviteUser.ID == apptest.ID(f.user) {
			t.Error("inviting tenant B's user's email answered tenant B's user")
		}
		if n := c.UserLink.Query().Where(userlink.UserID(f.user)).CountX(ctx); n != 0 {
			t.Errorf("tenant B's user got %d links from tenant A's invitation", n)
		}
		if u := c.User.GetX(ctx, f.user); u.TenantID != f.tenant || u.Name != bUser.Name || u.Role != bUser.Role {
			t.Errorf("tenant B's user changed: %+v", u)
		}
	})
}
