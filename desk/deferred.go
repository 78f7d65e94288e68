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

// A system note and a close that follows it, written by statements
// deferred to COMMIT (PostgreSQL): the reset path reads nothing back, and
// through ent they were five round trips. Tests compare the rows with
// CommentOn's and CloseOn's.

// NoteLater is CommentOn by System, deferred on b: an internal system
// comment that does not touch the ticket.
func NoteLater(ctx context.Context, b *store.Batch, t *ent.Ticket, body string, at time.Time) error {
	if body == "" {
		return fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	return b.Defer(ctx, store.Statement{
		Name: "desk: add comment",
		SQL: fmt.Sprintf(`WITH c AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s) VALUES ($1, $2, $3, $4, true, '%s'))
			UPDATE %s SET %s = $2 WHERE %s = $3 AND %s = $1`,
			comment.Table, comment.FieldTenantID, comment.FieldCreatedAt, comment.FieldTicketID, comment.FieldBody,
			comment.FieldInternal, comment.FieldAuthorKind, comment.AuthorKindSystem,
			ticket.Table, ticket.FieldUpdatedAt, ticket.FieldID, ticket.FieldTenantID),
		Args: []any{t.TenantID, at, t.ID, body},
	})
}

// ReviseLater is Revise, deferred on b.
func ReviseLater(ctx context.Context, b *store.Batch, t *ent.Ticket, commentID int, body string, at time.Time) error {
	if body == "" {
		return fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	return b.Defer(ctx, store.Statement{
		Name: "desk: revise comment",
		// Found by its primary key only: its other columns are checked in a
		// form no index serves, or a planner that thinks comments few may
		// read every comment of the ticket instead.
		SQL: fmt.Sprintf(`WITH c AS (UPDATE %s SET %s = $4
				WHERE %s = $3 AND (%s, %s, %s::text) IS NOT DISTINCT FROM ($1::bigint, $2::bigint, '%s'))
			UPDATE %s SET %s = $5 WHERE %s = $2 AND %s = $1`,
			comment.Table, comment.FieldBody, comment.FieldID, comment.FieldTenantID, comment.FieldTicketID,
			comment.FieldAuthorKind, comment.AuthorKindSystem,
			ticket.Table, ticket.FieldUpdatedAt, ticket.FieldID, ticket.FieldTenantID),
		Args: []any{t.TenantID, t.ID, commentID, body, at},
	})
}

// NoteAndCloseLater is NoteLater, then CloseOn by automation to a closed
// status of the ticket's board that the caller chose, deferred on b in one
// statement that updates the ticket once (the note's bump of updated_at is
// the close's). It returns the ticket as it will be.
func NoteAndCloseLater(ctx context.Context, b *store.Batch, t *ent.Ticket, body string, statusID int, at time.Time) (*ent.Ticket, error) {
	if body == "" {
		return nil, fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	if t.ClosedAt != nil {
		return t, ErrAlreadyClosed
	}
	payload, err := json.Marshal(outbox.Stamp(ctx, closedPayload(t, statusID, at, System)))
	if err != nil {
		return nil, fmt.Errorf("desk: ticket-closed event: %w", err)
	}
	err = b.Defer(ctx, store.Statement{
		Name: "desk: comment and close ticket",
		SQL: fmt.Sprintf(`WITH c AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s) VALUES ($1, $4, $2, $7, true, '%s')),
			t AS (UPDATE %s SET %s = $3, %s = $4, %s = $4 WHERE %s = $2 AND %s = $1),
			s AS (INSERT INTO %s (%s, %s, %s, %s, %s, %s) VALUES ($1, $4, $2, $5, $3, '%s'))
			INSERT INTO %s (%s, %s, %s, %s, %s) VALUES ($1, $4, $4, '%s', $6)`,
			comment.Table, comment.FieldTenantID, comment.FieldCreatedAt, comment.FieldTicketID, comment.FieldBody,
			comment.FieldInternal, comment.FieldAuthorKind, comment.AuthorKindSystem,
			ticket.Table, ticket.FieldStatusID, ticket.FieldClosedAt, ticket.FieldUpdatedAt, ticket.FieldID, ticket.FieldTenantID,
			statuschange.Table, statuschange.FieldTenantID, statuschange.FieldCreatedAt, statuschange.FieldTicketID,
			statuschange.FieldFromStatusID, statuschange.FieldToStatusID, statuschange.FieldActorKind, statuschange.ActorKindAutomation,
			outboxentry.Table, outboxentry.FieldTenantID, outboxentry.FieldCreatedAt, outboxentry.FieldAvailableAt,
			outboxentry.FieldTopic, outboxentry.FieldPayload, outbox.TicketClosed),
		Args: []any{t.TenantID, t.ID, statusID, at, t.StatusID, payload, body},
	})
	if err != nil {
		return nil, err
	}
	closed := *t
	closed.StatusID, closed.ClosedAt, closed.UpdatedAt = statusID, &at, at
	return &closed, nil
}

// closedPayload is the TICKET_CLOSED event of t closing to statusID.
func closedPayload(t *ent.Ticket, statusID int, at time.Time, by Actor) map[string]any {
	payload := map[string]any{
		"ticketId":  t.ID,
		"number":    t.Number,
		"statusId":  statusID,
		"closedAt":  at.Format(time.RFC3339Nano),
		"actorKind": string(by.Kind),
	}
	if by.UserID != nil {
		payload["actorId"] = *by.UserID
	}
	return payload
}
