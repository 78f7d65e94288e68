package desk

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/store"
)

// A Draft is a ticket as Create would write it, with its initial comment,
// whose id and number the caller draws ahead (PostgreSQL), so that many
// are written in one statement by InsertLater.
type Draft struct {
	Ticket  *ent.Ticket
	Comment string
}

// NewDraft validates in as Create does and returns the ticket it makes,
// without id or number. The board and status must be resolved already.
func NewDraft(in NewTicket) (Draft, error) {
	title, err := cleanTitle(in.Title)
	if err != nil {
		return Draft{}, err
	}
	if in.BoardID == 0 || in.StatusID == 0 {
		return Draft{}, fmt.Errorf("%w: a draft needs its board and status", ErrInvalid)
	}
	return Draft{Ticket: newTicketRow(in, title, in.BoardID, in.StatusID), Comment: strings.TrimSpace(in.InitialComment)}, nil
}

// InsertLater defers to b's commit the INSERT of the drafts (numbered)
// and of their initial comments: two statements however many there are.
// The columns are Create's (insertTicket's).
func InsertLater(ctx context.Context, b *store.Batch, ds []Draft) error {
	if len(ds) == 0 {
		return nil
	}
	cols := []string{ticket.FieldID}
	for _, c := range ticketInsert {
		cols = append(cols, c.name)
	}
	var q strings.Builder
	args := make([]any, 0, len(ds)*len(cols))
	q.WriteString("INSERT INTO " + ticket.Table + " (" + strings.Join(cols, ", ") + ") VALUES ")
	for i, d := range ds {
		t := d.Ticket
		if t.ID == 0 || t.Number == 0 {
			return fmt.Errorf("desk: create ticket: draft without id or number")
		}
		if i > 0 {
			q.WriteString(", ")
		}
		vs := []any{t.ID, t.TenantID, t.CreatedAt, t.UpdatedAt, t.Number, t.Title, t.Description, t.BoardID,
			t.StatusID, t.PriorityID, t.AssigneeID, t.ClientID, t.AssetID, t.Source, t.SourceReference, t.IdempotencyKey}
		if len(vs) != len(cols) { // ticketInsert gained a column this list lacks
			return fmt.Errorf("desk: create tickets: %d values for %d columns", len(vs), len(cols))
		}
		row(&q, &args, vs...)
	}
	if err := b.Defer(ctx, store.Statement{Name: "desk: create tickets", SQL: q.String(), Args: args}); err != nil {
		return err
	}
	q.Reset()
	args = args[:0:0]
	q.WriteString("INSERT INTO " + comment.Table + " (" + strings.Join([]string{comment.FieldTenantID, comment.FieldCreatedAt,
		comment.FieldTicketID, comment.FieldBody, comment.FieldInternal, comment.FieldAuthorKind}, ", ") + ") VALUES ")
	n := 0
	for _, d := range ds {
		if d.Comment == "" {
			continue
		}
		if n > 0 {
			q.WriteString(", ")
		}
		n++
		t := d.Ticket
		row(&q, &args, t.TenantID, t.CreatedAt, t.ID, d.Comment, true, string(comment.AuthorKindSystem))
	}
	if n == 0 {
		return nil
	}
	return b.Defer(ctx, store.Statement{Name: "desk: initial comments", SQL: q.String(), Args: args})
}

// row writes one row of placeholders for vs and appends vs to args.
func row(q *strings.Builder, args *[]any, vs ...any) {
	q.WriteString("(")
	for i, v := range vs {
		if i > 0 {
			q.WriteString(", ")
		}
		*args = append(*args, v)
		q.WriteString("$" + strconv.Itoa(len(*args)))
	}
	q.WriteString(")")
}
