package worker

import (
	"maps"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/outbox"
)

// TestResetEventKeepsDedupKey: a synthesized reset takes the same
// condition lock as the alert's own events.
func TestResetEventKeepsDedupKey(t *testing.T) {
	cases := []event.Event{
		{ExternalAlertID: "a1", ExternalDeviceID: "7", ConditionIdentity: "205b85b2"},
		{ExternalAlertID: "a1", ExternalDeviceID: "7", AlertClass: "check"},
		{ExternalAlertID: "a1", ExternalDeviceID: "7"},
		{ExternalAlertID: "a1", ConditionIdentity: "check:88"},
		{ExternalAlertID: "a|1", ExternalDeviceID: "dev|ice", ConditionIdentity: "c|d"},
	}
	for _, ev := range cases {
		a := &ent.Alert{TenantID: 1, IntegrationID: 2, Provider: "ninjaone", ExternalAlertID: ev.ExternalAlertID,
			ExternalDeviceID: ev.ExternalDeviceID, DedupKey: ev.DedupKey()}
		got := resetEvent(a, OriginPoller, time.Now())
		if got.DedupKey() != a.DedupKey || got.Kind != event.Reset || got.Origin != OriginPoller || got.Validate() != nil {
			t.Errorf("reset of %q: key %q, kind %s, origin %s, %v", a.DedupKey, got.DedupKey(), got.Kind, got.Origin, got.Validate())
		}
	}
}

// with is m and k: v, m unchanged.
func with(m map[string]any, k string, v any) map[string]any {
	out := maps.Clone(m)
	out[k] = v
	return out
}

func TestFeedMessage(t *testing.T) {
	payload := map[string]any{"alertId": float64(5), "integrationId": float64(2), "ticketId": float64(9), "time": "2026-06-12T10:00:00Z", "type": "occurrence"}
	cases := []struct {
		topic, want string
		payload     map[string]any
		bad         bool
	}{
		{outbox.AlertTriggered, feed.Triggered, payload, false},
		{outbox.AlertTriggered, feed.Occurrence, with(payload, "outcome", "joined"), false},
		{outbox.AlertTriggered, feed.Triggered, with(payload, "outcome", "recorded"), false},
		{outbox.AlertResolved, feed.Resolved, payload, false},
		{outbox.AlertFeed, feed.Occurrence, payload, false},
		{outbox.AlertFeed, "", map[string]any{"alertId": float64(5), "type": "bogus"}, true},
		{outbox.AlertFeed, "", map[string]any{"alertId": float64(5)}, true},
	}
	for _, c := range cases {
		m, err := FeedMessage(Entry{ID: 1, TenantID: 3, Topic: c.topic, Payload: c.payload, Created: time.Now()})
		if c.bad {
			if err == nil || !isPermanent(err) {
				t.Errorf("%s %v: err = %v, want a permanent error", c.topic, c.payload, err)
			}
			continue
		}
		if err != nil || m.Type != c.want || m.TenantID != 3 || m.AlertID != 5 || m.IntegrationID != 2 || m.TicketID == nil || *m.TicketID != 9 || m.At == "" {
			t.Errorf("%s: %+v, %v", c.topic, m, err)
		}
	}
	// A ticketless alert has no ticket id.
	m, _ := FeedMessage(Entry{Topic: outbox.AlertTriggered, Payload: map[string]any{"alertId": float64(1), "ticketId": nil}})
	if m.TicketID != nil || m.At == "" {
		t.Errorf("ticketless: %+v", m)
	}
}

func TestRunID(t *testing.T) {
	for _, tc := range []struct{ info, want string }{
		{"# Server\r\nredis_version:7.0.15\r\nrun_id:4f2c0a9e1b\r\ntcp_port:6379\r\n", "4f2c0a9e1b"},
		{"# Clients\nconnected_clients:1\n", ""}, // the embedded server
		{"", ""},
	} {
		if got := runID(tc.info); got != tc.want {
			t.Errorf("runID(%q) = %q, want %q", tc.info, got, tc.want)
		}
	}
}
