// Package workflow delivers alertdesk's workflow events (RMM_ALERT_TRIGGERED,
// RMM_ALERT_RESOLVED) to per-tenant outbound webhook subscriptions: JSON
// signed with HMAC-SHA256, retried with backoff from the outbox, every
// attempt kept in a delivery log. It also holds the event catalog.
package workflow

import (
	"slices"

	"github.com/alertdesk/alertdesk/outbox"
)

// Definition describes one workflow event.
type Definition struct {
	// Name is the event type, e.g. RMM_ALERT_TRIGGERED.
	Name string `json:"name"`
	// Description says when it is emitted.
	Description string `json:"description"`
	// PayloadSchema is the JSON Schema (draft 2020-12) of its payload,
	// the "data" of a webhook delivery.
	PayloadSchema map[string]any `json:"payloadSchema"`
}

// Catalog returns the workflow events, in a stable order. The payloads are
// the ones the pipeline writes to the outbox (pipeline/publish.go).
func Catalog() []Definition {
	return []Definition{
		{
			Name: outbox.AlertTriggered,
			Description: "An RMM alert started firing and was routed: a ticket was created or joined, " +
				"or a rule recorded it. Not emitted for suppressed alerts or replayed deliveries.",
			PayloadSchema: alertSchema(outbox.AlertTriggered, false),
		},
		{
			Name: outbox.AlertResolved,
			Description: "An RMM alert cleared: the RMM reported the reset, the poller found it no " +
				"longer active, or its ticket was closed. Its ticket may have been closed as a result.",
			PayloadSchema: alertSchema(outbox.AlertResolved, true),
		},
	}
}

// Names returns the event types of the catalog.
func Names() []string {
	var out []string
	for _, d := range Catalog() {
		out = append(out, d.Name)
	}
	return out
}

// Known reports whether name is in the catalog.
func Known(name string) bool { return slices.Contains(Names(), name) }

func alertSchema(name string, resolved bool) map[string]any {
	nullableInt := func(desc string) map[string]any {
		return map[string]any{"type": []string{"integer", "null"}, "description": desc}
	}
	props := map[string]any{
		"alertId":          map[string]any{"type": "integer", "description": "alertdesk's alert id."},
		"integrationId":    map[string]any{"type": "integer", "description": "The integration the alert came from."},
		"provider":         map[string]any{"type": "string", "enum": []string{"ninjaone", "tacticalrmm", "alertmanager"}, "description": "The RMM."},
		"externalAlertId":  map[string]any{"type": "string", "description": "The alert's id in the RMM."},
		"externalDeviceId": map[string]any{"type": "string", "description": "The device's id in the RMM."},
		"severity": map[string]any{"type": "string", "enum": []string{"critical", "major", "moderate", "minor", "none"},
			"description": "Normalized severity."},
		"message":  map[string]any{"type": "string", "description": "The alert's message."},
		"assetId":  nullableInt("The asset the device maps to, if any."),
		"clientId": nullableInt("The client, if known."),
		"ticketId": nullableInt("The alert's ticket, if any."),
		"time":     map[string]any{"type": "string", "format": "date-time", "description": "When the event happened (RFC 3339)."},
	}
	required := []string{"alertId", "integrationId", "provider", "externalAlertId", "externalDeviceId",
		"severity", "message", "assetId", "clientId", "ticketId", "time"}
	if !resolved {
		props["outcome"] = map[string]any{"type": "string", "enum": []string{"ticket_created", "joined", "recorded", "ticket_failed"},
			"description": "What became of it: a ticket created, the open ticket of its condition joined, recorded only " +
				"(a rule with createTicket false), or a ticket that could not be made yet (retried)."}
		props["occurrenceCount"] = map[string]any{"type": "integer", "minimum": 1,
			"description": "How many times its condition has fired on its open ticket, this firing included."}
		required = append(required, "outcome", "occurrenceCount")
	}
	if resolved {
		props["reason"] = map[string]any{"type": "string",
			"description": "Why it resolved: the RMM reported the reset, the poller found it gone, or its ticket closed."}
		required = append(required, "reason")
	}
	return map[string]any{
		"$schema":    "https://json-schema.org/draft/2020-12/schema",
		"title":      name,
		"type":       "object",
		"properties": props,
		"required":   required,
	}
}
