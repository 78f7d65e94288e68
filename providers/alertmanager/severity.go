package alertmanager

import (
	"strings"

	"github.com/alertdesk/alertdesk/event"
)

// severities maps the severity label's usual values (Prometheus has no
// fixed set; these are the common conventions, syslog's names included).
var severities = map[string]event.Severity{
	"critical":      event.Critical,
	"page":          event.Critical,
	"emergency":     event.Critical,
	"alert":         event.Critical,
	"fatal":         event.Critical,
	"disaster":      event.Critical,
	"error":         event.Major,
	"high":          event.Major,
	"major":         event.Major,
	"warning":       event.Moderate,
	"warn":          event.Moderate,
	"average":       event.Moderate,
	"medium":        event.Moderate,
	"moderate":      event.Moderate,
	"info":          event.Minor,
	"informational": event.Minor,
	"notice":        event.Minor,
	"low":           event.Minor,
	"minor":         event.Minor,
	"none":          event.None,
	"debug":         event.None,
}

// Severity maps a severity label (case-insensitive) to the product's
// severities; a missing or unknown value is none.
func Severity(label string) event.Severity {
	if s, ok := severities[strings.ToLower(strings.TrimSpace(label))]; ok {
		return s
	}
	return event.None
}
