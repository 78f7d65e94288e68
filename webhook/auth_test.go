package webhook_test

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"

	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/webhook"
)

func TestRejectedWebhooksWriteNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		in := e.Integration(ninja)
		body := fixtures.Read("ninjaone-condition-triggered.json")
		big := append([]byte(`{"pad":"`), bytes.Repeat([]byte("x"), webhook.MaxBody)...)
		big = append(big, `"}`...)
		cases := []struct {
			name   string
			id     int
			secret string
			body   []byte
			status int
		}{
			{"missing secret", in.ID, "", body, 401},
			{"wrong secret", in.ID, in.Secret + "x", body, 401},
			{"unknown integration", in.ID + 1000, in.Secret, body, 401},
			{"other provider's integration", e.Integration(tactical).ID, in.Secret, body, 401},
			{"malformed json", in.ID, in.Secret, []byte(`{"id": 1, "seriesUid": `), 400},
			{"no identity", in.ID, in.Secret, []byte(`{"statusCode":"TRIGGERED","activityType":"CONDITION","activityTime":1}`), 400},
			{"too large", in.ID, in.Secret, big, 413},
		}
		before := e.Count()
		for _, c := range cases {
			r := e.PostTo(ninja, c.id, c.secret, c.body)
			if r.Status != c.status {
				t.Errorf("%s: status %d (%q), want %d", c.name, r.Status, r.Error, c.status)
			}
		}
		if after := e.Count(); after != before {
			t.Errorf("rejected webhooks wrote rows: %+v -> %+v", before, after)
		}
		// A non-alert activity is acknowledged and ignored.
		r := e.PostFixture(ninja, "ninjaone-non-alert-activity.json")
		wantOutcome(t, r, 200, "ignored")
		if after := e.Count(); after != before {
			t.Errorf("ignored activity wrote rows: %+v -> %+v", before, after)
		}
	})
}

func TestIntegrationWithoutSecretRefusesEverything(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		in := e.Integration(ninja)
		e.DB.Integration.UpdateOneID(in.ID).SetWebhookSecret("").ExecX(e.Ctx)
		for _, secret := range []string{"", in.Secret} {
			if r := e.PostTo(ninja, in.ID, secret, fixtures.Read("ninjaone-condition-triggered.json")); r.Status != 401 {
				t.Errorf("secret %q: status %d, want 401", secret, r.Status)
			}
		}
	})
}

func TestUnknownProviderIs404(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		res, err := http.Post(e.HTTP.URL+"/webhooks/datto/"+strconv.Itoa(e.Integration(ninja).ID), "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("status %d, want 404", res.StatusCode)
		}
	})
}
