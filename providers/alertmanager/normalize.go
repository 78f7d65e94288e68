// Package alertmanager turns Prometheus Alertmanager webhook notifications
// (payload version 4) into normalized alert events, one per alert of the
// notification.
//
// Alertmanager has no API alertdesk calls: nothing is connected, polled
// or reset in it (providers.CapabilitiesOf says so). An alert resolves
// when Alertmanager sends it resolved.
package alertmanager

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/internal/lenient"
)

// notification is Alertmanager's webhook body. Alerts are decoded one by
// one, so that one malformed alert does not lose the others.
type notification struct {
	Version         string            `json:"version"`
	GroupKey        string            `json:"groupKey"`
	TruncatedAlerts int               `json:"truncatedAlerts"`
	Status          string            `json:"status"`
	Receiver        string            `json:"receiver"`
	ExternalURL     string            `json:"externalURL"`
	CommonLabels    map[string]string `json:"commonLabels"`
	Alerts          []json.RawMessage `json:"alerts"`
}

// alert is one element of alerts[].
type alert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     string            `json:"startsAt"`
	EndsAt       string            `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

// Normalize turns a notification into events. conditionLabels are the
// label names that, after alertname, make the condition identity. An
// error means the body is no notification at all; an alert that cannot be
// an event is an item with Err set, and the others are still events.
func Normalize(body []byte, conditionLabels []string) (event.Batch, error) {
	var n notification
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&n); err != nil {
		return event.Batch{}, fmt.Errorf("alertmanager: notification: %w", err)
	}
	if d.More() {
		return event.Batch{}, errors.New("alertmanager: notification: data after the JSON object")
	}
	if n.Alerts == nil {
		return event.Batch{}, errors.New("alertmanager: notification: missing alerts")
	}
	// The setting is validated when saved; a name that is no label name
	// (none can match) is left out rather than written into the identity.
	labels := slices.DeleteFunc(slices.Clone(conditionLabels), func(l string) bool { return !labelName.MatchString(l) })
	slices.Sort(labels) // the identity does not depend on the setting's order
	labels = slices.Compact(labels)
	// truncatedAlerts: alerts beyond the receiver's max_alerts, not sent.
	b := event.Batch{Items: make([]event.BatchItem, 0, len(n.Alerts)), Truncated: max(n.TruncatedAlerts, 0)}
	for i, raw := range n.Alerts {
		item := event.BatchItem{Index: i}
		var a alert
		if err := json.Unmarshal(raw, &a); err != nil {
			item.Err = fmt.Errorf("alertmanager: alerts[%d]: %w", i, err)
		} else {
			item.Ref = a.Fingerprint
			item.Event, item.Err = normalizeAlert(n, a, raw, labels)
			if item.Err != nil {
				item.Err = fmt.Errorf("alertmanager: alerts[%d]: %w", i, item.Err)
			}
		}
		b.Items = append(b.Items, item)
	}
	return b, nil
}

// kinds maps an alert's status; Alertmanager sends only these two.
var kinds = map[string]event.Kind{
	"firing":   event.Triggered,
	"resolved": event.Reset,
}

func normalizeAlert(n notification, a alert, raw json.RawMessage, conditionLabels []string) (event.Event, error) {
	if a.Fingerprint == "" {
		return event.Event{}, errors.New("missing fingerprint")
	}
	status := a.Status
	if status == "" {
		status = n.Status // the notification's status, when an alert lacks its own
	}
	kind, ok := kinds[strings.ToLower(strings.TrimSpace(status))]
	if !ok {
		return event.Event{}, fmt.Errorf("status %.40q is neither firing nor resolved", status)
	}
	// A firing alert happened when it started; a resolved one when it
	// ended (startsAt only when endsAt is missing).
	at, err := parseTime(a.StartsAt)
	if err != nil {
		return event.Event{}, fmt.Errorf("startsAt: %w", err)
	}
	if kind == event.Reset {
		if end, err := parseTime(a.EndsAt); err == nil && !end.IsZero() {
			at = end
		}
	}
	if at.IsZero() {
		return event.Event{}, errors.New("missing startsAt")
	}
	name := a.Labels["alertname"]
	instance := a.Labels["instance"]
	ev := event.Event{
		Provider:          event.Alertmanager,
		Kind:              kind,
		ExternalAlertID:   a.Fingerprint,
		ExternalDeviceID:  instance,
		DeviceName:        instance,
		ConditionIdentity: condition(name, a.Labels, conditionLabels),
		AlertClass:        name,
		SourceType:        a.Labels["job"],
		Severity:          Severity(a.Labels["severity"]),
		Message:           message(name, a.Annotations),
		OccurredAt:        at,
		Extra:             map[string]string{"fingerprint": a.Fingerprint},
		Raw:               rawOf(n, lenient.RawJSON(raw)),
	}
	setIf(ev.Extra, "generatorURL", a.GeneratorURL)
	setIf(ev.Extra, "receiver", n.Receiver)
	setIf(ev.Extra, "externalURL", n.ExternalURL)
	setIf(ev.Extra, "severityLabel", a.Labels["severity"])
	return ev, nil
}

// condition is the alert's condition: alertname and the configured labels
// in Prometheus' selector syntax (alertname{job="node",mountpoint="/"}).
// A configured label the alert lacks counts as empty, as in PromQL.
func condition(name string, labels map[string]string, conditionLabels []string) string {
	if len(conditionLabels) == 0 {
		return name
	}
	var b strings.Builder
	b.WriteString(name)
	b.WriteByte('{')
	for i, l := range conditionLabels {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(l)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(labels[l]))
	}
	b.WriteByte('}')
	return b.String()
}

// message is the summary annotation and the description under it, else
// whichever exists, else the alert's name.
func message(name string, annotations map[string]string) string {
	summary := strings.TrimSpace(annotations["summary"])
	description := strings.TrimSpace(annotations["description"])
	switch {
	case summary != "" && description != "":
		return summary + "\n" + description
	case summary != "":
		return summary
	case description != "":
		return description
	}
	return name
}

// parseTime reads Alertmanager's RFC 3339 times; Go's zero time
// ("0001-01-01T00:00:00Z", a firing alert's endsAt) and an empty string
// are the zero time.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	if t.Year() <= 1 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

// rawOf is what an alert keeps of its notification: the alert itself and
// the notification's receiver, group and external URL, not its siblings.
func rawOf(n notification, raw json.RawMessage) json.RawMessage {
	out, err := json.Marshal(struct {
		Version     string          `json:"version,omitempty"`
		Receiver    string          `json:"receiver,omitempty"`
		GroupKey    string          `json:"groupKey,omitempty"`
		ExternalURL string          `json:"externalURL,omitempty"`
		Alert       json.RawMessage `json:"alert"`
	}{n.Version, n.Receiver, n.GroupKey, n.ExternalURL, raw})
	if err != nil {
		return nil
	}
	return out
}

func setIf(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}
