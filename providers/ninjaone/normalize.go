// Package ninjaone turns NinjaOne webhook activities and GET /v2/alerts
// responses into normalized alert events.
package ninjaone

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/providers/internal/lenient"

	"github.com/alertdesk/alertdesk/event"
)

// alertActivityTypes are the activityType values that carry alerts. Only
// CONDITION: CONDITION_ACTION/CONDITION_ACTIONSET record automations a
// condition launched, whose status is not the alert's, and the webhook is
// registered for CONDITION only.
var alertActivityTypes = map[string]bool{"CONDITION": true}

// statusKinds maps the alert-bearing statusCodes to event kinds; any other
// code is ignored.
var statusKinds = map[string]event.Kind{
	"TRIGGERED":                    event.Triggered,
	"RESET":                        event.Reset,
	"RESET_BY_PSA_TICKET_CALLBACK": event.Reset,
	"ACKNOWLEDGED":                 event.Acknowledged,
}

// activity is the subset of a webhook activity (or alerts-list entry) used.
// Nested objects stay raw: they are optional and decoded best-effort.
type activity struct {
	ID              text            `json:"id"`
	UID             text            `json:"uid"`
	SeriesUID       text            `json:"seriesUid"`
	ActivityTime    json.RawMessage `json:"activityTime"`
	CreateTime      json.RawMessage `json:"createTime"`
	UpdateTime      json.RawMessage `json:"updateTime"`
	DeviceID        text            `json:"deviceId"`
	ActivityType    text            `json:"activityType"`
	StatusCode      text            `json:"statusCode"`
	Severity        text            `json:"severity"`
	Priority        text            `json:"priority"`
	SourceType      text            `json:"sourceType"`
	SourceConfigUID text            `json:"sourceConfigUid"`
	SourceName      text            `json:"sourceName"`
	Message         text            `json:"message"`
	Subject         text            `json:"subject"`
	UserID          text            `json:"userId"`
	PSATicketID     text            `json:"psaTicketId"`
	Data            json.RawMessage `json:"data"`
	Device          json.RawMessage `json:"device"`
}

type device struct {
	ID             text `json:"id"`
	OrganizationID text `json:"organizationId"`
	LocationID     text `json:"locationId"`
	DisplayName    text `json:"displayName"`
	SystemName     text `json:"systemName"`
	References     struct {
		Organization struct {
			ID   text `json:"id"`
			Name text `json:"name"`
		} `json:"organization"`
	} `json:"references"`
}

// NormalizeWebhook turns one NinjaOne webhook activity into an event.
// Non-alert activities return an error wrapping event.ErrIgnored; malformed
// payloads return any other error.
func NormalizeWebhook(body []byte) (event.Event, error) {
	a, err := decodeObject(body)
	if err != nil {
		return event.Event{}, fmt.Errorf("ninjaone: webhook: %w", err)
	}
	actType := strings.ToUpper(string(a.ActivityType))
	status := strings.ToUpper(string(a.StatusCode))
	switch {
	case actType == "":
		return event.Event{}, errors.New("ninjaone: webhook: missing activityType")
	case !alertActivityTypes[actType]:
		return event.Event{}, fmt.Errorf("ninjaone: activityType %.40q: %w", actType, event.ErrIgnored)
	case status == "":
		return event.Event{}, errors.New("ninjaone: webhook: missing statusCode")
	}
	kind, ok := statusKinds[status]
	if !ok {
		return event.Event{}, fmt.Errorf("ninjaone: statusCode %.40q: %w", status, event.ErrIgnored)
	}
	if a.SeriesUID == "" {
		// id changes with every activity, so it cannot stand in.
		return event.Event{}, errors.New("ninjaone: webhook: missing seriesUid")
	}
	at, err := parseTime(a.ActivityTime)
	if err != nil {
		return event.Event{}, fmt.Errorf("ninjaone: activityTime: %w", err)
	}

	ev := a.event(kind)
	ev.ExternalAlertID = string(a.SeriesUID)
	ev.ActivityType = actType
	ev.Severity = event.ParseSeverity(string(a.Severity))
	ev.OccurredAt = at
	if kind == event.Acknowledged {
		ev.AcknowledgedBy = string(a.UserID)
	}
	setIf(ev.Extra, "activityId", a.ID)
	setIf(ev.Extra, "priority", a.Priority)
	ev.Raw = lenient.RawJSON(lenient.TrimBody(body))
	return ev, nil
}

// NormalizeAlertsList turns a GET /v2/alerts response into triggered events.
// Anything but a JSON array of well-formed alerts is an error, so a failed
// fetch never reads as "nothing active".
func NormalizeAlertsList(body []byte) ([]event.Event, error) {
	body = lenient.TrimBody(body)
	if len(body) == 0 || body[0] != '[' {
		return nil, errors.New("ninjaone: alerts list: not a JSON array")
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(body, &entries); err != nil {
		return nil, fmt.Errorf("ninjaone: alerts list: %w", err)
	}
	events := make([]event.Event, 0, len(entries))
	for i, raw := range entries {
		a, err := decodeObject(raw)
		if err != nil {
			return nil, fmt.Errorf("ninjaone: alerts list entry %d: %w", i, err)
		}
		if a.UID == "" {
			return nil, fmt.Errorf("ninjaone: alerts list entry %d: missing uid", i)
		}
		tm := a.UpdateTime
		if isAbsent(tm) {
			tm = a.CreateTime
		}
		at, err := parseTime(tm)
		if err != nil {
			return nil, fmt.Errorf("ninjaone: alerts list entry %d (uid %s): updateTime/createTime: %w", i, a.UID, err)
		}
		ev := a.event(event.Triggered)
		ev.ExternalAlertID = string(a.UID)
		ev.Severity = event.None // the API has no severity
		ev.OccurredAt = at
		setIf(ev.Extra, "psaTicketId", a.PSATicketID)
		ev.Raw = lenient.RawJSON(raw)
		events = append(events, ev)
	}
	return events, nil
}

// decodeObject decodes a JSON object; null, arrays and scalars are errors.
func decodeObject(b []byte) (activity, error) {
	var a activity
	b = lenient.TrimBody(b)
	if len(b) == 0 {
		return a, errors.New("empty body")
	}
	if b[0] != '{' {
		return a, errors.New("not a JSON object")
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, err
	}
	return a, nil
}

// event fills the fields webhook and alerts list share, so both compute the
// same DedupKey for one condition.
func (a activity) event(kind event.Kind) event.Event {
	var d device
	if len(a.Device) > 0 && a.Device[0] == '{' {
		// Best-effort: a malformed device only costs the enrichment.
		if json.Unmarshal(a.Device, &d) != nil {
			d = device{}
		}
	}
	ev := event.Event{
		Provider:               event.NinjaOne,
		Kind:                   kind,
		ExternalDeviceID:       firstNonEmpty(a.DeviceID, d.ID),
		ConditionIdentity:      string(a.SourceConfigUID),
		SourceType:             string(a.SourceType),
		AlertClass:             messageCode(a.Data),
		Message:                firstNonEmpty(a.Message, a.Subject, a.SourceName),
		DeviceName:             firstNonEmpty(d.DisplayName, d.SystemName),
		ExternalOrganizationID: firstNonEmpty(d.OrganizationID, d.References.Organization.ID),
		Extra:                  map[string]string{},
	}
	setIf(ev.Extra, "sourceName", a.SourceName)
	setIf(ev.Extra, "organizationName", d.References.Organization.Name)
	setIf(ev.Extra, "locationId", d.LocationID)
	return ev
}

// messageCode returns data.message.code, or "" when data has another shape.
func messageCode(data json.RawMessage) string {
	var d struct {
		Message struct {
			Code text `json:"code"`
		} `json:"message"`
	}
	if len(data) == 0 || data[0] != '{' || json.Unmarshal(data, &d) != nil {
		return ""
	}
	return string(d.Message.Code)
}

// isAbsent reports a missing, null or empty-string JSON value.
func isAbsent(raw json.RawMessage) bool {
	s := string(bytes.TrimSpace(raw))
	return s == "" || s == "null" || s == `""`
}
