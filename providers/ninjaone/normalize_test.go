package ninjaone

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
)

const (
	seriesUID = "e6b0b0bd-5753-445d-9e4a-71c08983cbd5"
	condUID   = "205b85b2-8a12-4123-834f-164be08b3314"
)

// mutate decodes the triggered fixture, applies f and re-encodes it.
func mutate(t testing.TB, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(fixtures.Read("ninjaone-condition-triggered.json"), &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNormalizeWebhook(t *testing.T) {
	trig := time.Unix(1742391675, 556_000_000).UTC()
	tests := []struct {
		name     string
		body     []byte
		kind     event.Kind
		device   string
		org      string
		severity event.Severity
		at       time.Time
		ackBy    string
		message  string
		devName  string
		class    string
		extra    map[string]string
	}{
		{
			name: "fixture triggered", body: fixtures.Read("ninjaone-condition-triggered.json"),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
			message: "Memory Utilization is greater than or equal to 80% for 5 minutes",
			devName: "SRV-01", class: "vmm_cond_memory_usage_ge",
			extra: map[string]string{"activityId": "177210", "sourceName": "Memory > 80%", "priority": "HIGH", "organizationName": "Contoso", "locationId": "2"},
		},
		{
			name: "fixture reset", body: fixtures.Read("ninjaone-condition-reset.json"),
			kind: event.Reset, device: "7", org: "2", severity: event.Major,
			at:      time.Unix(1742392275, 101_000_000).UTC(),
			message: "Memory Utilization is greater than or equal to 80% for 5 minutes",
			devName: "SRV-01", class: "vmm_cond_memory_usage_ge",
			extra: map[string]string{"activityId": "177305", "sourceName": "Memory > 80%", "priority": "HIGH"},
		},
		{
			name: "fixture acknowledged", body: fixtures.Read("ninjaone-condition-acknowledged.json"),
			kind: event.Acknowledged, device: "7", org: "2", severity: event.None,
			at: time.Unix(1742391900, 0).UTC(), ackBy: "12", message: "Memory > 80%",
			extra: map[string]string{"activityId": "177240", "sourceName": "Memory > 80%"},
		},
		{
			name: "lower-case statusCode and activityType",
			body: mutate(t, func(m map[string]any) { m["statusCode"] = "triggered"; m["activityType"] = "condition" }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "reset by PSA callback",
			body: mutate(t, func(m map[string]any) { m["statusCode"] = "Reset_By_PSA_Ticket_Callback" }),
			kind: event.Reset, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "ids as strings",
			body: mutate(t, func(m map[string]any) {
				m["deviceId"] = "7"
				m["device"].(map[string]any)["organizationId"] = "2"
			}),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "device id only in device object",
			body: mutate(t, func(m map[string]any) { delete(m, "deviceId") }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "activityTime in milliseconds",
			body: mutate(t, func(m map[string]any) { m["activityTime"] = json.Number("1742391675556") }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "activityTime as ISO string with offset",
			body: mutate(t, func(m map[string]any) { m["activityTime"] = "2025-03-19T14:41:15.556+01:00" }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "activityTime as numeric string",
			body: mutate(t, func(m map[string]any) { m["activityTime"] = "1742391675.556" }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Major, at: trig,
		},
		{
			name: "missing severity",
			body: mutate(t, func(m map[string]any) { delete(m, "severity") }),
			kind: event.Triggered, device: "7", org: "2", severity: event.None, at: trig,
		},
		{
			name: "lower-case severity",
			body: mutate(t, func(m map[string]any) { m["severity"] = "critical" }),
			kind: event.Triggered, device: "7", org: "2", severity: event.Critical, at: trig,
		},
		{
			name: "no device: org unknown, message falls back to subject",
			body: mutate(t, func(m map[string]any) {
				delete(m, "device")
				delete(m, "message")
				m["subject"] = "Memory high"
			}),
			kind: event.Triggered, device: "7", org: "", severity: event.Major, at: trig, message: "Memory high",
		},
		{
			name: "device of unexpected shape is ignored",
			body: mutate(t, func(m map[string]any) { m["device"] = "SRV-01"; m["data"] = []int{1} }),
			kind: event.Triggered, device: "7", org: "", severity: event.Major, at: trig,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NormalizeWebhook(tt.body)
			if err != nil {
				t.Fatalf("NormalizeWebhook: %v", err)
			}
			if err := ev.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if ev.Provider != event.NinjaOne || ev.Kind != tt.kind {
				t.Errorf("provider/kind = %s/%s, want ninjaone/%s", ev.Provider, ev.Kind, tt.kind)
			}
			if ev.ExternalAlertID != seriesUID || ev.ConditionIdentity != condUID {
				t.Errorf("alert/condition = %q/%q", ev.ExternalAlertID, ev.ConditionIdentity)
			}
			if ev.ExternalDeviceID != tt.device || ev.ExternalOrganizationID != tt.org {
				t.Errorf("device/org = %q/%q, want %q/%q", ev.ExternalDeviceID, ev.ExternalOrganizationID, tt.device, tt.org)
			}
			if ev.Severity != tt.severity {
				t.Errorf("severity = %s, want %s", ev.Severity, tt.severity)
			}
			if !ev.OccurredAt.Equal(tt.at) || ev.OccurredAt.Location() != time.UTC {
				t.Errorf("occurredAt = %v, want %v UTC", ev.OccurredAt, tt.at)
			}
			if ev.AcknowledgedBy != tt.ackBy {
				t.Errorf("acknowledgedBy = %q, want %q", ev.AcknowledgedBy, tt.ackBy)
			}
			if ev.ActivityType != "CONDITION" {
				t.Errorf("activityType = %q", ev.ActivityType)
			}
			if tt.message != "" && ev.Message != tt.message {
				t.Errorf("message = %q, want %q", ev.Message, tt.message)
			}
			if tt.devName != "" && ev.DeviceName != tt.devName {
				t.Errorf("deviceName = %q, want %q", ev.DeviceName, tt.devName)
			}
			if tt.class != "" && ev.AlertClass != tt.class {
				t.Errorf("alertClass = %q, want %q", ev.AlertClass, tt.class)
			}
			if tt.extra != nil && !equalMaps(ev.Extra, tt.extra) {
				t.Errorf("extra = %v, want %v", ev.Extra, tt.extra)
			}
			if string(ev.Raw) != strings.TrimSpace(string(tt.body)) {
				t.Errorf("raw differs from body")
			}
			if ev.TenantID != 0 || ev.IntegrationID != 0 || ev.Origin != "" {
				t.Errorf("tenant/integration/origin must be left to the receiver")
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
	for name, body := range map[string][]byte{
		"fixture non-alert activity": fixtures.Read("ninjaone-non-alert-activity.json"),
		"condition disabled":         mutate(t, func(m map[string]any) { m["statusCode"] = "DISABLED" }),
		"evaluation failure":         mutate(t, func(m map[string]any) { m["statusCode"] = "EVALUATION_FAILURE" }),
		"actionset activity":         mutate(t, func(m map[string]any) { m["activityType"] = "ACTIONSET" }),
		"non-alert without seriesUid": mutate(t, func(m map[string]any) {
			m["activityType"] = "PATCH_MANAGEMENT"
			delete(m, "seriesUid")
		}),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NormalizeWebhook(body)
			if !errors.Is(err, event.ErrIgnored) {
				t.Fatalf("err = %v, want ErrIgnored", err)
			}
		})
	}
}

func TestNormalizeWebhookMalformed(t *testing.T) {
	trig := string(fixtures.Read("ninjaone-condition-triggered.json"))
	for name, body := range map[string]string{
		"empty":              "",
		"whitespace":         " \n",
		"null":               "null",
		"array":              "[]",
		"empty object":       "{}",
		"string":             `"TRIGGERED"`,
		"truncated":          trig[:len(trig)/2],
		"trailing garbage":   trig + "}",
		"missing seriesUid":  string(mutate(t, func(m map[string]any) { delete(m, "seriesUid") })),
		"missing time":       string(mutate(t, func(m map[string]any) { delete(m, "activityTime") })),
		"null time":          string(mutate(t, func(m map[string]any) { m["activityTime"] = nil })),
		"bad time":           string(mutate(t, func(m map[string]any) { m["activityTime"] = "yesterday" })),
		"zero time":          string(mutate(t, func(m map[string]any) { m["activityTime"] = 0 })),
		"huge time":          string(mutate(t, func(m map[string]any) { m["activityTime"] = 1e300 })),
		"missing statusCode": string(mutate(t, func(m map[string]any) { delete(m, "statusCode") })),
		"missing type":       string(mutate(t, func(m map[string]any) { delete(m, "activityType") })),
		"object as id":       string(mutate(t, func(m map[string]any) { m["seriesUid"] = map[string]any{} })),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NormalizeWebhook([]byte(body))
			if err == nil || errors.Is(err, event.ErrIgnored) {
				t.Fatalf("err = %v, want a malformed-payload error", err)
			}
		})
	}
}

func TestNormalizeAlertsList(t *testing.T) {
	evs, err := NormalizeAlertsList(fixtures.Read("ninjaone-alerts-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		uid, device, cond, source, class, message string
		at                                        time.Time
	}{
		{seriesUID, "7", condUID, "CONDITION_AGENT_MEMORY", "vmm_cond_memory_usage_ge",
			"Memory Utilization is greater than or equal to 80% for 5 minutes", time.Unix(1742391675, 556_000_000).UTC()},
		{"0c1f7a52-3d2e-4b8f-9a61-5f2d8e7c4b10", "9", "9b3c2d1e-0f4a-4b5c-8d7e-6f5a4b3c2d1e", "AGENT_OFFLINE", "",
			"Agent offline for 15 minutes", time.Unix(1742390000, 0).UTC()},
	}
	if len(evs) != len(want) {
		t.Fatalf("got %d events, want %d", len(evs), len(want))
	}
	for i, w := range want {
		ev := evs[i]
		if err := ev.Validate(); err != nil {
			t.Errorf("%d: Validate: %v", i, err)
		}
		if ev.Provider != event.NinjaOne || ev.Kind != event.Triggered || ev.Severity != event.None {
			t.Errorf("%d: provider/kind/severity = %s/%s/%s", i, ev.Provider, ev.Kind, ev.Severity)
		}
		if ev.ExternalAlertID != w.uid || ev.ExternalDeviceID != w.device || ev.ConditionIdentity != w.cond {
			t.Errorf("%d: ids = %q %q %q", i, ev.ExternalAlertID, ev.ExternalDeviceID, ev.ConditionIdentity)
		}
		if ev.SourceType != w.source || ev.AlertClass != w.class || ev.Message != w.message {
			t.Errorf("%d: source/class/message = %q %q %q", i, ev.SourceType, ev.AlertClass, ev.Message)
		}
		if ev.ExternalOrganizationID != "" {
			t.Errorf("%d: org = %q, want unknown", i, ev.ExternalOrganizationID)
		}
		if !ev.OccurredAt.Equal(w.at) || ev.OccurredAt.Location() != time.UTC {
			t.Errorf("%d: occurredAt = %v, want %v", i, ev.OccurredAt, w.at)
		}
		var entry map[string]any
		if err := json.Unmarshal(ev.Raw, &entry); err != nil || entry["uid"] != w.uid {
			t.Errorf("%d: raw is not the entry: %s", i, ev.Raw)
		}
	}
}

func TestNormalizeAlertsListTimes(t *testing.T) {
	evs, err := NormalizeAlertsList([]byte(`[{"uid":"a","deviceId":"7","createTime":1742390000,"updateTime":null},
		{"uid":"b","deviceId":7,"createTime":1742390000,"updateTime":"2025-03-19T14:00:00Z"}]`))
	if err != nil {
		t.Fatal(err)
	}
	if got := evs[0].OccurredAt; !got.Equal(time.Unix(1742390000, 0)) {
		t.Errorf("createTime fallback: %v", got)
	}
	if got := evs[1].OccurredAt; !got.Equal(time.Date(2025, 3, 19, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("updateTime preferred: %v", got)
	}
}

func TestNormalizeAlertsListEmpty(t *testing.T) {
	evs, err := NormalizeAlertsList([]byte(" [ ] "))
	if err != nil || evs == nil || len(evs) != 0 {
		t.Fatalf("got %v, %v; want empty slice, nil", evs, err)
	}
}

func TestNormalizeAlertsListMalformed(t *testing.T) {
	list := string(fixtures.Read("ninjaone-alerts-list.json"))
	for name, body := range map[string]string{
		"empty":          "",
		"null":           "null",
		"object":         "{}",
		"error object":   `{"resultCode":"FAILURE","errorMessage":"Unauthorized"}`,
		"truncated":      list[:len(list)/2],
		"entry not obj":  `[1]`,
		"null entry":     `[null]`,
		"missing uid":    `[{"deviceId":7,"createTime":1742390000}]`,
		"missing time":   `[{"uid":"x","deviceId":7}]`,
		"one bad of two": `[{"uid":"x","deviceId":7,"createTime":1742390000},{"deviceId":7}]`,
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
	list, err := NormalizeAlertsList(fixtures.Read("ninjaone-alerts-list.json"))
	if err != nil {
		t.Fatal(err)
	}
	var polled *event.Event
	for i := range list {
		if list[i].ExternalAlertID == seriesUID {
			polled = &list[i]
		}
	}
	if polled == nil {
		t.Fatal("alert not in list")
	}
	for _, name := range []string{"ninjaone-condition-triggered.json", "ninjaone-condition-reset.json", "ninjaone-condition-acknowledged.json"} {
		ev, err := NormalizeWebhook(fixtures.Read(name))
		if err != nil {
			t.Fatal(err)
		}
		if ev.DedupKey() != polled.DedupKey() || ev.ExternalAlertID != polled.ExternalAlertID {
			t.Errorf("%s: key %q / alert %q, poller %q / %q", name, ev.DedupKey(), ev.ExternalAlertID, polled.DedupKey(), polled.ExternalAlertID)
		}
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2025, 3, 19, 13, 41, 15, 556_000_000, time.UTC)
	for _, in := range []string{
		`1742391675.556`, `1742391675556`, `1742391675556.0`, `"1742391675.556"`, `1.742391675556e9`,
		`"2025-03-19T13:41:15.556Z"`, `"2025-03-19 13:41:15.556+00:00"`, `"2025-03-19T13:41:15.556"`,
		`"2025-03-19T09:41:15.556-04:00"`,
	} {
		got, err := parseTime(json.RawMessage(in))
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTime(%s) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{``, `null`, `""`, `"x"`, `-5`, `true`, `{}`, `1e400`, `"0001-01-01T00:00:00Z"`, `"NaN"`} {
		if got, err := parseTime(json.RawMessage(in)); err == nil {
			t.Errorf("parseTime(%s) = %v, want error", in, got)
		}
	}
}

func TestNormalizeWebhookRaw(t *testing.T) {
	body := fixtures.Read("ninjaone-condition-triggered.json")
	ev, err := NormalizeWebhook(append([]byte("\xef\xbb\xbf\n"), body...))
	if err != nil {
		t.Fatal(err)
	}
	if string(ev.Raw) != strings.TrimSpace(string(body)) {
		t.Errorf("raw = %s, want the body without BOM", ev.Raw)
	}
	body[0] = 'X' // Raw must not alias the caller's buffer
	if ev.Raw[0] != '{' {
		t.Error("raw aliases the body")
	}

	bad := mutate(t, func(m map[string]any) { m["message"] = "x" })
	bad = []byte(strings.Replace(string(bad), `"message":"x"`, "\"message\":\"\xff\"", 1))
	ev, err = NormalizeWebhook(bad)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(ev.Raw, &m); err != nil || m["message"] != "\uFFFD" || m["seriesUid"] != seriesUID {
		t.Errorf("invalid UTF-8 not re-encoded: %s", ev.Raw)
	}
}
