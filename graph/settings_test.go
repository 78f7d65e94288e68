package graph_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/webhook"
)

type integrationOut struct {
	ID                     string
	Name                   string
	Provider               string
	ConnectionState        string
	WebhookURL             string
	SecretHeaderName       string
	WebhookSecret          string
	PollingEnabled         bool
	PollingIntervalMinutes int
}

const integrationFields = `id name provider connectionState webhookUrl secretHeaderName webhookSecret pollingEnabled pollingIntervalMinutes`

func TestIntegrationLifecycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		var created struct{ CreateIntegration integrationOut }
		e.Admin(`mutation { createIntegration(input: {provider: TACTICALRMM, name: "  Tactical EU ", baseUrl: "https://rmm.example.com"}) { `+integrationFields+` } }`, nil).Must(&created)
		in := created.CreateIntegration
		want := fmt.Sprintf("%s/webhooks/tacticalrmm/%s", apptest.PublicURL, in.ID)
		if in.Name != "Tactical EU" || in.WebhookURL != want || in.SecretHeaderName != webhook.SecretHeader ||
			len(in.WebhookSecret) != 64 || in.ConnectionState != "DISCONNECTED" || !in.PollingEnabled || in.PollingIntervalMinutes != 15 {
			t.Errorf("created = %+v", in)
		}
		// Its webhook works with the secret the API showed.
		var id int
		fmt.Sscan(in.ID, &id)
		if r := e.PostTo("tacticalrmm", id, in.WebhookSecret, []byte(`{}`)); r.Status == 401 {
			t.Errorf("webhook refused the new secret: %+v", r)
		}

		var rotated struct{ RotateWebhookSecret integrationOut }
		e.Admin(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { webhookSecret } }`, apptest.Vars("id", in.ID)).Must(&rotated)
		if s := rotated.RotateWebhookSecret.WebhookSecret; s == in.WebhookSecret || len(s) != 64 {
			t.Errorf("rotated secret %q", s)
		}
		if r := e.PostTo("tacticalrmm", id, in.WebhookSecret, []byte(`{}`)); r.Status != 401 {
			t.Errorf("old secret after rotation: %d", r.Status)
		}

		var polled struct{ UpdatePollingSettings integrationOut }
		e.Admin(`mutation($id: ID!) { updatePollingSettings(input: {integrationId: $id, enabled: false, intervalMinutes: 5}) { pollingEnabled pollingIntervalMinutes } }`,
			apptest.Vars("id", in.ID)).Must(&polled)
		if p := polled.UpdatePollingSettings; p.PollingEnabled || p.PollingIntervalMinutes != 5 {
			t.Errorf("polling = %+v", p)
		}
		var updated struct{ UpdateIntegration integrationOut }
		e.Admin(`mutation($id: ID!) { updateIntegration(id: $id, input: {name: "Tactical"}) { name pollingIntervalMinutes } }`,
			apptest.Vars("id", in.ID)).Must(&updated)
		if u := updated.UpdateIntegration; u.Name != "Tactical" || u.PollingIntervalMinutes != 5 {
			t.Errorf("updated = %+v", u)
		}

		// An integration with alerts keeps its history: deleting is refused.
		e.PostFixture(ninja, "ninjaone-condition-triggered.json")
		e.Admin(`mutation($id: ID!) { deleteIntegration(id: $id) }`, apptest.Vars("id", apptest.ID(e.Integration(ninja).ID))).WantCode("IN_USE")

		// Without alerts it goes, with its rules, mappings and scoped windows.
		e.Admin(`mutation($id: ID!) { createAlertRule(input: {integrationId: $id, name: "All"}) { id } }`, apptest.Vars("id", in.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { createOrganizationMapping(input: {integrationId: $id, externalOrganizationId: "7", clientId: "1"}) { id } }`,
			apptest.Vars("id", in.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { createMaintenanceWindow(input: {name: "w", integrationId: $id, startsAt: "2030-01-01T00:00:00Z", endsAt: "2030-01-02T00:00:00Z"}) { id } }`,
			apptest.Vars("id", in.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { deleteIntegration(id: $id) }`, apptest.Vars("id", in.ID)).Must(nil)
		var after struct {
			Integration        *integrationOut
			MaintenanceWindows []struct{ ID string }
		}
		e.Admin(`query($id: ID!) { integration(id: $id) { id } maintenanceWindows { id } }`, apptest.Vars("id", in.ID)).Must(&after)
		if after.Integration != nil || len(after.MaintenanceWindows) != 0 || e.DB.AlertRule.Query().CountX(e.Ctx) != 2 {
			t.Errorf("after delete: %+v, %d rules", after, e.DB.AlertRule.Query().CountX(e.Ctx))
		}
	})
}

func TestUnmappedOrganizationsAndReprocess(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		integ := apptest.ID(e.Integration(ninja).ID)
		for i := range 2 {
			r := e.Post(ninja, ninjaTrigger(t, map[string]any{
				"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", 500+i),
				"deviceId":  500 + i,
				"device":    map[string]any{"id": 500 + i, "organizationId": 42, "displayName": fmt.Sprintf("X-%d", i)},
			}))
			if r.Outcome != "unmapped_organization" {
				t.Fatalf("webhook: %+v", r)
			}
		}
		type unmapped struct {
			ExternalOrganizationID string
			AlertCount             int
			PendingAlertCount      int
			Integration            struct{ Name string }
			Mapping                *struct{ ID string }
		}
		var list struct {
			UnmappedOrganizations []unmapped
			Integration           struct{ UnmappedOrganizations []unmapped }
		}
		q := `query($i: ID!) { unmappedOrganizations { externalOrganizationId alertCount pendingAlertCount integration { name } mapping { id } }
			integration(id: $i) { unmappedOrganizations { externalOrganizationId } } }`
		e.Admin(q, apptest.Vars("i", integ)).Must(&list)
		if u := list.UnmappedOrganizations; len(u) != 1 || u[0].ExternalOrganizationID != "42" || u[0].AlertCount != 2 ||
			u[0].PendingAlertCount != 2 || u[0].Mapping != nil || u[0].Integration.Name != "NinjaOne" {
			t.Fatalf("unmapped = %+v", u)
		}

		var mapped struct {
			CreateOrganizationMapping struct {
				ID     string
				Client struct{ Name string }
			}
		}
		e.Admin(`mutation($i: ID!) { createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: "42", externalOrganizationName: "Fabrikam", clientId: "1"}) { id client { name } } }`,
			apptest.Vars("i", integ)).Must(&mapped)
		e.Admin(q, apptest.Vars("i", integ)).Must(&list)
		if u := list.UnmappedOrganizations; len(u) != 1 || u[0].Mapping == nil {
			t.Fatalf("after mapping: %+v", u)
		}

		var res struct {
			ReprocessUnmappedAlerts struct {
				Processed, TicketsCreated, StillUnmapped, Failed int
				Alerts                                           []struct {
					OrganizationUnmapped bool
					Client               *struct{ Name string }
					Ticket               *struct{ ID string }
				}
			}
		}
		e.Admin(`mutation($i: ID!) { reprocessUnmappedAlerts(integrationId: $i, externalOrganizationId: "42") {
			processed ticketsCreated stillUnmapped failed alerts { organizationUnmapped client { name } ticket { id } } } }`,
			apptest.Vars("i", integ)).Must(&res)
		rr := res.ReprocessUnmappedAlerts
		if rr.Processed != 2 || rr.TicketsCreated != 2 || rr.StillUnmapped != 0 || rr.Failed != 0 || len(rr.Alerts) != 2 {
			t.Fatalf("reprocess = %+v", rr)
		}
		for _, a := range rr.Alerts {
			if a.OrganizationUnmapped || a.Client == nil || a.Ticket == nil {
				t.Errorf("reprocessed alert = %+v", a)
			}
		}
		e.Admin(q, apptest.Vars("i", integ)).Must(&list)
		if len(list.UnmappedOrganizations) != 0 {
			t.Errorf("still listed: %+v", list.UnmappedOrganizations)
		}
		// Nothing left to do the second time.
		e.Admin(`mutation($i: ID!) { reprocessUnmappedAlerts(integrationId: $i, externalOrganizationId: "42") { processed } }`,
			apptest.Vars("i", integ)).Must(&res)
		if res.ReprocessUnmappedAlerts.Processed != 0 {
			t.Errorf("second reprocess = %+v", res.ReprocessUnmappedAlerts)
		}

		e.Admin(`mutation($id: ID!) { updateOrganizationMapping(id: $id, input: {externalOrganizationName: "Fabrikam Ltd"}) { externalOrganizationName } }`,
			apptest.Vars("id", mapped.CreateOrganizationMapping.ID)).Must(nil)
		e.Admin(`mutation($id: ID!) { deleteOrganizationMapping(id: $id) }`, apptest.Vars("id", mapped.CreateOrganizationMapping.ID)).Must(nil)
		var maps struct {
			OrganizationMappings []struct{ ExternalOrganizationID string }
		}
		e.Admin(`{ organizationMappings { externalOrganizationId } }`, nil).Must(&maps)
		if len(maps.OrganizationMappings) != 2 {
			t.Errorf("mappings after delete = %+v", maps.OrganizationMappings)
		}
	})
}

func TestMaintenanceWindows(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		now := time.Now().UTC()
		type window struct {
			ID         string
			Name       string
			IsActive   bool
			ActiveNow  bool
			NextStart  *time.Time
			Recurrence *struct {
				Type     string
				Days     []int
				Timezone string
			}
			Client *struct{ Name string }
		}
		const fields = `id name isActive activeNow nextStart recurrence { type days timezone } client { name }`
		var cur struct{ CreateMaintenanceWindow window }
		e.Admin(`mutation($s: Time!, $e: Time!) { createMaintenanceWindow(input: {name: "Now", clientId: "1", startsAt: $s, endsAt: $e}) { `+fields+` } }`,
			apptest.Vars("s", now.Add(-time.Hour), "e", now.Add(time.Hour))).Must(&cur)
		w := cur.CreateMaintenanceWindow
		if !w.ActiveNow || w.NextStart != nil || w.Client == nil || w.Client.Name != "Contoso" {
			t.Errorf("current window = %+v", w)
		}
		var weekly struct{ CreateMaintenanceWindow window }
		e.Admin(`mutation { createMaintenanceWindow(input: {name: "Patch night", recurrence: {days: [0, 6], startTime: "22:00", endTime: "02:00", timezone: "Europe/Berlin"}}) { `+fields+` } }`,
			nil).Must(&weekly)
		ww := weekly.CreateMaintenanceWindow
		if ww.Recurrence == nil || ww.Recurrence.Type != "weekly" || ww.NextStart == nil || ww.NextStart.Before(now) ||
			ww.NextStart.After(now.Add(8*24*time.Hour)) {
			t.Errorf("weekly window = %+v", ww)
		}
		// An update replaces every field.
		var upd struct{ UpdateMaintenanceWindow window }
		e.Admin(`mutation($id: ID!, $s: Time!, $e: Time!) { updateMaintenanceWindow(id: $id, input: {name: "Later", isActive: false, startsAt: $s, endsAt: $e}) { `+fields+` } }`,
			apptest.Vars("id", w.ID, "s", now.Add(time.Hour), "e", now.Add(2*time.Hour))).Must(&upd)
		if u := upd.UpdateMaintenanceWindow; u.Name != "Later" || u.IsActive || u.ActiveNow || u.NextStart != nil || u.Client != nil {
			t.Errorf("updated window = %+v", u)
		}
		e.Admin(`mutation($id: ID!) { deleteMaintenanceWindow(id: $id) }`, apptest.Vars("id", w.ID)).Must(nil)
		var list struct{ MaintenanceWindows []window }
		e.Admin(`{ maintenanceWindows { id name } }`, nil).Must(&list)
		if len(list.MaintenanceWindows) != 1 || list.MaintenanceWindows[0].Name != "Patch night" {
			t.Errorf("windows = %+v", list.MaintenanceWindows)
		}
	})
}

func TestAlertListFiltersAndPages(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		for i := range 5 {
			e.Post(ninja, ninjaTrigger(t, map[string]any{
				"seriesUid":    fmt.Sprintf("00000000-0000-4000-8000-%012d", 700+i),
				"deviceId":     700 + i,
				"activityTime": 1742391675.0 + float64(i),
				"message":      fmt.Sprintf("Disk %d nearly full", i),
				"device":       map[string]any{"id": 700 + i, "organizationId": 2, "displayName": fmt.Sprintf("PC-%d", i)},
			}))
		}
		type page struct {
			Alerts struct {
				TotalCount int
				Edges      []struct {
					Cursor string
					Node   struct{ Message string }
				}
				PageInfo struct {
					HasNextPage, HasPreviousPage bool
					EndCursor                    *string
				}
			}
		}
		q := `query($f: AlertFilter, $after: String) { alerts(filter: $f, first: 2, after: $after) {
			totalCount edges { cursor node { message } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`
		var seen []string
		var after any
		for range 3 {
			var p page
			e.Admin(q, map[string]any{"after": after}).Must(&p)
			for _, edge := range p.Alerts.Edges {
				seen = append(seen, edge.Node.Message)
			}
			if !p.Alerts.PageInfo.HasNextPage {
				break
			}
			after = *p.Alerts.PageInfo.EndCursor
		}
		want := []string{"Disk 4 nearly full", "Disk 3 nearly full", "Disk 2 nearly full", "Disk 1 nearly full", "Disk 0 nearly full"}
		if fmt.Sprint(seen) != fmt.Sprint(want) {
			t.Errorf("pages = %q, want newest first %q", seen, want)
		}
		var f page
		e.Admin(q, map[string]any{"f": map[string]any{"text": "DISK 3", "severity": []string{"MAJOR"}, "status": []string{"ACTIVE"},
			"from": "2025-01-01T00:00:00Z"}}).Must(&f)
		if f.Alerts.TotalCount != 1 || f.Alerts.Edges[0].Node.Message != "Disk 3 nearly full" {
			t.Errorf("filtered = %+v", f.Alerts)
		}
		e.Admin(q, map[string]any{"f": map[string]any{"severity": []string{"CRITICAL"}}}).Must(&f)
		if f.Alerts.TotalCount != 0 {
			t.Errorf("critical = %+v", f.Alerts)
		}
		var tickets struct {
			Tickets struct {
				TotalCount int
				Nodes      []struct {
					Number int
					Alerts []struct{ Message string }
				}
			}
		}
		e.Admin(`{ tickets(filter: {open: true, text: "PC-2"}) { totalCount nodes { number alerts { message } } } }`, nil).Must(&tickets)
		if tickets.Tickets.TotalCount != 1 || tickets.Tickets.Nodes[0].Alerts[0].Message != "Disk 2 nearly full" {
			t.Errorf("tickets = %+v", tickets.Tickets)
		}
	})
}

func TestNotificationPreferences(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		tech := technician(e)
		var out struct {
			SetNotificationPreference struct {
				NotificationPreferences []struct {
					Category, Channel string
					Enabled           bool
				}
			}
		}
		e.GraphQL(tech, `mutation { setNotificationPreference(category: "rmm-alert", channel: EMAIL, enabled: false) {
			notificationPreferences { category channel enabled } } }`, nil).Must(&out)
		got := fmt.Sprint(out.SetNotificationPreference.NotificationPreferences)
		if got != "[{rmm-alert IN_APP true} {rmm-alert EMAIL false}]" {
			t.Errorf("preferences = %s", got)
		}
		u := e.DB.User.Query().Where().AllX(e.Ctx)
		stored := u[len(u)-1].NotificationPreferences
		if v, ok := stored["rmm-alert"]["email"]; !ok || v {
			t.Errorf("stored preferences = %v", stored)
		}
	})
}
