package health

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEvaluate(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	th := Thresholds{PollErrorAfter: 3, WebhookMissedPolls: 2, ExpiringWithin: 72 * time.Hour}
	earlier := Report{State: Healthy, Reasons: []Reason{}, Since: now.Add(-48 * time.Hour)}

	cases := []struct {
		name  string
		o     Observations
		prev  Report
		state State
		codes []Code
		since time.Time // of the first reason, when any
	}{
		{name: "nothing observed", o: Observations{Polled: true}, prev: earlier, state: Healthy},
		{name: "one poll failure is not yet failing", o: Observations{Polled: true, PollFailures: 2, PollFailingSince: at(-time.Hour)}, prev: earlier, state: Healthy},
		{name: "polls failing", o: Observations{Polled: true, PollFailures: 3, PollFailingSince: at(-time.Hour), LastPollError: "fetch: 502"},
			prev: earlier, state: Failing, codes: []Code{PollFailing}, since: now.Add(-time.Hour)},
		{name: "credentials rejected", o: Observations{Polled: true, PollFailures: 1, CredentialsRejectedAt: at(-time.Minute)},
			prev: earlier, state: Failing, codes: []Code{CredentialsRejected}, since: now.Add(-time.Minute)},
		{name: "rejected and failing: worst first", o: Observations{Polled: true, PollFailures: 4, PollFailingSince: at(-time.Hour), CredentialsRejectedAt: at(-time.Minute), UnmappedAlerts: 1, UnmappedSince: at(-time.Hour)},
			prev: earlier, state: Failing, codes: []Code{CredentialsRejected, PollFailing, UnmappedOrganizations}, since: now.Add(-time.Minute)},
		{name: "one cycle missed by webhooks may be a late webhook", o: Observations{Polled: true, WebhookMissedPolls: 1, WebhookMissedSince: at(-time.Hour)},
			prev: earlier, state: Healthy},
		{name: "webhook silent, never arrived", o: Observations{Polled: true, WebhookMissedPolls: 2, WebhookMissedSince: at(-time.Hour)},
			prev: earlier, state: Degraded, codes: []Code{WebhookSilent}, since: now.Add(-time.Hour)},
		{name: "webhook silent since before the misses", o: Observations{Polled: true, LastWebhookAt: at(-2 * time.Hour), WebhookMissedPolls: 3, WebhookMissedSince: at(-time.Hour)},
			prev: earlier, state: Degraded, codes: []Code{WebhookSilent}, since: now.Add(-time.Hour)},
		{name: "a webhook after the misses began recovers", o: Observations{Polled: true, LastWebhookAt: at(-time.Minute), WebhookMissedPolls: 3, WebhookMissedSince: at(-time.Hour)},
			prev: earlier, state: Healthy},
		{name: "webhooks of an integration that does not poll are not checked", o: Observations{WebhookMissedPolls: 3, WebhookMissedSince: at(-time.Hour)},
			prev: earlier, state: Healthy},
		{name: "credentials expiring", o: Observations{Polled: true, CredentialsExpireAt: at(48 * time.Hour)},
			prev: earlier, state: Degraded, codes: []Code{CredentialsExpiring}, since: now},
		{name: "credentials expiring keeps its since", o: Observations{Polled: true, CredentialsExpireAt: at(24 * time.Hour)},
			prev:  Report{State: Degraded, Reasons: []Reason{{Code: CredentialsExpiring, Since: now.Add(-24 * time.Hour)}}, Since: now.Add(-24 * time.Hour)},
			state: Degraded, codes: []Code{CredentialsExpiring}, since: now.Add(-24 * time.Hour)},
		{name: "credentials expiring later are fine", o: Observations{Polled: true, CredentialsExpireAt: at(30 * 24 * time.Hour)}, prev: earlier, state: Healthy},
		{name: "rejected credentials are not also expiring", o: Observations{Polled: true, CredentialsExpireAt: at(-time.Hour), CredentialsRejectedAt: at(-time.Minute)},
			prev: earlier, state: Failing, codes: []Code{CredentialsRejected}, since: now.Add(-time.Minute)},
		{name: "unmapped organizations", o: Observations{Polled: true, UnmappedAlerts: 4, UnmappedOrganizations: 2, UnmappedSince: at(-3 * time.Hour)},
			prev: earlier, state: Degraded, codes: []Code{UnmappedOrganizations}, since: now.Add(-3 * time.Hour)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Evaluate(c.o, c.prev, th, now)
			if r.State != c.state {
				t.Errorf("state = %s, want %s (reasons %v)", r.State, c.state, r.Reasons)
			}
			if got := r.Codes(); !slices.Equal(got, c.codes) && (len(got) > 0 || len(c.codes) > 0) {
				t.Errorf("codes = %v, want %v", got, c.codes)
			}
			if len(r.Reasons) > 0 {
				if !r.Reasons[0].Since.Equal(c.since) {
					t.Errorf("since = %v, want %v", r.Reasons[0].Since, c.since)
				}
				if r.Reasons[0].Message == "" {
					t.Error("reason without a message")
				}
			}
			wantSince := now
			if c.state == c.prev.State {
				wantSince = c.prev.Since
			}
			if !r.Since.Equal(wantSince) {
				t.Errorf("report since = %v, want %v", r.Since, wantSince)
			}
			if r.Reasons == nil {
				t.Error("reasons nil, want empty")
			}
		})
	}
}

func TestEvaluatePollFailingMessage(t *testing.T) {
	now := time.Now()
	r := Evaluate(Observations{PollFailures: 5, LastPollError: "fetch active alerts: 503"}, Report{}, Thresholds{}, now)
	if r.State != Failing || !strings.Contains(r.Reasons[0].Message, "5 poll cycles") || !strings.Contains(r.Reasons[0].Message, "503") {
		t.Fatalf("report = %+v", r)
	}
	// Without a start of its own, the reason starts now.
	if !r.Reasons[0].Since.Equal(now.UTC()) {
		t.Errorf("since = %v, want now", r.Reasons[0].Since)
	}
}

func TestChanged(t *testing.T) {
	now := time.Now()
	r := func(s State, cs ...Code) Report {
		out := Report{State: s}
		for _, c := range cs {
			out.Reasons = append(out.Reasons, Reason{Code: c, Message: string(c), Since: now})
		}
		return out
	}
	moved := r(Failing, PollFailing)
	moved.Reasons[0].Message, moved.Reasons[0].Since = "4 cycles", now.Add(time.Hour)
	cases := []struct {
		name       string
		prev, next Report
		want       bool
	}{
		{"healthy stays", r(Healthy), Report{State: Healthy, Reasons: []Reason{}}, false},
		{"to failing", r(Healthy), r(Failing, PollFailing), true},
		{"message and since move", r(Failing, PollFailing), moved, false},
		{"reason added, same state", r(Degraded, WebhookSilent), r(Degraded, WebhookSilent, UnmappedOrganizations), true},
		{"reason swapped, same state", r(Failing, PollFailing), r(Failing, CredentialsRejected), true},
		{"recovery", r(Degraded, UnmappedOrganizations), r(Healthy), true},
	}
	for _, c := range cases {
		if got := Changed(c.prev, c.next); got != c.want {
			t.Errorf("%s: Changed = %v, want %v", c.name, got, c.want)
		}
	}
}
