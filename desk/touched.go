package desk

import "github.com/alertdesk/alertdesk/ent"

// Touched reports whether a person has worked the ticket: a human comment,
// a time entry or a manual status change, each of which sets touched_at.
// Rule assignment and system comments do not count. Only untouched
// tickets are closed automatically.
func Touched(t *ent.Ticket) bool { return t.TouchedAt != nil }
