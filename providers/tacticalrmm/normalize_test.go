package tacticalrmm

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/providers/internal/lenient"
)

const srv01 = "ZqXbLmNoPqRsTuVwXyZaBcDeFgHiJkLmNoPqRsTu"

// brokenBody is how TacticalRMM renders the template around a script's
// output: unescaped quotes and backslashes, so not JSON.
const brokenBody = `{"event": "trigger", "alert_id":"1601","agent_id":"` + srv01 + `","hostname":"SRV-01","client_id":"3","client_name":"Contoso","site_id":"7","alert_type":"task","severity":"info","message":"Task "Cleanup" failed: cannot open C:\Temp\x ("access denied")","alert_time":"2026-06-12 13:00:00+00:00","check_id":"None","task_id":"12","task_name":"Cleanup","resolved":"None","resolved_on":"None"}`

func TestNormalizeWebhook(t *testing.T) {
	checkTrig := time.Date(2026, 6, 12, 10, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name           string
		body           string
		kind           event.Kind
		alert, device  string
		cond, class    string
		severity       event.Severity
		org, host      string
		at             time.Time
		message        string // substring
		extra          map[string]string
		rawIsBody      bool
		rawIsJSONValue bool // Raw holds the body text as a JSON string
	}{
		{
			name: "fixture check trigger", body: string(fixtures.Read("tactical-check-trigger.json")),
			kind: event.Triggered, alert: "1523", device: srv01, cond: "check:88", class: "check",
			severity: event.Critical, org: "3", host: "SRV-01", at: checkTrig, message: "Disk Space Check: Drive C:",
			extra:     map[string]string{"siteId": "7", "clientName": "Contoso", "checkId": "88"},
			rawIsBody: true,
		},
		{
			name: "fixture check resolve", body: string(fixtures.Read("tactical-check-resolve.json")),
			kind: event.Reset, alert: "1523", device: srv01, cond: "check:88", class: "check",
			severity: event.Critical, org: "3", host: "SRV-01",
			at:        time.Date(2026, 6, 12, 10, 25, 31, 4211000, time.UTC),
			rawIsBody: true,
		},
		{
			name: "fixture availability trigger", body: string(fixtures.Read("tactical-availability-trigger.json")),
			kind: event.Triggered, alert: "1530", device: "Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr",
			cond: "availability", class: "availability", severity: event.Critical, org: "3", host: "WS-22",
			at: time.Date(2026, 6, 12, 11, 2, 10, 0, time.UTC), message: "WS-22 in Contoso, HQ is overdue.",
			extra:     map[string]string{"siteId": "7", "clientName": "Contoso"},
			rawIsBody: true,
		},
		{
			name: "fixture string literal with unescaped quotes", body: string(fixtures.Read("tactical-string-literal-body.json")),
			kind: event.Triggered, alert: "1544", device: srv01, cond: "check:91", class: "check",
			severity: event.Moderate, org: "3", host: "SRV-01", at: time.Date(2026, 6, 12, 12, 30, 0, 0, time.UTC),
			message:        `SRV-01 has a winsvc check: Service "Print Spooler" is stopped that failed.`,
			extra:          map[string]string{"siteId": "7", "clientName": "Contoso", "checkId": "91"},
			rawIsJSONValue: true,
		},
		{
			name: "raw broken body with a Windows path", body: brokenBody,
			kind: event.Triggered, alert: "1601", device: srv01, cond: "task:12", class: "task",
			severity: event.Minor, org: "3", host: "SRV-01", at: time.Date(2026, 6, 12, 13, 0, 0, 0, time.UTC),
			message:        `Task "Cleanup" failed: cannot open C:\Temp\x ("access denied")`,
			extra:          map[string]string{"siteId": "7", "clientName": "Contoso", "taskId": "12", "taskName": "Cleanup"},
			rawIsJSONValue: true,
		},
		{
			name: "string literal around valid JSON",
			body: string(lenient.JSONString(string(fixtures.Read("tactical-check-trigger.json")))),
			kind: event.Triggered, alert: "1523", device: srv01, cond: "check:88", class: "check",
			severity: event.Critical, org: "3", host: "SRV-01", at: checkTrig,
		},
		{
			name: "numbers as JSON numbers, upper-case event, ISO time",
			body: `{"event":"TRIGGER","alert_id":1523,"agent_id":"` + srv01 + `","client_id":3,"alert_type":"check","severity":"Error","alert_time":"2026-06-12T10:00:00.123456Z","check_id":88,"task_id":null}`,
			kind: event.Triggered, alert: "1523", device: srv01, cond: "check:88", class: "check",
			severity: event.Critical, org: "3", at: checkTrig, rawIsBody: true,
		},
		{
			name: "epoch time, unknown severity, resolve without resolved_on",
			body: `{"event":"Resolve","alert_id":"9","agent_id":"a","alert_type":"custom","severity":"None","alert_time":1781258400}`,
			kind: event.Reset, alert: "9", device: "a", cond: "custom", class: "custom",
			severity: event.None, at: time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC), rawIsBody: true,
		},
		{
			name: "naive Python time is UTC; task condition",
			body: `{"event":"trigger","alert_id":"10","agent_id":"a","alert_type":"task","severity":"warning","alert_time":"2026-06-12 10:00:00","check_id":"None","task_id":"5"}`,
			kind: event.Triggered, alert: "10", device: "a", cond: "task:5", class: "task",
			severity: event.Moderate, at: time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC), rawIsBody: true,
		},
		{
			name: "broken body with spaces around punctuation and a trimmed template",
			body: "{ \"event\" : \"trigger\" , \"alert_id\" : \"11\" , \"agent_id\":\"a\", \"message\" : \"say \"hi\"\" , \"alert_time\" : \"2026-06-12 10:00:00+02:00\" }\n",
			kind: event.Triggered, alert: "11", device: "a", severity: event.None,
			at: time.Date(2026, 6, 12, 8, 0, 0, 0, time.UTC), message: `say "hi"`, rawIsJSONValue: true,
		},
		{
			name: "broken body whose message mimics a later field",
			body: `{"event":"trigger","alert_id":"12","agent_id":"a","message":"out: "x","alert_time":"bogus" done","alert_time":"2026-06-12 10:00:00+00:00","check_id":"4","resolved_on":"None"}`,
			kind: event.Triggered, alert: "12", device: "a", cond: "check:4", severity: event.None,
			at: time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC), message: `out: "x","alert_time":"bogus" done`, rawIsJSONValue: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NormalizeWebhook([]byte(tt.body))
			if err != nil {
				t.Fatalf("NormalizeWebhook: %v", err)
			}
			if err := ev.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if ev.Provider != event.TacticalRMM || ev.Kind != tt.kind {
				t.Errorf("provider/kind = %s/%s, want tacticalrmm/%s", ev.Provider, ev.Kind, tt.kind)
			}
			if ev.ExternalAlertID != tt.alert || ev.ExternalDeviceID != tt.device {
				t.Errorf("alert/device = %q/%q, want %q/%q", ev.ExternalAlertID, ev.ExternalDeviceID, tt.alert, tt.device)
			}
			if ev.ConditionIdentity != tt.cond || ev.AlertClass != tt.class {
				t.Errorf("condition/class = %q/%q, want %q/%q", ev.ConditionIdentity, ev.AlertClass, tt.cond, tt.class)
			}
			if ev.ActivityType != "" || ev.SourceType != "" {
				t.Errorf("activityType/sourceType = %q/%q, want empty", ev.ActivityType, ev.SourceType)
			}
			if ev.Severity != tt.severity {
				t.Errorf("severity = %s, want %s", ev.Severity, tt.severity)
			}
			if ev.ExternalOrganizationID != tt.org || ev.DeviceName != tt.host {
				t.Errorf("org/host = %q/%q, want %q/%q", ev.ExternalOrganizationID, ev.DeviceName, tt.org, tt.host)
			}
			if !ev.OccurredAt.Equal(tt.at) || ev.OccurredAt.Location() != time.UTC {
				t.Errorf("occurredAt = %v, want %v UTC", ev.OccurredAt, tt.at)
			}
			if !strings.Contains(ev.Message, tt.message) {
				t.Errorf("message = %q, want it to contain %q", ev.Message, tt.message)
			}
			if tt.extra != nil && !equalMaps(ev.Extra, tt.extra) {
				t.Errorf("extra = %v, want %v", ev.Extra, tt.extra)
			}
			if !json.Valid(ev.Raw) {
				t.Fatalf("raw is not JSON: %s", ev.Raw)
			}
			if tt.rawIsBody && string(ev.Raw) != strings.TrimSpace(tt.body) {
				t.Errorf("raw = %s, want the body", ev.Raw)
			}
			if tt.rawIsJSONValue {
				var s string
				if err := json.Unmarshal(ev.Raw, &s); err != nil || !strings.Contains(s, `"alert_id"`) {
					t.Errorf("raw = %s, want the body text as a JSON string", ev.Raw)
				}
			}
			if ev.TenantID != 0 || ev.IntegrationID != 0 || ev.Origin != "" || ev.AcknowledgedBy != "" {
				t.Errorf("receiver-owned fields set")
			}
		})
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestNormalizeWebhookIgnored(t *testing.T) {
	for _, ev := range []string{"acknowledge", "test", "escalate"} {
		body := `{"event":"` + ev + `","alert_id":"1","alert_time":"2026-06-12 10:00:00+00:00"}`
		if _, err := NormalizeWebhook([]byte(body)); !errors.Is(err, event.ErrIgnored) {
			t.Errorf("event %q: err = %v, want ErrIgnored", ev, err)
		}
	}
}

func TestNormalizeWebhookMalformed(t *testing.T) {
	trig := string(fixtures.Read("tactical-check-trigger.json"))
	for name, body := range map[string]string{
		"empty":                 "",
		"whitespace":            "  \r\n",
		"null":                  "null",
		"array":                 "[]",
		"empty object":          "{}",
		"number":                "1523",
		"not JSON":              "hello world",
		"empty string literal":  `""`,
		"broken string literal": `"{\"event\":`,
		"literal of an array":   `"[1,2]"`,
		"literal not template":  `"just text"`,
		"alert_id None":         `{"event":"trigger","alert_id":"None","alert_time":"2026-06-12 10:00:00+00:00"}`,
		"missing alert_id":      `{"event":"trigger","agent_id":"a","alert_time":"2026-06-12 10:00:00+00:00"}`,
		"missing event":         `{"alert_id":"1","alert_time":"2026-06-12 10:00:00+00:00"}`,
		"missing times":         `{"event":"trigger","alert_id":"1","alert_time":"None"}`,
		"resolve without times": `{"event":"resolve","alert_id":"1","resolved_on":"None"}`,
		"bad time":              `{"event":"trigger","alert_id":"1","alert_time":"12 June"}`,
		"bad resolved_on":       `{"event":"resolve","alert_id":"1","alert_time":"2026-06-12 10:00:00+00:00","resolved_on":"soon"}`,
		"truncated":             trig[:len(trig)/3],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NormalizeWebhook([]byte(body))
			if err == nil || errors.Is(err, event.ErrIgnored) {
				t.Fatalf("err = %v, want a malformed-body error", err)
			}
		})
	}
}

// A body cut after alert_time still yields the alert: TacticalRMM does not
// retry, so partial data beats a 400.
func TestNormalizeWebhookTruncatedRecovers(t *testing.T) {
	trig := string(fixtures.Read("tactical-check-trigger.json"))
	cut := trig[:strings.Index(trig, `,"task_id"`)]
	ev, err := NormalizeWebhook([]byte(cut))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ExternalAlertID != "1523" || ev.ConditionIdentity != "check:88" {
		t.Errorf("got %q %q", ev.ExternalAlertID, ev.ConditionIdentity)
	}
}

func TestNormalizeAlertsList(t *testing.T) {
	evs, err := NormalizeAlertsList(fixtures.Read("tactical-alerts-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		id, device, cond, host string
		at                     time.Time
		extra                  map[string]string
	}{
		{"1523", srv01, "check:88", "SRV-01", time.Date(2026, 6, 12, 10, 0, 0, 123456000, time.UTC),
			map[string]string{"clientName": "Contoso", "siteName": "HQ", "checkId": "88"}},
		{"1530", "Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr", "availability", "WS-22", time.Date(2026, 6, 12, 11, 2, 10, 0, time.UTC),
			map[string]string{"clientName": "Contoso", "siteName": "HQ"}},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d", len(evs), len(want))
	}
	for i, w := range want {
		ev := evs[i]
		if err := ev.Validate(); err != nil {
			t.Errorf("%d: %v", i, err)
		}
		if ev.Provider != event.TacticalRMM || ev.Kind != event.Triggered || ev.Severity != event.Critical {
			t.Errorf("%d: provider/kind/severity = %s/%s/%s", i, ev.Provider, ev.Kind, ev.Severity)
		}
		if ev.ExternalAlertID != w.id || ev.ExternalDeviceID != w.device || ev.ConditionIdentity != w.cond || ev.DeviceName != w.host {
			t.Errorf("%d: ids = %q %q %q %q", i, ev.ExternalAlertID, ev.ExternalDeviceID, ev.ConditionIdentity, ev.DeviceName)
		}
		if ev.ExternalOrganizationID != "" || !equalMaps(ev.Extra, w.extra) {
			t.Errorf("%d: org %q extra %v", i, ev.ExternalOrganizationID, ev.Extra)
		}
		if !ev.OccurredAt.Equal(w.at) || ev.OccurredAt.Location() != time.UTC {
			t.Errorf("%d: occurredAt = %v, want %v", i, ev.OccurredAt, w.at)
		}
		var entry map[string]any
		if err := json.Unmarshal(ev.Raw, &entry); err != nil || entry["hostname"] != w.host {
			t.Errorf("%d: raw is not the entry: %s", i, ev.Raw)
		}
	}
}

func TestNormalizeAlertsListLenient(t *testing.T) {
	evs, err := NormalizeAlertsList([]byte(`[
		{"id":"7","agent_id":"a","alert_type":"task","severity":"warning","alert_time":"2026-06-12T10:00:00Z","assigned_check":null,"assigned_task":{"id":5,"name":"Backup"}},
		{"id":8,"agent_id":"a","alert_type":"check","alert_time":"2026-06-12T10:00:00Z","resolved":true,"assigned_check":3},
		{"id":9,"agent_id":"a","alert_type":"check","alert_time":"2026-06-12T10:00:00Z","snoozed":true,"assigned_check":"4"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2 (resolved skipped, snoozed kept)", len(evs))
	}
	if evs[0].ExternalAlertID != "7" || evs[0].ConditionIdentity != "task:5" || evs[0].Severity != event.Moderate {
		t.Errorf("task entry: %+v", evs[0])
	}
	if evs[1].ExternalAlertID != "9" || evs[1].ConditionIdentity != "check:4" {
		t.Errorf("snoozed entry: %+v", evs[1])
	}
}

func TestNormalizeAlertsListEmpty(t *testing.T) {
	evs, err := NormalizeAlertsList([]byte("[]\n"))
	if err != nil || evs == nil || len(evs) != 0 {
		t.Fatalf("got %v, %v; want empty slice, nil", evs, err)
	}
}

func TestNormalizeAlertsListMalformed(t *testing.T) {
	list := string(fixtures.Read("tactical-alerts-list.json"))
	for name, body := range map[string]string{
		"empty":        "",
		"null":         "null",
		"object":       "{}",
		"error detail": `{"detail":"Invalid token."}`,
		"string":       `"ok"`,
		"truncated":    list[:len(list)/2],
		"null entry":   `[null]`,
		"number entry": `[1523]`,
		"missing id":   `[{"agent_id":"a","alert_time":"2026-06-12T10:00:00Z"}]`,
		"missing time": `[{"id":1,"agent_id":"a"}]`,
		"bad time":     `[{"id":1,"agent_id":"a","alert_time":"yesterday"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			evs, err := NormalizeAlertsList([]byte(body))
			if err == nil || errors.Is(err, event.ErrIgnored) || evs != nil {
				t.Fatalf("got %v, %v; want nil and a malformed error", evs, err)
			}
		})
	}
}

// The webhook and the poller must land on the same ticket.
func TestDedupKeyMatchesAcrossWebhookAndPoller(t *testing.T) {
	list, err := NormalizeAlertsList(fixtures.Read("tactical-alerts-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]event.Event{}
	for _, ev := range list {
		byID[ev.ExternalAlertID] = ev
	}
	for name, id := range map[string]string{
		"tactical-check-trigger.json":        "1523",
		"tactical-check-resolve.json":        "1523",
		"tactical-availability-trigger.json": "1530",
	} {
		ev, err := NormalizeWebhook(fixtures.Read(name))
		if err != nil {
			t.Fatal(err)
		}
		polled, ok := byID[id]
		if !ok {
			t.Fatalf("alert %s not in list", id)
		}
		if ev.DedupKey() != polled.DedupKey() || ev.ExternalAlertID != polled.ExternalAlertID {
			t.Errorf("%s: key %q, poller %q", name, ev.DedupKey(), polled.DedupKey())
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2026, 6, 12, 10, 0, 0, 123456000, time.UTC)
	for _, in := range []string{
		"2026-06-12 10:00:00.123456+00:00", "2026-06-12 12:00:00.123456+02:00", "2026-06-12T10:00:00.123456Z",
		"2026-06-12 10:00:00.123456", "1781258400.123456", "1781258400123.456",
	} {
		got, err := lenient.Time(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("lenient.Time(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "None", "x", "-1", "0001-01-01 00:00:00", "1e30", "NaN"} {
		if got, err := lenient.Time(in); err == nil {
			t.Errorf("lenient.Time(%q) = %v, want error", in, got)
		}
	}
}

func TestNormalizeWebhookRawIsValidUTF8(t *testing.T) {
	for _, body := range []string{
		"\xef\xbb\xbf" + strings.Replace(brokenBody, "Cleanup", "Clean\xffup", 1),
		strings.Replace(string(fixtures.Read("tactical-check-trigger.json")), "SRV-01", "SRV-\xff", 1),
	} {
		ev, err := NormalizeWebhook([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if !json.Valid(ev.Raw) || !utf8.Valid(ev.Raw) || ev.ExternalAlertID == "" {
			t.Errorf("raw = %q", ev.Raw)
		}
	}
}
