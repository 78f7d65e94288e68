package desk

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
)

// Many NoteLater and closes (as NoteAndCloseLater writes them) at once, a statement each however many
// (a page of resets, PostgreSQL). They write the rows the single ones
// write, in the order given; tests compare them.

// A Note is a system comment NoteLater would write.
type Note struct {
	Ticket *ent.Ticket
	Body   string
	At     time.Time
}

// NotesLater is NoteLater for each note, in order, deferred on b as one
// statement; a ticket noted more than once keeps the last time.
func NotesLater(ctx context.Context, b *store.Batch, tenantID int, notes []Note) error {
	if len(notes) == 0 {
		return nil
	}
	ats, ids, bodies := make([]time.Time, len(notes)), make([]int64, len(notes)), make([]string, len(notes))
	for i, n := range notes {
		if n.Body == "" {
			return fmt.Errorf("%w: empty comment", ErrInvalid)
		}
		if n.Ticket.TenantID != tenantID {
			return fmt.Errorf("desk: note on ticket %d of another tenant", n.Ticket.ID)
		}
		ats[i], ids[i], bodies[i] = n.At, int64(n.Ticket.ID), n.Body
	}
	return b.Defer(ctx, store.Statement{
		Name: "desk: add comments",
		SQL: fmt.Sprintf(`WITH u AS (SELECT * FROM unnest($2::timestamptz[], $3::bigint[], $4::text[]) WITH ORDINALITY AS u(at, ticket, body, n)),
			c AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s) SELECT $1, at, ticket, body, true, '%s' FROM u ORDER BY n)
			UPDATE %s t SET %s = l.at FROM (SELECT DISTINCT ON (ticket) ticket, at FROM u ORDER BY ticket, n DESC) l
			WHERE t.%s = l.ticket AND t.%s = $1`,
			comment.Table, comment.FieldTenantID, comment.FieldCreatedAt, comment.FieldTicketID, comment.FieldBody,
			comment.FieldInternal, comment.FieldAuthorKind, comment.AuthorKindSystem,
			ticket.Table, ticket.FieldUpdatedAt, ticket.FieldID, ticket.FieldTenantID),
		Args: []any{tenantID, ats, ids, bodies},
	})
}

// A Close is a close to come, as NoteAndCloseLater writes one: the ticket as it was, the closed
// status and time, and its TICKET_CLOSED event.
type Close struct {
	Ticket   *ent.Ticket
	StatusID int
	At       time.Time
	payload  string
}

// NewClose checks and prepares a close and returns the
// ticket as it will be.
func NewClose(ctx context.Context, t *ent.Ticket, statusID int, at time.Time) (Close, *ent.Ticket, error) {
	if t.ClosedAt != nil {
		return Close{}, t, ErrAlreadyClosed
	}
	payload, err := json.Marshal(outbox.Stamp(ctx, closedPayload(t, statusID, at, System)))
	if err != nil {
		return Close{}, nil, fmt.Errorf("desk: ticket-closed event: %w", err)
	}
	closed := *t
	closed.StatusID, closed.ClosedAt, closed.UpdatedAt = statusID, &at, at
	return Close{Ticket: t, StatusID: statusID, At: at, payload: string(payload)}, &closed, nil
}

// ClosesLater writes each close, in order, deferred on b as
// one statement. Each ticket closes once.
func ClosesLater(ctx context.Context, b *store.Batch, tenantID int, cs []Close) error {
	if len(cs) == 0 {
		return nil
	}
	n := len(cs)
	ids, to, from, payloads := make([]int64, n), make([]int64, n), make([]int64, n), make([]string, n)
	ats := make([]time.Time, n)
	seen := make(map[int]bool, n)
	for i, c := range cs {
		if c.payload == "" || c.Ticket.TenantID != tenantID || seen[c.Ticket.ID] {
			return fmt.Errorf("desk: close ticket %d: not prepared by NewClose once for tenant %d", c.Ticket.ID, tenantID)
		}
		seen[c.Ticket.ID] = true
		ids[i], to[i], from[i], ats[i], payloads[i] = int64(c.Ticket.ID), int64(c.StatusID), int64(c.Ticket.StatusID), c.At, c.payload
	}
	return b.Defer(ctx, store.Statement{
		Name: "desk: close tickets",
		SQL: fmt.Sprintf(`WITH u AS (SELECT * FROM unnest($2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::text[])
				WITH ORDINALITY AS u(ticket, status, from_status, at, payload, n)),
			t AS (UPDATE %s t SET %s = u.status, %s = u.at, %s = u.at FROM u WHERE t.%s = u.ticket AND t.%s = $1),
			s AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s) SELECT $1, at, ticket, from_status, status, '%s' FROM u ORDER BY n)
			INSERT INTO %s (%s, %s, %s, %s, %s) SELECT $1, at, at, '%s', payload::jsonb FROM u ORDER BY n`,
			ticket.Table, ticket.FieldStatusID, ticket.FieldClosedAt, ticket.FieldUpdatedAt, ticket.FieldID, ticket.FieldTenantID,
			statuschange.Table, statuschange.FieldTenantID, statuschange.FieldCreatedAt, statuschange.FieldTicketID,
			statuschange.FieldFromStatusID, statuschange.FieldToStatusID, statuschange.FieldActorKind, statuschange.ActorKindAutomation,
			outboxentry.Table, outboxentry.FieldTenantID, outboxentry.FieldCreatedAt, outboxentry.FieldAvailableAt,
			outboxentry.FieldTopic, outboxentry.FieldPayload, outbox.TicketClosed),
		Args: []any{tenantID, ids, to, from, ats, payloads},
	})
}
