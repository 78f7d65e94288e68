package desk

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/user"
)

// Get loads a ticket of the tenant.
func Get(ctx context.Context, c *ent.Client, tenantID, ticketID int) (*ent.Ticket, error) {
	t, err := c.Ticket.Query().Where(ticket.TenantID(tenantID), ticket.ID(ticketID)).Only(ctx)
	if err != nil {
		return nil, notFound("ticket", ticketID, err)
	}
	return t, nil
}

// Lock takes the ticket's lock for the rest of tx and loads the ticket.
// Whatever touches a ticket (a human comment, a time entry, a status
// change) takes this lock first, so what a holder decides from the ticket,
// such as closing it because nobody touched it, holds until it commits.
func (d *Desk) Lock(ctx context.Context, tx *ent.Tx, tenantID, ticketID int) (*ent.Ticket, error) {
	if err := d.locks.LockKeys(ctx, tx, ticketLockKey(tenantID, ticketID)); err != nil {
		return nil, fmt.Errorf("desk: lock ticket: %w", err)
	}
	return Get(ctx, tx.Client(), tenantID, ticketID)
}

// Comment adds a comment. A human comment touches the ticket (and takes
// its lock); a system comment (Actor System) does not.
func (d *Desk) Comment(ctx context.Context, tx *ent.Tx, tenantID, ticketID int, body string, internal bool, by Actor) (*ent.Comment, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	var (
		t   *ent.Ticket
		err error
	)
	if by.Kind == Human {
		t, err = d.Lock(ctx, tx, tenantID, ticketID)
	} else {
		t, err = Get(ctx, tx.Client(), tenantID, ticketID)
	}
	if err != nil {
		return nil, err
	}
	if err := checkUser(ctx, tx.Client(), tenantID, by.UserID); err != nil {
		return nil, err
	}
	return d.CommentOn(ctx, tx, t, body, internal, by)
}

// CommentOn is Comment on a ticket the caller loaded in tx, with an actor
// it has checked: it reads neither again.
func (d *Desk) CommentOn(ctx context.Context, tx *ent.Tx, t *ent.Ticket, body string, internal bool, by Actor) (*ent.Comment, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return nil, fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	tenantID, ticketID := t.TenantID, t.ID
	kind := comment.AuthorKindSystem
	if by.Kind == Human {
		kind = comment.AuthorKindHuman
	}
	c, err := tx.Comment.Create().
		SetTenantID(tenantID).
		SetTicketID(ticketID).
		SetBody(body).
		SetInternal(internal).
		SetAuthorKind(kind).
		SetNillableAuthorID(by.UserID).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("desk: add comment: %w", err)
	}
	return c, d.bump(ctx, tx, tenantID, ticketID, by.Kind == Human)
}

// Revise rewrites a system comment of the ticket (a storm's rolling
// summary); like the comment, it does not touch the ticket. People's
// comments are theirs: they are not found here.
func (d *Desk) Revise(ctx context.Context, tx *ent.Tx, t *ent.Ticket, commentID int, body string) error {
	body = strings.TrimSpace(body)
	if body == "" {
		return fmt.Errorf("%w: empty comment", ErrInvalid)
	}
	n, err := tx.Comment.Update().
		Where(comment.TenantID(t.TenantID), comment.TicketID(t.ID), comment.ID(commentID),
			comment.AuthorKindEQ(comment.AuthorKindSystem)).
		SetBody(body).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("desk: revise comment: %w", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: system comment %d of ticket %d", ErrNotFound, commentID, t.ID)
	}
	return d.bump(ctx, tx, t.TenantID, t.ID, false)
}

// LogTime records minutes of work by a person; it touches the ticket.
func (d *Desk) LogTime(ctx context.Context, tx *ent.Tx, tenantID, ticketID, userID, minutes int, note string) (*ent.TimeEntry, error) {
	if minutes <= 0 || minutes > 24*60 {
		return nil, fmt.Errorf("%w: minutes must be between 1 and 1440", ErrInvalid)
	}
	if _, err := d.Lock(ctx, tx, tenantID, ticketID); err != nil {
		return nil, err
	}
	if err := checkUser(ctx, tx.Client(), tenantID, &userID); err != nil {
		return nil, err
	}
	e, err := tx.TimeEntry.Create().
		SetTenantID(tenantID).
		SetTicketID(ticketID).
		SetUserID(userID).
		SetMinutes(minutes).
		SetNote(strings.TrimSpace(note)).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("desk: log time: %w", err)
	}
	return e, d.bump(ctx, tx, tenantID, ticketID, true)
}

// Assign sets or clears (nil) the assignee. Assignment never touches a
// ticket: rules assign too.
func (d *Desk) Assign(ctx context.Context, tx *ent.Tx, tenantID, ticketID int, userID *int) (*ent.Ticket, error) {
	if _, err := Get(ctx, tx.Client(), tenantID, ticketID); err != nil {
		return nil, err
	}
	if err := checkUser(ctx, tx.Client(), tenantID, userID); err != nil {
		return nil, err
	}
	u := tx.Ticket.UpdateOneID(ticketID).Where(ticket.TenantID(tenantID))
	if userID == nil {
		u.ClearAssigneeID()
	} else {
		u.SetAssigneeID(*userID)
	}
	t, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("desk: assign: %w", err)
	}
	return t, nil
}

func (d *Desk) bump(ctx context.Context, tx *ent.Tx, tenantID, ticketID int, touch bool) error {
	u := tx.Ticket.Update().Where(ticket.TenantID(tenantID), ticket.ID(ticketID))
	if touch {
		u.SetTouchedAt(time.Now().UTC())
	}
	if err := u.Exec(ctx); err != nil {
		return fmt.Errorf("desk: touch updated_at: %w", err)
	}
	return nil
}

func checkUser(ctx context.Context, c *ent.Client, tenantID int, userID *int) error {
	if userID == nil {
		return nil
	}
	ok, err := c.User.Query().Where(user.TenantID(tenantID), user.ID(*userID)).Exist(ctx)
	if err != nil {
		return fmt.Errorf("desk: check user: %w", err)
	}
	if !ok {
		return fmt.Errorf("%w: user %d", ErrNotFound, *userID)
	}
	return nil
}
