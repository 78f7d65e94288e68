package webhook_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// rotate rotates the demo NinjaOne integration's webhook secret through
// the API of e and returns the new one.
func rotate(t *testing.T, e *apptest.Env, integrationID int) string {
	t.Helper()
	var out struct {
		RotateWebhookSecret struct{ WebhookSecret string }
	}
	e.Admin(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { webhookSecret } }`,
		apptest.Vars("id", apptest.ID(integrationID))).Must(&out)
	if out.RotateWebhookSecret.WebhookSecret == "" {
		t.Fatal("rotateWebhookSecret returned no secret")
	}
	return out.RotateWebhookSecret.WebhookSecret
}

// TestRotatedSecretRefusedAtOnce: webhooks are authenticated against a
// remembered secret, but the very next webhook after a rotation with the
// old secret is refused and writes nothing; the new one works.
func TestRotatedSecretRefusedAtOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		in := e.Integration(ninja)
		wantOutcome(t, e.PostTo(ninja, in.ID, in.Secret, firing(t, 1, 7)), 200, "ticket_created")
		fresh := rotate(t, e, in.ID)

		wantRefused(t, e, e, in.ID, in.Secret, "old secret after rotation")
		wantOutcome(t, e.PostTo(ninja, in.ID, fresh, firing(t, 3, 7)), 200, "ticket_created")
		if r := e.PostTo(ninja, in.ID, in.Secret, firing(t, 4, 7)); r.Status != 401 {
			t.Fatalf("old secret once the new one is remembered: %d, want 401", r.Status)
		}
	})
}

// TestRotatedSecretRefusedByOtherReplica: the secret is rotated through one
// replica's API; the other replica, which remembers the old secret, refuses
// it with the next webhook.
func TestRotatedSecretRefusedByOtherReplica(t *testing.T) {
	one := apptest.New(t, storetest.Dialects()[0])
	two := apptest.NewWith(t, storetest.Dialects()[0], apptest.Options{ReplicaOf: one})
	in := one.Integration(ninja)
	wantOutcome(t, two.PostTo(ninja, in.ID, in.Secret, firing(t, 1, 7)), 200, "ticket_created")
	fresh := rotate(t, one, in.ID)

	wantRefused(t, two, one, in.ID, in.Secret, "old secret at the other replica")
	wantOutcome(t, two.PostTo(ninja, in.ID, fresh, firing(t, 3, 7)), 200, "ticket_created")
}

// TestRemovedIntegrationRefused: an integration removed after its secret
// was remembered refuses the next webhook.
func TestRemovedIntegrationRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		hash, sealed := e.WebhookSecret(e.Demo.TenantID, "s3cret-short-lived")
		in := e.DB.Integration.Create().SetTenantID(e.Demo.TenantID).SetProvider(integration.ProviderNinjaone).
			SetName("short-lived").SetWebhookSecret(hash).SetWebhookSecretSealed(sealed).SaveX(e.Ctx)
		// Authenticated (and remembered) without writing anything.
		wantOutcome(t, e.PostTo(ninja, in.ID, "s3cret-short-lived", fixtures.Read("ninjaone-non-alert-activity.json")), 200, "ignored")
		e.DB.Integration.DeleteOneID(in.ID).ExecX(e.Ctx)

		wantRefused(t, e, e, in.ID, "s3cret-short-lived", "removed integration")
	})
}

// TestRotatedSecretRefusedWithoutPipeline: answers given before the
// pipeline runs (ignored activity, malformed body) also refuse a rotated
// secret that is still remembered.
func TestRotatedSecretRefusedWithoutPipeline(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		in := e.Integration(ninja)
		wantOutcome(t, e.PostTo(ninja, in.ID, in.Secret, firing(t, 1, 7)), 200, "ticket_created")
		rotate(t, e, in.ID)
		for name, body := range map[string][]byte{
			"ignored activity": fixtures.Read("ninjaone-non-alert-activity.json"),
			"malformed body":   []byte(`{"statusCode":`),
		} {
			if r := e.PostTo(ninja, in.ID, in.Secret, body); r.Status != 401 {
				t.Errorf("%s with the rotated secret: %d %q, want 401", name, r.Status, r.Error)
			}
		}
	})
}

// wantRefused posts a new firing to the integration through at with the
// secret and wants 401 and no row written (counted through db).
func wantRefused(t *testing.T, at, db *apptest.Env, integrationID int, secret, what string) {
	t.Helper()
	before := db.Count()
	if r := at.PostTo(ninja, integrationID, secret, firing(t, 2, 7)); r.Status != 401 {
		t.Fatalf("%s: %d %q, want 401", what, r.Status, r.Error)
	}
	if after := db.Count(); after != before {
		t.Errorf("%s: refused webhook wrote rows: %+v -> %+v", what, before, after)
	}
}
