package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/store"
)

// sequencer is a Locker whose ticket numbers come from a database sequence
// (PostgreSQL; "" elsewhere). A new ticket then draws its number in its own
// INSERT, and its initial comment goes in the same statement: one round
// trip instead of three on the path every alert-made ticket takes.
type sequencer interface {
	TicketSequence(ctx context.Context, tenantID int) (string, error)
}

// column is one column a hand-written INSERT sets, and its value.
type column struct{ name, value string }

// ticketInsert and commentInsert are every column of the two tables but
// the id, closed_at and touched_at (left to their defaults); a test holds them to the
// ent schema, so a new field cannot be forgotten here.
var (
	ticketInsert = []column{
		{ticket.FieldTenantID, "$1"},
		{ticket.FieldCreatedAt, "$2"},
		{ticket.FieldUpdatedAt, "$2"},
		{ticket.FieldNumber, "nextval($3::regclass)"},
		{ticket.FieldTitle, "$4"},
		{ticket.FieldDescription, "$5"},
		{ticket.FieldBoardID, "$6"},
		{ticket.FieldStatusID, "$7"},
		{ticket.FieldPriorityID, "$8"},
		{ticket.FieldAssigneeID, "$9"},
		{ticket.FieldClientID, "$10"},
		{ticket.FieldAssetID, "$11"},
		{ticket.FieldSource, "$12"},
		{ticket.FieldSourceReference, "$13"},
		{ticket.FieldIdempotencyKey, "$14"},
	}
	commentInsert = []column{
		{comment.FieldTenantID, "$1"},
		{comment.FieldCreatedAt, "$2"},
		{comment.FieldTicketID, "t.id"},
		{comment.FieldBody, "$15"},
		{comment.FieldInternal, "true"},
		{comment.FieldAuthorKind, "'" + string(comment.AuthorKindSystem) + "'"},
		{comment.FieldAuthorID, "NULL"},
	}

	insertTicketSQL = fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING id, number",
		ticket.Table, names(ticketInsert), values(ticketInsert))
	insertTicketWithCommentSQL = fmt.Sprintf(
		"WITH t AS (%s), c AS (INSERT INTO %s (%s) SELECT %s FROM t) SELECT id, number FROM t",
		insertTicketSQL, comment.Table, names(commentInsert), values(commentInsert))
)

func names(cs []column) string  { return join(cs, func(c column) string { return c.name }) }
func values(cs []column) string { return join(cs, func(c column) string { return c.value }) }

func join(cs []column, part func(column) string) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = part(c)
	}
	return strings.Join(s, ", ")
}

// insertTicket writes the ticket, numbered from seq, and its initial
// system comment when body is not empty, in one statement.
func insertTicket(ctx context.Context, tx *ent.Tx, seq string, t *ent.Ticket, body string) error {
	q := insertTicketSQL
	args := []any{t.TenantID, t.CreatedAt, seq, t.Title, t.Description, t.BoardID, t.StatusID,
		t.PriorityID, t.AssigneeID, t.ClientID, t.AssetID, t.Source, t.SourceReference, t.IdempotencyKey}
	if body != "" {
		q = insertTicketWithCommentSQL
		args = append(args, body)
	}
	if err := store.ScanOne(ctx, tx, q, args, &t.ID, &t.Number); err != nil {
		return fmt.Errorf("desk: create ticket: %w", err)
	}
	return nil
}

// newTicketRow is the ticket Create writes, before it has an id or number.
func newTicketRow(in NewTicket, title string, boardID, statusID int) *ent.Ticket {
	now := time.Now()
	return &ent.Ticket{
		TenantID: in.TenantID, CreatedAt: now, UpdatedAt: now,
		Title: title, Description: in.Description, BoardID: boardID, StatusID: statusID,
		PriorityID: in.PriorityID, AssigneeID: in.AssigneeID, ClientID: in.ClientID, AssetID: in.AssetID,
		Source: in.Source, SourceReference: in.SourceReference, IdempotencyKey: in.IdempotencyKey,
	}
}
