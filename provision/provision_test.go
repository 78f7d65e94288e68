package provision_test

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/validation"
)

func TestSlug(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Acme IT", "acme-it"},
		{"  Acme   IT, Inc. ", "acme-it-inc"},
		{"Ölwerk 24/7", "lwerk-24-7"},
		{"---", ""},
		{"ACME", "acme"},
	} {
		if got := provision.Slug(c.in); got != c.want {
			t.Errorf("Slug(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// Bad input names every bad field and creates nothing.
func TestInvalid(t *testing.T) {
	s := storetest.Open(t, storetest.Dialects()[0])
	ctx := context.Background()
	long := string(make([]byte, 201))
	for _, c := range []struct {
		in     provision.Tenant
		fields []string
	}{
		{provision.Tenant{}, []string{"name", "slug", "adminEmail"}},
		{provision.Tenant{Name: "Acme", AdminEmail: "not an email"}, []string{"adminEmail"}},
		{provision.Tenant{Name: "Acme", AdminEmail: "Ann <ann@acme.test>"}, []string{"adminEmail"}},
		{provision.Tenant{Name: "Acme", Slug: "Acme IT", AdminEmail: "ann@acme.test"}, []string{"slug"}},
		{provision.Tenant{Name: "Acme", Slug: "acme-", AdminEmail: "ann@acme.test"}, []string{"slug"}},
		{provision.Tenant{Name: "!!!", AdminEmail: "ann@acme.test"}, []string{"slug"}},
		{provision.Tenant{Name: long, AdminEmail: "ann@acme.test", Slug: "acme"}, []string{"name"}},
	} {
		_, err := provision.Init(ctx, s, c.in)
		var v *validation.Error
		if !errors.As(err, &v) {
			t.Errorf("Init(%+v) = %v, want a validation error", c.in, err)
			continue
		}
		for _, f := range c.fields {
			if len(v.Messages(f)) == 0 {
				t.Errorf("Init(%+v): no error for %s in %v", c.in, f, v)
			}
		}
	}
	if n := s.Ent.Tenant.Query().CountX(ctx); n != 0 {
		t.Errorf("%d tenants after bad input", n)
	}
}

var acme = provision.Tenant{Name: "Acme IT", AdminEmail: "ann@acme.test", AdminName: "Ann"}

// From an empty database: init gives a working admin token, a desk, and
// the whole loop runs with nothing else but an integration made through
// the API.
func TestInitFromEmptyDatabase(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.NewWith(t, d, apptest.Options{Empty: true})
			res, err := provision.Init(e.Ctx, e.Store, acme)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Created || !res.AdminCreated || res.Token == "" || res.Slug != "acme-it" {
				t.Fatalf("first init: %+v", res)
			}
			var me struct {
				Me struct {
					Role  string
					Email string
				}
				Tenant struct{ Name string }
				Boards []struct {
					Name     string
					Statuses []struct {
						Name     string
						IsClosed bool
					}
				}
				Priorities []struct{ Name string }
			}
			e.GraphQL(res.Token, `{ me { role email } tenant { name } boards { name statuses { name isClosed } } priorities { name } }`, nil).Must(&me)
			if me.Me.Role != "ADMIN" || me.Me.Email != acme.AdminEmail || me.Tenant.Name != acme.Name {
				t.Errorf("me: %+v", me.Me)
			}
			if len(me.Boards) != 1 || me.Boards[0].Name != provision.BoardName || len(me.Boards[0].Statuses) != 3 ||
				!me.Boards[0].Statuses[2].IsClosed || len(me.Priorities) != len(provision.Priorities) {
				t.Errorf("desk: %+v, %+v", me.Boards, me.Priorities)
			}

			var in struct {
				CreateIntegration struct {
					ID            string
					WebhookSecret string
				}
			}
			e.GraphQL(res.Token, `mutation { createIntegration(input: {provider: NINJAONE, name: "NinjaOne"}) { id webhookSecret } }`, nil).Must(&in)
			id, _ := strconv.Atoi(in.CreateIntegration.ID)
			// Without clients yet, the alert is kept and its organization
			// waits for a mapping.
			r := e.PostTo(event.NinjaOne, id, in.CreateIntegration.WebhookSecret, apptest.NinjaTrigger(t, nil))
			if r.Status != 200 || r.AlertID == 0 || r.Outcome != "unmapped_organization" {
				t.Fatalf("webhook on a provisioned tenant: %+v", r)
			}
			var unmapped struct {
				Integration struct {
					UnmappedOrganizations []struct{ ExternalOrganizationId string }
				}
			}
			e.GraphQL(res.Token, `query($id: ID!) { integration(id: $id) { unmappedOrganizations { externalOrganizationId } } }`,
				apptest.Vars("id", in.CreateIntegration.ID)).Must(&unmapped)
			if len(unmapped.Integration.UnmappedOrganizations) != 1 {
				t.Fatalf("unmapped organizations: %+v", unmapped.Integration.UnmappedOrganizations)
			}
			// A client, its mapping and a catch-all rule, all through the
			// API, and the waiting alert becomes a ticket on the new desk.
			org := unmapped.Integration.UnmappedOrganizations[0].ExternalOrganizationId
			var client struct{ CreateClient struct{ ID string } }
			e.GraphQL(res.Token, `mutation { createClient(input: {name: "Contoso"}) { id } }`, nil).Must(&client)
			e.GraphQL(res.Token, `mutation($i: ID!, $o: String!, $c: ID!) {
				createOrganizationMapping(input: {integrationId: $i, externalOrganizationId: $o, clientId: $c}) { id }
				createAlertRule(input: {integrationId: $i, name: "Every alert"}) { id } }`,
				apptest.Vars("i", in.CreateIntegration.ID, "o", org, "c", client.CreateClient.ID)).Must(nil)
			var re struct{ ReprocessUnmappedAlerts struct{ TicketsCreated int } }
			e.GraphQL(res.Token, `mutation($i: ID!, $o: String!) { reprocessUnmappedAlerts(integrationId: $i, externalOrganizationId: $o) { ticketsCreated } }`,
				apptest.Vars("i", in.CreateIntegration.ID, "o", org)).Must(&re)
			var tickets struct {
				Tickets struct {
					Nodes []struct {
						Client struct{ Name string }
						Board  struct{ Name string }
						Status struct{ Name string }
					}
				}
			}
			e.GraphQL(res.Token, `{ tickets(first: 5) { nodes { client { name } board { name } status { name } } } }`, nil).Must(&tickets)
			if n := tickets.Tickets.Nodes; re.ReprocessUnmappedAlerts.TicketsCreated != 1 || len(n) != 1 ||
				n[0].Client.Name != "Contoso" || n[0].Board.Name != provision.BoardName || n[0].Status.Name != "Open" {
				t.Errorf("reprocessed %+v; tickets %+v", re, n)
			}

			// Again: nothing new, no second token.
			again, err := provision.Init(e.Ctx, e.Store, acme)
			if err != nil || again.Created || again.AdminCreated || again.Token != "" || again.TenantID != res.TenantID {
				t.Errorf("second init: %+v, %v", again, err)
			}
			// Another first tenant is refused; tenant create adds it.
			other := provision.Tenant{Name: "Globex", AdminEmail: "gil@globex.test"}
			if _, err := provision.Init(e.Ctx, e.Store, other); !errors.Is(err, provision.ErrInitialized) {
				t.Errorf("init of another tenant: %v, want ErrInitialized", err)
			}
			g, err := provision.CreateTenant(e.Ctx, e.Store, other)
			if err != nil || !g.Created || g.Token == "" {
				t.Fatalf("tenant create: %+v, %v", g, err)
			}
			if _, err := provision.CreateTenant(e.Ctx, e.Store, other); !errors.Is(err, provision.ErrExists) {
				t.Errorf("tenant create again: %v, want ErrExists", err)
			}
			// The new tenant's admin sees its own desk, not Acme's ticket.
			var gt struct{ Tickets struct{ TotalCount int } }
			e.GraphQL(g.Token, `{ tickets(first: 1) { totalCount } }`, nil).Must(&gt)
			if gt.Tickets.TotalCount != 0 {
				t.Errorf("Globex sees %d tickets", gt.Tickets.TotalCount)
			}
		})
	}
}

// Concurrent inits make one tenant and one admin token.
func TestInitConcurrent(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			s := storetest.Open(t, d)
			ctx := context.Background()
			var wg sync.WaitGroup
			results := make([]*provision.Result, 4)
			errs := make([]error, 4)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					results[i], errs[i] = provision.Init(ctx, s, acme)
				}()
			}
			wg.Wait()
			tokens := 0
			for i, r := range results {
				if errs[i] != nil {
					t.Fatalf("init %d: %v", i, errs[i])
				}
				if r.Token != "" {
					tokens++
				}
			}
			if tokens != 1 {
				t.Errorf("%d inits issued a token, want 1", tokens)
			}
			if n := s.Ent.Tenant.Query().CountX(ctx); n != 1 {
				t.Errorf("%d tenants", n)
			}
			if n := s.Ent.Board.Query().CountX(ctx); n != 1 {
				t.Errorf("%d boards", n)
			}
		})
	}
}
