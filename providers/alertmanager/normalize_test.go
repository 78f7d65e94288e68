package alertmanager

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/event"
)

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/webhook-firing.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNormalizeFixture(t *testing.T) {
	b, err := Normalize(fixture(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || b.Truncated != 0 {
		t.Fatalf("items %d truncated %d", len(b.Items), b.Truncated)
	}
	it := b.Items[0]
	if it.Err != nil {
		t.Fatal(it.Err)
	}
	ev := it.Event
	want := event.Event{
		Provider: event.Alertmanager, Kind: event.Triggered,
		ExternalAlertID: "5c3a1f0e8d2b7a61", ExternalDeviceID: "srv-01.contoso.lan:9100", DeviceName: "srv-01.contoso.lan:9100",
		ConditionIdentity: "NodeFilesystemSpaceFillingUp", AlertClass: "NodeFilesystemSpaceFillingUp", SourceType: "node",
		Severity: event.Moderate, OccurredAt: time.Date(2026, 6, 12, 10, 0, 0, 123e6, time.UTC),
	}
	if ev.Provider != want.Provider || ev.Kind != want.Kind || ev.ExternalAlertID != want.ExternalAlertID ||
		ev.ExternalDeviceID != want.ExternalDeviceID || ev.DeviceName != want.DeviceName ||
		ev.ConditionIdentity != want.ConditionIdentity || ev.AlertClass != want.AlertClass ||
		ev.SourceType != want.SourceType || ev.Severity != want.Severity || !ev.OccurredAt.Equal(want.OccurredAt) {
		t.Errorf("event\n%+v\nwant\n%+v", ev, want)
	}
	if !strings.HasPrefix(ev.Message, "Filesystem is predicted") || !strings.Contains(ev.Message, "\nFilesystem on /dev/sda1") {
		t.Errorf("message %q", ev.Message)
	}
	if it.Ref != "5c3a1f0e8d2b7a61" || ev.Extra["generatorURL"] == "" || ev.Extra["receiver"] != "alertdesk" {
		t.Errorf("ref %q extra %v", it.Ref, ev.Extra)
	}
	var raw struct {
		Receiver string `json:"receiver"`
		Alert    struct {
			Fingerprint string `json:"fingerprint"`
		} `json:"alert"`
	}
	if err := json.Unmarshal(ev.Raw, &raw); err != nil || raw.Receiver != "alertdesk" || raw.Alert.Fingerprint != "5c3a1f0e8d2b7a61" {
		t.Errorf("raw %s: %v", ev.Raw, err)
	}
	if ev.Validate() != nil {
		t.Errorf("invalid: %v", ev.Validate())
	}
}

// alertJSON is one alert of a notification, with label overrides.
func body(alerts ...string) []byte {
	return []byte(`{"version":"4","status":"firing","receiver":"r","alerts":[` + strings.Join(alerts, ",") + `]}`)
}

func TestNormalizeAlerts(t *testing.T) {
	const starts = `"startsAt":"2026-06-12T10:00:00Z"`
	cases := []struct {
		name   string
		alert  string
		labels []string
		check  func(event.Event) bool
		err    string
	}{
		{"resolved uses endsAt", `{"status":"resolved","fingerprint":"f",` + starts + `,"endsAt":"2026-06-12T11:00:00Z","labels":{"alertname":"A"}}`, nil,
			func(e event.Event) bool { return e.Kind == event.Reset && e.OccurredAt.Hour() == 11 }, ""},
		{"resolved without endsAt", `{"status":"RESOLVED","fingerprint":"f",` + starts + `}`, nil,
			func(e event.Event) bool { return e.Kind == event.Reset && e.OccurredAt.Hour() == 10 }, ""},
		{"status from the notification", `{"fingerprint":"f",` + starts + `}`, nil,
			func(e event.Event) bool { return e.Kind == event.Triggered }, ""},
		{"condition labels sorted, missing empty", `{"status":"firing","fingerprint":"f",` + starts + `,"labels":{"alertname":"A","job":"node","a":"x\"y"}}`,
			[]string{"job", "mountpoint", "a", "job"},
			func(e event.Event) bool { return e.ConditionIdentity == `A{a="x\"y",job="node",mountpoint=""}` }, ""},
		{"severity critical", `{"status":"firing","fingerprint":"f",` + starts + `,"labels":{"severity":"Critical"}}`, nil,
			func(e event.Event) bool { return e.Severity == event.Critical }, ""},
		{"no annotations: message is the name", `{"status":"firing","fingerprint":"f",` + starts + `,"labels":{"alertname":"Down"}}`, nil,
			func(e event.Event) bool { return e.Message == "Down" && e.ExternalDeviceID == "" }, ""},
		{"missing fingerprint", `{"status":"firing",` + starts + `}`, nil, nil, "missing fingerprint"},
		{"unknown status", `{"status":"pending","fingerprint":"f",` + starts + `}`, nil, nil, "neither firing nor resolved"},
		{"bad time", `{"status":"firing","fingerprint":"f","startsAt":"yesterday"}`, nil, nil, "startsAt"},
		{"zero start", `{"status":"firing","fingerprint":"f","startsAt":"0001-01-01T00:00:00Z"}`, nil, nil, "missing startsAt"},
		{"labels not strings", `{"status":"firing","fingerprint":"f",` + starts + `,"labels":{"a":1}}`, nil, nil, "alerts[0]"},
		{"not an object", `42`, nil, nil, "alerts[0]"},
	}
	for _, c := range cases {
		b, err := Normalize(body(c.alert), c.labels)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		it := b.Items[0]
		switch {
		case c.err != "" && (it.Err == nil || !strings.Contains(it.Err.Error(), c.err)):
			t.Errorf("%s: error %v, want %q", c.name, it.Err, c.err)
		case c.err == "" && it.Err != nil:
			t.Errorf("%s: %v", c.name, it.Err)
		case c.err == "" && !c.check(it.Event):
			t.Errorf("%s: event %+v", c.name, it.Event)
		}
	}
}

func TestNormalizeBatchKeepsGoodAlerts(t *testing.T) {
	b, err := Normalize(body(`{"status":"firing"}`, `{"status":"firing","fingerprint":"g","startsAt":"2026-06-12T10:00:00Z"}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Items) != 2 || b.Items[0].Err == nil || b.Items[1].Err != nil || b.Items[1].Index != 1 || b.Items[1].Event.ExternalAlertID != "g" {
		t.Fatalf("items %+v", b.Items)
	}
}

func TestNormalizeRefusesNonNotifications(t *testing.T) {
	for _, s := range []string{"", "null", "[]", "{}", `{"alerts":{}}`, `{"alerts":[]} {}`, "not json"} {
		if _, err := Normalize([]byte(s), nil); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	b, err := Normalize([]byte(`{"alerts":[],"truncatedAlerts":3}`), nil)
	if err != nil || len(b.Items) != 0 || b.Truncated != 3 {
		t.Errorf("empty notification: %+v %v", b, err)
	}
}

func TestSeverity(t *testing.T) {
	for in, want := range map[string]event.Severity{"critical": event.Critical, "PAGE": event.Critical, "error": event.Major,
		"warning": event.Moderate, " info ": event.Minor, "none": event.None, "": event.None, "whatever": event.None} {
		if got := Severity(in); got != want {
			t.Errorf("Severity(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestValidateConditionLabels(t *testing.T) {
	for _, ok := range [][]string{nil, {"job"}, {"job", "mountpoint", "_x9"}} {
		if err := ValidateConditionLabels(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	many := make([]string, MaxConditionLabels+1)
	for i := range many {
		many[i] = "l" + strings.Repeat("x", i)
	}
	for _, bad := range [][]string{{"9job"}, {"job-name"}, {""}, {"__name__"}, {"alertname"}, {"instance"}, {"job", "job"}, many} {
		if err := ValidateConditionLabels(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
