// Package event defines the provider-neutral alert event that every RMM
// normalizer produces and the pipeline consumes.
package event

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind is what happened to an alert.
type Kind string

const (
	Triggered    Kind = "triggered"
	Reset        Kind = "reset"
	Acknowledged Kind = "acknowledged"
)

// Severity is the normalized severity scale shared by all providers.
type Severity string

const (
	Critical Severity = "critical"
	Major    Severity = "major"
	Moderate Severity = "moderate"
	Minor    Severity = "minor"
	None     Severity = "none"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{Critical, Major, Moderate, Minor, None}

// ParseSeverity maps a case-insensitive name to a Severity; unknown or empty
// names become None.
func ParseSeverity(s string) Severity {
	switch Severity(strings.ToLower(strings.TrimSpace(s))) {
	case Critical:
		return Critical
	case Major:
		return Major
	case Moderate:
		return Moderate
	case Minor:
		return Minor
	}
	return None
}

// Provider names an RMM.
type Provider string

const (
	NinjaOne    Provider = "ninjaone"
	TacticalRMM Provider = "tacticalrmm"
	// Alertmanager is Prometheus Alertmanager: webhooks only, nothing to
	// poll or reset.
	Alertmanager Provider = "alertmanager"
)

// Label is the provider's display name.
func (p Provider) Label() string {
	switch p {
	case NinjaOne:
		return "NinjaOne"
	case TacticalRMM:
		return "TacticalRMM"
	case Alertmanager:
		return "Alertmanager"
	}
	return string(p)
}

// ErrIgnored is returned by normalizers for well-formed payloads that carry
// no alert (non-alert activities). Webhooks answer 200 for it.
var ErrIgnored = errors.New("not an alert event")

// Event is one normalized alert event. Tenant and integration are set by the
// receiver (from the integration), never from the payload.
type Event struct {
	TenantID      int
	IntegrationID int
	Provider      Provider
	Kind          Kind

	ExternalAlertID        string
	ExternalDeviceID       string
	ConditionIdentity      string
	ActivityType           string
	AlertClass             string
	SourceType             string
	Severity               Severity
	Message                string
	DeviceName             string
	ExternalOrganizationID string
	OccurredAt             time.Time
	AcknowledgedBy         string

	// Extra holds provider facts worth keeping that have no column
	// (NinjaOne activity id, TacticalRMM site id, ...).
	Extra map[string]string
	// Raw is the original payload, kept in the alert's metadata.
	Raw json.RawMessage
	// Origin says where the event came from: "webhook" or "poller".
	Origin string
}

// DedupKey identifies the condition on the device: two alerts with the same
// key are the same condition firing again. Without a device the alert is
// its own group, so one condition on unknown devices never merges.
func (e Event) DedupKey() string {
	device := e.ExternalDeviceID
	if device == "" {
		device = "alert:" + e.ExternalAlertID
	}
	cond := e.ConditionIdentity
	for _, c := range []string{e.AlertClass, e.ActivityType, e.SourceType} {
		if cond != "" {
			break
		}
		cond = c
	}
	key := device + "|" + cond
	if len(key) > MaxDedupKeyLen {
		// Still one key per condition, within the column's bound.
		sum := sha256.Sum256([]byte(key))
		cut := MaxDedupKeyLen - 1 - 2*len(sum)
		for !utf8.RuneStart(key[cut]) {
			cut--
		}
		key = key[:cut] + "#" + hex.EncodeToString(sum[:])
	}
	return key
}

// Bounds of the identifiers an event carries, as the alert's columns and
// their unique index keep them. Longer ones are refused (webhooks answer
// 400), except a dedup key, which DedupKey shortens.
const (
	MaxIDLen       = 200
	MaxDedupKeyLen = 500
)

// ErrTooLong is Validate's error for an id longer than MaxIDLen.
var ErrTooLong = fmt.Errorf("longer than %d bytes", MaxIDLen)

// Clean removes NUL characters, which are valid in JSON but refused by
// PostgreSQL text and jsonb columns, and makes the raw payload storable
// (see StorableJSON; a payload that is not JSON is dropped). Validate
// after Clean: an id of only NULs is empty once cleaned.
func (e Event) Clean() Event {
	for _, f := range []*string{&e.ExternalAlertID, &e.ExternalDeviceID, &e.ConditionIdentity,
		&e.ActivityType, &e.AlertClass, &e.SourceType, &e.Message, &e.DeviceName,
		&e.ExternalOrganizationID, &e.AcknowledgedBy} {
		*f = strings.ReplaceAll(*f, "\x00", "")
	}
	if len(e.Extra) > 0 {
		extra := make(map[string]string, len(e.Extra))
		for k, v := range e.Extra {
			extra[strings.ReplaceAll(k, "\x00", "")] = strings.ReplaceAll(v, "\x00", "")
		}
		e.Extra = extra
	}
	switch {
	case len(e.Raw) == 0:
	case json.Valid(e.Raw):
		e.Raw = StorableJSON(e.Raw)
	default:
		e.Raw = nil
	}
	return e
}

// Validate reports the first missing field the pipeline cannot do without.
func (e Event) Validate() error {
	switch {
	case e.Kind != Triggered && e.Kind != Reset && e.Kind != Acknowledged:
		return errors.New("event: unknown kind " + string(e.Kind))
	case e.ExternalAlertID == "":
		return errors.New("event: missing external alert id")
	case len(e.ExternalAlertID) > MaxIDLen:
		return fmt.Errorf("event: alert id %w", ErrTooLong)
	case len(e.ExternalDeviceID) > MaxIDLen:
		return fmt.Errorf("event: device id %w", ErrTooLong)
	case e.OccurredAt.IsZero():
		return errors.New("event: missing occurrence time")
	}
	return nil
}
