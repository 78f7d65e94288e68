// Package tacticalrmm turns TacticalRMM alert-action webhook bodies and
// PATCH /alerts/ responses into normalized alert events.
package tacticalrmm

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/providers/internal/lenient"

	"github.com/alertdesk/alertdesk/event"
)

// payload is the documented action body. Every field is optional at this
// level; NormalizeWebhook decides what is required.
type payload struct {
	Event      value `json:"event"`
	AlertID    value `json:"alert_id"`
	AgentID    value `json:"agent_id"`
	Hostname   value `json:"hostname"`
	ClientID   value `json:"client_id"`
	ClientName value `json:"client_name"`
	SiteID     value `json:"site_id"`
	AlertType  value `json:"alert_type"`
	Severity   value `json:"severity"`
	Message    value `json:"message"`
	AlertTime  value `json:"alert_time"`
	CheckID    value `json:"check_id"`
	TaskID     value `json:"task_id"`
	TaskName   value `json:"task_name"`
	Resolved   value `json:"resolved"`
	ResolvedOn value `json:"resolved_on"`
}

// eventKinds maps the body's event to a kind; the synonyms cover
// hand-written templates.
var eventKinds = map[string]event.Kind{
	"trigger":   event.Triggered,
	"triggered": event.Triggered,
	"resolve":   event.Reset,
	"resolved":  event.Reset,
}

// NormalizeWebhook turns one alert-action body into an event. It accepts a
// JSON object, the JSON string literal TacticalRMM sends when the rendered
// body is not JSON, and unescaped bodies, recovering the template's fields.
// Unknown events return an error wrapping event.ErrIgnored; a body with no
// recoverable alert returns any other error.
func NormalizeWebhook(body []byte) (event.Event, error) {
	p, raw, err := decodeWebhook(body)
	if err != nil {
		return event.Event{}, fmt.Errorf("tacticalrmm: webhook: %w", err)
	}
	if p.AlertID == "" {
		return event.Event{}, errors.New("tacticalrmm: webhook: missing alert_id")
	}
	if p.Event == "" {
		return event.Event{}, errors.New("tacticalrmm: webhook: missing event")
	}
	kind, ok := eventKinds[strings.ToLower(string(p.Event))]
	if !ok {
		return event.Event{}, fmt.Errorf("tacticalrmm: event %.40q: %w", p.Event, event.ErrIgnored)
	}

	// A resolve happened at resolved_on; alert_time is its fallback only.
	field, when := "alert_time", p.AlertTime
	if kind == event.Reset {
		field = "resolved_on/alert_time"
		if p.ResolvedOn != "" {
			field, when = "resolved_on", p.ResolvedOn
		}
	}
	at, err := lenient.Time(string(when))
	if err != nil {
		return event.Event{}, fmt.Errorf("tacticalrmm: %s: %w", field, err)
	}

	ev := event.Event{
		Provider:               event.TacticalRMM,
		Kind:                   kind,
		ExternalAlertID:        string(p.AlertID),
		ExternalDeviceID:       string(p.AgentID),
		ConditionIdentity:      condition(string(p.CheckID), string(p.TaskID), string(p.AlertType)),
		AlertClass:             string(p.AlertType),
		Severity:               severity(string(p.Severity)),
		Message:                string(p.Message),
		DeviceName:             string(p.Hostname),
		ExternalOrganizationID: string(p.ClientID),
		OccurredAt:             at,
		Extra:                  map[string]string{},
		Raw:                    raw,
	}
	setIf(ev.Extra, "siteId", p.SiteID)
	setIf(ev.Extra, "clientName", p.ClientName)
	setIf(ev.Extra, "checkId", p.CheckID)
	setIf(ev.Extra, "taskId", p.TaskID)
	setIf(ev.Extra, "taskName", p.TaskName)
	return ev, nil
}

// maxLiteralDepth bounds string-literal unwrapping ("\"{...}\"" twice
// encoded by a proxy still decodes; deeper nesting is not a body).
const maxLiteralDepth = 2

// decodeWebhook finds the payload in body and returns it with the JSON to
// keep as Raw: the body itself, the literal's inner text when that is JSON,
// or else the text as a JSON string.
func decodeWebhook(body []byte) (payload, json.RawMessage, error) {
	var p payload
	text := lenient.TrimBody(body)
	for depth := 0; len(text) > 0 && text[0] == '"' && depth < maxLiteralDepth; depth++ {
		var s string
		if err := json.Unmarshal(text, &s); err != nil {
			return p, nil, fmt.Errorf("broken string literal: %w", err)
		}
		text = lenient.TrimBody([]byte(s))
	}
	switch {
	case len(text) == 0:
		return p, nil, errors.New("empty body")
	case json.Valid(text):
		if text[0] != '{' {
			return p, nil, errors.New("not a JSON object")
		}
		if err := json.Unmarshal(text, &p); err != nil {
			return p, nil, err
		}
		return p, lenient.RawJSON(text), nil
	}
	fields := recoverFields(string(text))
	if len(fields) == 0 {
		return p, nil, errors.New("neither JSON nor the documented template")
	}
	// Re-encoding turns the recovered strings into JSON that value decodes
	// like any other body, "None" included.
	b, err := json.Marshal(fields)
	if err == nil {
		err = json.Unmarshal(b, &p)
	}
	if err != nil {
		return p, nil, fmt.Errorf("recovered fields: %w", err)
	}
	return p, lenient.JSONString(string(text)), nil
}

// listAlert is one entry of the PATCH /alerts/ response.
type listAlert struct {
	ID            value           `json:"id"`
	AgentID       value           `json:"agent_id"`
	Hostname      value           `json:"hostname"`
	Client        value           `json:"client"`
	Site          value           `json:"site"`
	AlertType     value           `json:"alert_type"`
	Severity      value           `json:"severity"`
	Message       value           `json:"message"`
	AlertTime     value           `json:"alert_time"`
	Resolved      value           `json:"resolved"`
	AssignedCheck json.RawMessage `json:"assigned_check"`
	AssignedTask  json.RawMessage `json:"assigned_task"`
}

// NormalizeAlertsList turns a PATCH /alerts/ response into triggered events,
// skipping resolved entries. Anything but a JSON array of well-formed alerts
// is an error, so a failed fetch never reads as "nothing active".
func NormalizeAlertsList(body []byte) ([]event.Event, error) {
	body = lenient.TrimBody(body)
	if len(body) == 0 || body[0] != '[' {
		return nil, errors.New("tacticalrmm: alerts list: not a JSON array")
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, fmt.Errorf("tacticalrmm: alerts list: %w", err)
	}
	events := make([]event.Event, 0, len(entries))
	for i, raw := range entries {
		var a listAlert
		if len(raw) == 0 || raw[0] != '{' {
			return nil, fmt.Errorf("tacticalrmm: alerts list entry %d: not a JSON object", i)
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return nil, fmt.Errorf("tacticalrmm: alerts list entry %d: %w", i, err)
		}
		// Requested with resolvedFilter=false; checked again so a server
		// ignoring the filter cannot reopen tickets. Snoozed alerts stay:
		// their condition is still active.
		if a.Resolved.isTrue() {
			continue
		}
		if a.ID == "" {
			return nil, fmt.Errorf("tacticalrmm: alerts list entry %d: missing id", i)
		}
		at, err := lenient.Time(string(a.AlertTime))
		if err != nil {
			return nil, fmt.Errorf("tacticalrmm: alerts list entry %d (id %s): alert_time: %w", i, a.ID, err)
		}
		checkID, taskID := rawID(a.AssignedCheck), rawID(a.AssignedTask)
		ev := event.Event{
			Provider:          event.TacticalRMM,
			Kind:              event.Triggered,
			ExternalAlertID:   string(a.ID),
			ExternalDeviceID:  string(a.AgentID),
			ConditionIdentity: condition(checkID, taskID, string(a.AlertType)),
			AlertClass:        string(a.AlertType),
			Severity:          severity(string(a.Severity)),
			Message:           string(a.Message),
			DeviceName:        string(a.Hostname),
			OccurredAt:        at,
			Extra:             map[string]string{},
			Raw:               lenient.RawJSON(raw),
		}
		setIf(ev.Extra, "clientName", a.Client)
		setIf(ev.Extra, "siteName", a.Site)
		setIf(ev.Extra, "checkId", value(checkID))
		setIf(ev.Extra, "taskId", value(taskID))
		events = append(events, ev)
	}
	return events, nil
}

// condition is the identity shared by webhook and list: the check, else the
// task, else the alert type (availability has neither).
func condition(checkID, taskID, alertType string) string {
	switch {
	case checkID != "":
		return "check:" + checkID
	case taskID != "":
		return "task:" + taskID
	}
	return alertType
}

// severity maps TacticalRMM's three levels onto the shared scale.
func severity(s string) event.Severity {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error":
		return event.Critical
	case "warning":
		return event.Moderate
	case "info":
		return event.Minor
	}
	return event.None
}
