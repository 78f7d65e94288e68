// Package health decides an integration's health from what alertdesk
// observes of it: webhooks that stay silent while the poller finds alerts
// they never brought, poll cycles that cannot reach the RMM, credentials
// the RMM rejects or that are about to expire, and organizations that send
// alerts without a mapping. Evaluate is a pure function; the worker
// gathers the observations and stores the verdict (package worker,
// health.go).
package health

import (
	"fmt"
	"slices"
	"time"
)

// State is an integration's overall health.
type State string

const (
	// Healthy: nothing observed needs attention.
	Healthy State = "healthy"
	// Degraded: alerts still arrive, but some are late, unrouted or soon
	// will not arrive (webhook silent, unmapped organizations, credentials
	// expiring).
	Degraded State = "degraded"
	// Failing: alertdesk cannot talk to the RMM (polls failing,
	// credentials rejected).
	Failing State = "failing"
)

// Code names one reason.
type Code string

const (
	WebhookSilent         Code = "webhook_silent"
	PollFailing           Code = "poll_failing"
	CredentialsRejected   Code = "credentials_rejected"
	CredentialsExpiring   Code = "credentials_expiring"
	UnmappedOrganizations Code = "unmapped_organizations"
)

// severity of each code: the state is the worst of its reasons.
var severity = map[Code]State{
	WebhookSilent:         Degraded,
	PollFailing:           Failing,
	CredentialsRejected:   Failing,
	CredentialsExpiring:   Degraded,
	UnmappedOrganizations: Degraded,
}

// order is the order reasons are listed in: worst first.
var order = []Code{CredentialsRejected, PollFailing, WebhookSilent, CredentialsExpiring, UnmappedOrganizations}

// Reason is one thing wrong, with since when.
type Reason struct {
	Code    Code      `json:"code"`
	Message string    `json:"message"`
	Since   time.Time `json:"since"`
}

// Report is an integration's health: its state, why, and since when the
// state has held.
type Report struct {
	State   State
	Reasons []Reason
	Since   time.Time
}

// Thresholds tune Evaluate.
type Thresholds struct {
	// PollErrorAfter failed cycles in a row make POLL_FAILING (the same
	// count that makes the connection state ERROR).
	PollErrorAfter int
	// WebhookMissedPolls cycles in a row that each found alerts no
	// webhook brought, with no webhook since the first, make WEBHOOK_SILENT.
	// One is not enough: a webhook may just be late.
	WebhookMissedPolls int
	// ExpiringWithin: credentials that expire sooner make
	// CREDENTIALS_EXPIRING.
	ExpiringWithin time.Duration
}

// DefaultThresholds are used where none are configured.
var DefaultThresholds = Thresholds{PollErrorAfter: 3, WebhookMissedPolls: 2, ExpiringWithin: 7 * 24 * time.Hour}

// Observations are what is known of an integration at a moment.
type Observations struct {
	// Polled: the integration is connected and polls, so its webhooks can
	// be checked against the poller's findings.
	Polled bool
	// LastWebhookAt is when a webhook last arrived (nil: never).
	LastWebhookAt *time.Time
	// WebhookMissedPolls is how many cycles in a row found alerts that no
	// webhook brought, the first at WebhookMissedSince.
	WebhookMissedPolls int
	WebhookMissedSince *time.Time
	// PollFailures cycles in a row could not reach the RMM, since
	// PollFailingSince; LastPollError says why.
	PollFailures     int
	PollFailingSince *time.Time
	LastPollError    string
	// CredentialsRejectedAt: the RMM refused the credentials (401, or an
	// OAuth invalid_client / invalid_grant) since then; nil once a cycle
	// reaches it.
	CredentialsRejectedAt *time.Time
	// CredentialsExpireAt is when the stored credentials stop working,
	// where the provider says so.
	CredentialsExpireAt *time.Time
	// UnmappedAlerts are live alerts without a ticket from organizations
	// that have no mapping (UnmappedOrganizations of them), the oldest
	// first seen at UnmappedSince.
	UnmappedAlerts        int
	UnmappedOrganizations int
	UnmappedSince         *time.Time
}

// Evaluate turns observations into a report at time now. prev is the
// stored report: a state that holds keeps its since, and so does each
// reason that holds (where the observation has no start of its own).
func Evaluate(o Observations, prev Report, t Thresholds, now time.Time) Report {
	if t.PollErrorAfter <= 0 {
		t.PollErrorAfter = DefaultThresholds.PollErrorAfter
	}
	if t.WebhookMissedPolls <= 0 {
		t.WebhookMissedPolls = DefaultThresholds.WebhookMissedPolls
	}
	if t.ExpiringWithin <= 0 {
		t.ExpiringWithin = DefaultThresholds.ExpiringWithin
	}
	var rs []Reason
	add := func(c Code, since *time.Time, format string, args ...any) {
		s := now
		if since != nil {
			s = *since
		} else if p, ok := prev.reason(c); ok {
			s = p.Since
		}
		rs = append(rs, Reason{Code: c, Message: fmt.Sprintf(format, args...), Since: s.UTC()})
	}

	if o.CredentialsRejectedAt != nil {
		add(CredentialsRejected, o.CredentialsRejectedAt, "the RMM rejects the stored credentials; reconnect the integration")
	}
	if o.PollFailures >= t.PollErrorAfter {
		msg := fmt.Sprintf("%d poll cycles in a row could not reach the RMM", o.PollFailures)
		if o.LastPollError != "" {
			msg += ": " + o.LastPollError
		}
		add(PollFailing, o.PollFailingSince, "%s", msg)
	}
	if o.Polled && o.WebhookMissedPolls >= t.WebhookMissedPolls && o.WebhookMissedSince != nil &&
		(o.LastWebhookAt == nil || o.LastWebhookAt.Before(*o.WebhookMissedSince)) {
		last := "no webhook has ever arrived"
		if o.LastWebhookAt != nil {
			last = "the last webhook arrived at " + o.LastWebhookAt.UTC().Format(time.RFC3339)
		}
		add(WebhookSilent, o.WebhookMissedSince,
			"%d poll cycles in a row found alerts no webhook brought, and %s; check the webhook is registered in the RMM with its URL and secret",
			o.WebhookMissedPolls, last)
	}
	if o.CredentialsExpireAt != nil && o.CredentialsRejectedAt == nil && o.CredentialsExpireAt.Sub(now) < t.ExpiringWithin {
		verb := "expire"
		if !o.CredentialsExpireAt.After(now) {
			verb = "expired"
		}
		add(CredentialsExpiring, nil, "the stored credentials %s at %s; reconnect the integration", verb, o.CredentialsExpireAt.UTC().Format(time.RFC3339))
	}
	if o.UnmappedAlerts > 0 {
		add(UnmappedOrganizations, o.UnmappedSince,
			"%d alert(s) from %d organization(s) without a mapping wait for one; map the organizations", o.UnmappedAlerts, max(o.UnmappedOrganizations, 1))
	}
	slices.SortStableFunc(rs, func(a, b Reason) int { return slices.Index(order, a.Code) - slices.Index(order, b.Code) })

	r := Report{State: Healthy, Reasons: rs}
	for _, x := range rs {
		if rank(severity[x.Code]) > rank(r.State) {
			r.State = severity[x.Code]
		}
	}
	r.Since = now.UTC()
	if r.State == prev.State && !prev.Since.IsZero() {
		r.Since = prev.Since
	}
	if r.Reasons == nil {
		r.Reasons = []Reason{}
	}
	return r
}

func rank(s State) int {
	switch s {
	case Failing:
		return 2
	case Degraded:
		return 1
	}
	return 0
}

func (r Report) reason(c Code) (Reason, bool) {
	for _, x := range r.Reasons {
		if x.Code == c {
			return x, true
		}
	}
	return Reason{}, false
}

// Codes are the report's reason codes, in order.
func (r Report) Codes() []Code {
	out := make([]Code, len(r.Reasons))
	for i, x := range r.Reasons {
		out[i] = x.Code
	}
	return out
}

// Changed reports whether next differs from prev in a way admins are told
// of: another state or another set of reasons. A reason whose message or
// since moves (one more failed cycle) is no change.
func Changed(prev, next Report) bool {
	return prev.State != next.State || !slices.Equal(prev.Codes(), next.Codes())
}
