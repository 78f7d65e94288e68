package webhook_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbox"
)

// TestSecretsSealedAtRest: rows written before sealing (a webhook secret
// and a signing secret in clear) are sealed at startup; afterwards no
// column of any integration or subscription holds a secret in clear,
// webhooks still authenticate with the old secret, admins still read it,
// and sealing again changes nothing.
func TestSecretsSealedAtRest(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		const webhookSecret, signingSecret = "legacy-clear-webhook-secret", "legacy-clear-signing-secret"
		tenant := e.Demo.TenantID
		legacy := e.DB.Integration.Create().SetTenantID(tenant).SetProvider(integration.ProviderNinjaone).
			SetName("Before sealing").SetWebhookSecret(webhookSecret).SaveX(e.Ctx)
		e.DB.EventSubscription.Create().SetTenantID(tenant).SetURL("https://hooks.example.com/a").
			SetSecret(signingSecret).SetEventTypes([]string{outbox.AlertTriggered}).ExecX(e.Ctx)
		// One through the API, sealed from the start.
		var created struct{ CreateEventSubscription struct{ Secret string } }
		e.Admin(`mutation { createEventSubscription(input: {url: "https://hooks.example.com/b", eventTypes: ["RMM_ALERT_TRIGGERED"]}) { secret } }`, nil).
			Must(&created)

		n, err := e.Services.Secrets.SealStored(e.Ctx, e.Store)
		if err != nil || n != 2 {
			t.Fatalf("SealStored = %d, %v; want the 2 clear rows", n, err)
		}
		if n, err := e.Services.Secrets.SealStored(e.Ctx, e.Store); err != nil || n != 0 {
			t.Fatalf("second SealStored = %d, %v; want nothing left", n, err)
		}

		clear := []string{webhookSecret, signingSecret, created.CreateEventSubscription.Secret}
		for _, in := range e.Demo.Integrations {
			clear = append(clear, in.Secret)
		}
		stored := func(query string) {
			rows, err := e.Store.DB.QueryContext(e.Ctx, query)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			count := 0
			for rows.Next() {
				var text string
				var sealed []byte
				if err := rows.Scan(&text, &sealed); err != nil {
					t.Fatal(err)
				}
				count++
				if len(sealed) == 0 {
					t.Errorf("%s: a row has nothing sealed", query)
				}
				for _, c := range clear {
					if c != "" && (strings.Contains(text, c) || bytes.Contains(sealed, []byte(c))) {
						t.Errorf("%s: a row holds the secret %q in clear", query, c)
					}
				}
			}
			if err := rows.Err(); err != nil || count == 0 {
				t.Fatalf("%s: %d rows, %v", query, count, err)
			}
		}
		stored("SELECT webhook_secret, webhook_secret_sealed FROM integrations")
		stored("SELECT secret, secret_sealed FROM event_subscriptions")

		// Still the integration's secret, for webhooks and for its admins.
		wantOutcome(t, e.PostTo(ninja, legacy.ID, webhookSecret, fixtures.Read("ninjaone-non-alert-activity.json")), 200, "ignored")
		if r := e.PostTo(ninja, legacy.ID, "wrong", fixtures.Read("ninjaone-non-alert-activity.json")); r.Status != 401 {
			t.Errorf("wrong secret answered %d", r.Status)
		}
		var got struct {
			Integration struct{ WebhookSecret string }
		}
		e.Admin(`query($id: ID!) { integration(id: $id) { webhookSecret } }`, apptest.Vars("id", apptest.ID(legacy.ID))).Must(&got)
		if got.Integration.WebhookSecret != webhookSecret {
			t.Errorf("admin reads webhook secret %q", got.Integration.WebhookSecret)
		}
		subs, err := e.Services.Events.ListSubscriptions(e.Ctx, tenant)
		if err != nil || len(subs) != 2 || subs[0].Secret != signingSecret || subs[1].Secret != created.CreateEventSubscription.Secret {
			t.Errorf("subscriptions read back %v, %v", subs, err)
		}
	})
}
