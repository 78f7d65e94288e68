package webhook_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/webhook"
)

// amFixture is a notification of two firing alerts: one alertname on one
// instance, two mountpoints.
func amFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../providers/alertmanager/testdata/webhook-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// amAlerts is the fixture with its alerts replaced by changed copies:
// each change is applied to the fixture's alert of the same position
// (nil drops a key).
func amAlerts(t testing.TB, changes ...map[string]any) []byte {
	t.Helper()
	var n map[string]any
	if err := json.Unmarshal(amFixture(t), &n); err != nil {
		t.Fatal(err)
	}
	orig := n["alerts"].([]any)
	alerts := make([]any, len(changes))
	for i, c := range changes {
		a := map[string]any{}
		for k, v := range orig[i%len(orig)].(map[string]any) {
			a[k] = v
		}
		for k, v := range c {
			if v == nil {
				delete(a, k)
			} else {
				a[k] = v
			}
		}
		alerts[i] = a
	}
	n["alerts"] = alerts
	b, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// resolvedAt marks an alert resolved.
var resolvedAt = map[string]any{"status": "resolved", "endsAt": "2026-06-12T11:00:00Z"}

// amIntegration is an Alertmanager integration created through the API,
// with a rule that makes every alert a ticket closed on resolve.
type amIntegration struct {
	e      *apptest.Env
	id     int
	secret string
}

func newAlertmanager(t *testing.T, e *apptest.Env, conditionLabels []string) amIntegration {
	t.Helper()
	var out struct {
		CreateIntegration struct {
			ID              string
			WebhookSecret   string
			WebhookURL      string
			ConditionLabels []string
			PollingEnabled  bool
			Capabilities    map[string]bool
		}
	}
	e.Admin(`mutation($in: CreateIntegrationInput!) { createIntegration(input: $in) {
		id webhookSecret webhookUrl conditionLabels pollingEnabled capabilities { connect poll reset inventory } } }`,
		map[string]any{"in": map[string]any{"provider": "ALERTMANAGER", "name": "Prometheus", "conditionLabels": conditionLabels}}).Must(&out)
	in := out.CreateIntegration
	if in.PollingEnabled || in.Capabilities["poll"] || in.Capabilities["reset"] || in.Capabilities["connect"] ||
		len(in.ConditionLabels) != len(conditionLabels) || in.WebhookURL != apptest.PublicURL+"/webhooks/alertmanager/"+in.ID {
		t.Fatalf("created %+v", in)
	}
	id, _ := strconv.Atoi(in.ID)
	auto := true
	e.DB.AlertRule.Create().SetTenantID(e.Demo.TenantID).SetIntegrationID(id).SetName("All").
		SetConditions(rule.Conditions{}).SetActions(rule.Actions{AutoResolveTicket: &auto}).ExecX(e.Ctx)
	return amIntegration{e: e, id: id, secret: in.WebhookSecret}
}

type amAnswer struct {
	Code     int
	Status   string `json:"status"`
	Error    string `json:"error"`
	Accepted []struct {
		Index    int    `json:"index"`
		Ref      string `json:"ref"`
		Outcome  string `json:"outcome"`
		AlertID  int    `json:"alertId"`
		TicketID *int   `json:"ticketId"`
	} `json:"accepted"`
	Refused []struct {
		Index int    `json:"index"`
		Ref   string `json:"ref"`
		Error string `json:"error"`
	} `json:"refused"`
}

// post sends a notification with the headers (as Alertmanager would).
func (a amIntegration) post(t *testing.T, body []byte, header http.Header) amAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, a.e.HTTP.URL+"/webhooks/alertmanager/"+strconv.Itoa(a.id), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := amAnswer{Code: res.StatusCode}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("answer %d %q: %v", res.StatusCode, raw, err)
	}
	return out
}

func (a amIntegration) bearer(secret string) http.Header {
	return http.Header{"Authorization": {"Bearer " + secret}}
}

// send posts with the integration's bearer token.
func (a amIntegration) send(t *testing.T, body []byte) amAnswer {
	t.Helper()
	return a.post(t, body, a.bearer(a.secret))
}

func (r amAnswer) outcomes() []string {
	var out []string
	for _, a := range r.Accepted {
		out = append(out, a.Outcome)
	}
	return out
}

func wantAnswer(t *testing.T, r amAnswer, code int, status string, outcomes ...string) {
	t.Helper()
	got := r.outcomes()
	if r.Code != code || r.Status != status || len(got) != len(outcomes) {
		t.Fatalf("answer %d %q outcomes %v refused %+v (error %q), want %d %q %v", r.Code, r.Status, got, r.Refused, r.Error, code, status, outcomes)
	}
	for i := range got {
		if got[i] != outcomes[i] {
			t.Fatalf("outcomes %v, want %v", got, outcomes)
		}
	}
}

func TestAlertmanagerFiringThenResolved(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		am := newAlertmanager(t, e, nil)
		// Without condition labels both filesystems are one condition of
		// the instance: one ticket, the second alert an occurrence.
		r := am.send(t, amFixture(t))
		wantAnswer(t, r, 200, "processed", "ticket_created", "occurrence_added")
		ticketID := *r.Accepted[0].TicketID
		if r.Accepted[0].Ref != "5c3a1f0e8d2b7a61" || r.Accepted[1].TicketID == nil || *r.Accepted[1].TicketID != ticketID {
			t.Fatalf("accepted %+v", r.Accepted)
		}
		a := e.Alert(r.Accepted[0].AlertID)
		if a.Provider != "alertmanager" || a.ExternalDeviceID != "srv-01.contoso.lan:9100" || a.Severity != "moderate" ||
			a.AlertClass != "NodeFilesystemSpaceFillingUp" || a.DedupKey != "srv-01.contoso.lan:9100|NodeFilesystemSpaceFillingUp" {
			t.Errorf("alert %+v", a)
		}
		if tk := e.Ticket(ticketID); tk.Source != "alertmanager" {
			t.Errorf("ticket source %q", tk.Source)
		}

		// Alertmanager repeats a notification (repeat_interval, retries):
		// nothing changes.
		before := e.Count()
		wantAnswer(t, am.send(t, amFixture(t)), 200, "processed", "replay", "replay")
		if after := e.Count(); after != before {
			t.Fatalf("a repeated notification changed %+v into %+v", before, after)
		}

		// One filesystem resolves: the ticket stays open for the other.
		wantAnswer(t, am.send(t, amAlerts(t, resolvedAt, map[string]any{})), 200, "processed", "resolved", "replay")
		if tk := e.Ticket(ticketID); tk.ClosedAt != nil {
			t.Fatal("ticket closed while an alert of it is still firing")
		}
		// Both resolved: the untouched ticket closes.
		wantAnswer(t, am.send(t, amAlerts(t, resolvedAt, resolvedAt)), 200, "processed", "replay", "resolved")
		if tk := e.Ticket(ticketID); tk.ClosedAt == nil {
			t.Fatal("resolved notification did not close the untouched ticket")
		}
		if a := e.Alert(r.Accepted[0].AlertID); a.Status != "resolved" {
			t.Errorf("alert status %s", a.Status)
		}
		// The resolved notification again: nothing changes.
		before = e.Count()
		r2 := am.send(t, amAlerts(t, resolvedAt, resolvedAt))
		if r2.Code != 200 || e.Count() != before {
			t.Fatalf("repeated resolve: %d %v, counts %+v then %+v", r2.Code, r2.outcomes(), before, e.Count())
		}
	})
}

func TestAlertmanagerBatchWithBadAlert(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		am := newAlertmanager(t, e, []string{"mountpoint"})
		body := amAlerts(t, map[string]any{}, map[string]any{"fingerprint": nil}, map[string]any{"fingerprint": "77aa", "startsAt": "soon"})
		r := am.send(t, body)
		wantAnswer(t, r, 400, "partial", "ticket_created")
		if len(r.Refused) != 2 || r.Refused[0].Index != 1 || r.Refused[1].Index != 2 || r.Refused[1].Ref != "77aa" || r.Refused[0].Error == "" {
			t.Fatalf("refused %+v", r.Refused)
		}
		if e.AlertByExternalID("5c3a1f0e8d2b7a61") == nil {
			t.Fatal("the good alert was not recorded")
		}
		// Nothing good at all.
		before := e.Count()
		wantAnswer(t, am.send(t, amAlerts(t, map[string]any{"status": "pending"})), 400, "refused")
		// Not a notification: 400 with an error, nothing written.
		if r := am.send(t, []byte(`{"alerts": 3}`)); r.Code != 400 || r.Error == "" {
			t.Fatalf("malformed: %d %q", r.Code, r.Error)
		}
		// An empty notification is fine.
		wantAnswer(t, am.send(t, []byte(`{"version":"4","status":"firing","alerts":[]}`)), 200, "processed")
		if after := e.Count(); after != before {
			t.Fatalf("refused alerts wrote %+v -> %+v", before, after)
		}
	})
}

func TestAlertmanagerAuthentication(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		am := newAlertmanager(t, e, nil)
		body := amFixture(t)
		for name, h := range map[string]http.Header{
			"wrong bearer":         am.bearer("not-the-secret"),
			"basic scheme":         {"Authorization": {"Basic " + am.secret}},
			"bearer without value": {"Authorization": {"Bearer "}},
			"nothing":              {},
		} {
			if r := am.post(t, body, h); r.Code != 401 {
				t.Errorf("%s: %d %q", name, r.Code, r.Status)
			}
		}
		if n := e.Count().Alerts; n != 0 {
			t.Fatalf("refused requests recorded %d alerts", n)
		}
		// Another integration's secret does not open this one.
		other := e.Integration(ninja)
		if r := am.post(t, body, am.bearer(other.Secret)); r.Code != 401 {
			t.Errorf("NinjaOne's secret: %d", r.Code)
		}
		// The usual secret header works as well as the bearer token.
		wantAnswer(t, am.post(t, body, http.Header{webhook.SecretHeader: {am.secret}}), 200, "processed", "ticket_created", "occurrence_added")
		wantAnswer(t, am.post(t, body, http.Header{"Authorization": {"bearer " + am.secret}}), 200, "processed", "replay", "replay")
		// The webhook of another provider's path refuses it.
		if r := e.PostTo(ninja, am.id, am.secret, apptest.NinjaTrigger(t, nil)); r.Status != 401 {
			t.Errorf("alertmanager integration on the NinjaOne path: %d", r.Status)
		}
	})
}

func TestAlertmanagerConditionLabels(t *testing.T) {
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		// With mountpoint in the condition, the two filesystems are two
		// conditions: two tickets.
		byMount := newAlertmanager(t, e, []string{"mountpoint"})
		r := byMount.send(t, amFixture(t))
		wantAnswer(t, r, 200, "processed", "ticket_created", "ticket_created")
		if *r.Accepted[0].TicketID == *r.Accepted[1].TicketID {
			t.Fatal("two conditions share a ticket")
		}
		if a := e.Alert(r.Accepted[0].AlertID); a.DedupKey != `srv-01.contoso.lan:9100|NodeFilesystemSpaceFillingUp{mountpoint="/"}` {
			t.Errorf("dedup key %q", a.DedupKey)
		}
		// With job, equal on both: one condition, one ticket.
		byJob := newAlertmanager(t, e, []string{"job"})
		r = byJob.send(t, amFixture(t))
		wantAnswer(t, r, 200, "processed", "ticket_created", "occurrence_added")
		// Changing the setting through the API applies to the next
		// notification.
		byJob.e.Admin(`mutation($id: ID!) { updateIntegration(id: $id, input: {conditionLabels: ["job", "device"]}) { id } }`,
			map[string]any{"id": byJob.id}).Must(nil)
		r = byJob.send(t, amAlerts(t, map[string]any{"fingerprint": "new-1"}, map[string]any{"fingerprint": "new-2"}))
		wantAnswer(t, r, 200, "processed", "ticket_created", "ticket_created")
	})
}
