package workflow_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/validation"
	"github.com/alertdesk/alertdesk/workflow"
)

func TestSubscriptionValidation(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	svc := e.Services.Events
	cases := []struct {
		name  string
		in    workflow.SubscriptionInput
		field string
	}{
		{"no url", workflow.SubscriptionInput{EventTypes: workflow.Names()}, "url"},
		{"relative url", workflow.SubscriptionInput{URL: "/hook", EventTypes: workflow.Names()}, "url"},
		{"ftp url", workflow.SubscriptionInput{URL: "ftp://example.com", EventTypes: workflow.Names()}, "url"},
		{"no events", workflow.SubscriptionInput{URL: "https://example.com"}, "eventTypes"},
		{"unknown event", workflow.SubscriptionInput{URL: "https://example.com", EventTypes: []string{"TICKET_CLOSED"}}, "eventTypes"},
		{"short secret", workflow.SubscriptionInput{URL: "https://example.com", EventTypes: workflow.Names(), Secret: "short"}, "secret"},
		{"whsec_ secret of too few bytes", workflow.SubscriptionInput{URL: "https://example.com", EventTypes: workflow.Names(), Secret: "whsec_c2hvcnQtc2hvcnQtc2hvcnQ="}, "secret"},
		{"whsec_ secret not base64", workflow.SubscriptionInput{URL: "https://example.com", EventTypes: workflow.Names(), Secret: "whsec_not base64 at all, though long"}, "secret"},
	}
	for _, c := range cases {
		_, err := svc.CreateSubscription(e.Ctx, e.Demo.TenantID, c.in)
		var verr *validation.Error
		if !errors.As(err, &verr) || len(verr.Messages(c.field)) == 0 {
			t.Errorf("%s: %v, want an error on %s", c.name, err, c.field)
		}
	}
}

func TestSubscriptionLifecycle(t *testing.T) {
	eachStore(t, func(t *testing.T, e *apptest.Env) {
		svc := e.Services.Events
		tenant := e.Demo.TenantID
		sub, err := svc.CreateSubscription(e.Ctx, tenant, workflow.SubscriptionInput{
			URL: " https://hooks.example.com/a ", EventTypes: []string{"rmm_alert_triggered", outbox.AlertTriggered}, Description: "n8n"})
		if err != nil {
			t.Fatal(err)
		}
		if sub.URL != "https://hooks.example.com/a" || !slices.Equal(sub.EventTypes, []string{outbox.AlertTriggered}) ||
			!strings.HasPrefix(sub.Secret, workflow.SecretPrefix) || len(sub.Secret) != len("whsec_")+44 || !sub.IsActive || sub.TenantID != tenant {
			t.Fatalf("created %+v", sub)
		}

		off, url := false, "https://hooks.example.com/b"
		sub, err = svc.UpdateSubscription(e.Ctx, tenant, sub.ID, workflow.SubscriptionUpdate{
			URL: &url, EventTypes: workflow.Names(), Active: &off})
		if err != nil || sub.URL != url || len(sub.EventTypes) != 2 || sub.IsActive || sub.Description != "n8n" {
			t.Fatalf("updated %+v, %v", sub, err)
		}
		bad := "nope"
		var verr *validation.Error
		if _, err := svc.UpdateSubscription(e.Ctx, tenant, sub.ID, workflow.SubscriptionUpdate{URL: &bad}); !errors.As(err, &verr) {
			t.Errorf("invalid update: %v", err)
		}

		// Another tenant can neither see, change nor delete it.
		other := e.DB.Tenant.Create().SetName("Other").SetSlug("other").SaveX(e.Ctx).ID
		if subs, err := svc.ListSubscriptions(e.Ctx, other); err != nil || len(subs) != 0 {
			t.Errorf("other tenant lists %v, %v", subs, err)
		}
		if _, err := svc.UpdateSubscription(e.Ctx, other, sub.ID, workflow.SubscriptionUpdate{Active: &off}); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("other tenant updates: %v", err)
		}
		if err := svc.DeleteSubscription(e.Ctx, other, sub.ID); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("other tenant deletes: %v", err)
		}

		if subs, err := svc.ListSubscriptions(e.Ctx, tenant); err != nil || len(subs) != 1 {
			t.Fatalf("list %v, %v", subs, err)
		}
		if err := svc.DeleteSubscription(e.Ctx, tenant, sub.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Subscription(e.Ctx, tenant, sub.ID); !errors.Is(err, workflow.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}

func TestCatalog(t *testing.T) {
	c := workflow.Catalog()
	if len(c) != 2 || c[0].Name != outbox.AlertTriggered || c[1].Name != outbox.AlertResolved {
		t.Fatalf("catalog %v", c)
	}
	for _, d := range c {
		if d.Description == "" || d.PayloadSchema["$schema"] == nil || d.PayloadSchema["title"] != d.Name {
			t.Errorf("%s: incomplete definition", d.Name)
		}
	}
	if req := c[1].PayloadSchema["required"].([]string); !slices.Contains(req, "reason") {
		t.Error("resolved event does not require reason")
	}
}
