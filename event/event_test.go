package event

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDedupKey(t *testing.T) {
	cases := []struct {
		name string
		ev   Event
		want string
	}{
		{"condition identity", Event{ExternalDeviceID: "7", ConditionIdentity: "c1", AlertClass: "x"}, "7|c1"},
		{"falls back to alert class", Event{ExternalDeviceID: "7", AlertClass: "check", ActivityType: "a"}, "7|check"},
		{"then activity type", Event{ExternalDeviceID: "7", ActivityType: "CONDITION", SourceType: "s"}, "7|CONDITION"},
		{"then source type", Event{ExternalDeviceID: "7", SourceType: "AGENT_OFFLINE"}, "7|AGENT_OFFLINE"},
		{"no device: own group", Event{ExternalAlertID: "a1", ConditionIdentity: "c1"}, "alert:a1|c1"},
	}
	for _, c := range cases {
		if got := c.ev.DedupKey(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestCleanRemovesNUL(t *testing.T) {
	ev := Event{Message: "disk\x00full", Extra: map[string]string{"k\x00": "v\x00"}, Raw: json.RawMessage(`{"m":"a\u0000b"}`)}.Clean()
	if ev.Message != "diskfull" || ev.Extra["k"] != "v" || string(ev.Raw) != `{"m":"a\ufffdb"}` {
		t.Errorf("clean = %q %v %s", ev.Message, ev.Extra, ev.Raw)
	}
}

func TestParseSeverityAndValidate(t *testing.T) {
	for in, want := range map[string]Severity{"CRITICAL": Critical, " major ": Major, "Moderate": Moderate, "minor": Minor, "": None, "bogus": None} {
		if got := ParseSeverity(in); got != want {
			t.Errorf("ParseSeverity(%q) = %q, want %q", in, got, want)
		}
	}
	ok := Event{Kind: Triggered, ExternalAlertID: "1", OccurredAt: time.Unix(1, 0)}
	if err := ok.Validate(); err != nil {
		t.Errorf("valid event: %v", err)
	}
	for _, bad := range []Event{{Kind: "x", ExternalAlertID: "1", OccurredAt: time.Unix(1, 0)}, {Kind: Reset, OccurredAt: time.Unix(1, 0)}, {Kind: Reset, ExternalAlertID: "1"}} {
		if bad.Validate() == nil {
			t.Errorf("%+v validated", bad)
		}
	}
}
