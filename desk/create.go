package desk

import (
	"context"
	"fmt"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
)

// NewTicket is what a ticket is made from. Zero BoardID means the tenant's
// default board; the status is always that board's default status.
type NewTicket struct {
	TenantID    int
	Title       string
	Description string
	BoardID     int
	// StatusID, with BoardID, says the caller has already resolved the
	// board and its default status (the pipeline, from its configuration
	// cache): Create then looks neither up. The database's foreign keys
	// still refuse ids that do not exist.
	StatusID        int
	PriorityID      *int
	AssigneeID      *int
	ClientID        *int
	AssetID         *int
	Source          string
	SourceReference string
	// InitialComment, when set, is added as an internal system comment.
	InitialComment string
	// IdempotencyKey, when set, is unique among the tenant's tickets.
	IdempotencyKey *string
}

// KeyLock is the lock key that serializes the creations of tickets with
// one idempotency key.
func KeyLock(tenantID int, key string) string {
	return fmt.Sprintf("ticket-key:%d:%s", tenantID, key)
}

// Create opens a ticket on its board's default status. On PostgreSQL the
// ticket returned is a plain value (not bound to a client): read it again
// to traverse its edges.
func (d *Desk) Create(ctx context.Context, tx *ent.Tx, in NewTicket) (*ent.Ticket, error) {
	title, err := cleanTitle(in.Title)
	if err != nil {
		return nil, err
	}
	boardID, statusID := in.BoardID, in.StatusID
	if boardID == 0 || statusID == 0 {
		b, err := d.resolveBoard(ctx, tx, in.TenantID, in.BoardID)
		if err != nil {
			return nil, err
		}
		st, err := DefaultStatus(ctx, tx.Client(), in.TenantID, b.ID)
		if err != nil {
			return nil, err
		}
		boardID, statusID = b.ID, st.ID
	}
	body := strings.TrimSpace(in.InitialComment)
	if sq, ok := d.locks.(sequencer); ok {
		seq, err := sq.TicketSequence(ctx, in.TenantID)
		if err != nil {
			return nil, fmt.Errorf("desk: ticket number: %w", err)
		}
		if seq != "" {
			t := newTicketRow(in, title, boardID, statusID)
			if err := insertTicket(ctx, tx, seq, t, body); err != nil {
				return nil, err
			}
			return t, nil
		}
	}
	num, err := d.locks.NextTicketNumber(ctx, tx, in.TenantID)
	if err != nil {
		return nil, fmt.Errorf("desk: ticket number: %w", err)
	}
	t, err := tx.Ticket.Create().
		SetTenantID(in.TenantID).
		SetNumber(num).
		SetTitle(title).
		SetDescription(in.Description).
		SetBoardID(boardID).
		SetStatusID(statusID).
		SetNillablePriorityID(in.PriorityID).
		SetNillableAssigneeID(in.AssigneeID).
		SetNillableClientID(in.ClientID).
		SetNillableAssetID(in.AssetID).
		SetSource(in.Source).
		SetSourceReference(in.SourceReference).
		SetNillableIdempotencyKey(in.IdempotencyKey).
		Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("desk: create ticket: %w", err)
	}
	if body != "" {
		if err := tx.Comment.Create().
			SetTenantID(in.TenantID).
			SetTicketID(t.ID).
			SetBody(body).
			SetInternal(true).
			SetAuthorKind(comment.AuthorKindSystem).
			Exec(ctx); err != nil {
			return nil, fmt.Errorf("desk: initial comment: %w", err)
		}
	}
	return t, nil
}

// cleanTitle is the title a ticket is stored with: trimmed, at most 500
// characters, not empty.
func cleanTitle(title string) (string, error) {
	title = strings.TrimSpace(title)
	if title == "" {
		return "", fmt.Errorf("%w: empty title", ErrInvalid)
	}
	if r := []rune(title); len(r) > 500 {
		title = string(r[:500])
	}
	return title, nil
}

func (d *Desk) resolveBoard(ctx context.Context, tx *ent.Tx, tenantID, boardID int) (*ent.Board, error) {
	q := tx.Board.Query().Where(board.TenantID(tenantID))
	if boardID != 0 {
		b, err := q.Where(board.ID(boardID)).Only(ctx)
		if err != nil {
			return nil, notFound("board", boardID, err)
		}
		if b.RetiredAt != nil {
			return nil, fmt.Errorf("%w: board %d is retired", ErrInvalid, boardID)
		}
		return b, nil
	}
	b, err := q.Where(board.IsDefault(true), board.RetiredAtIsNil()).Order(board.ByID()).First(ctx)
	if ent.IsNotFound(err) {
		return nil, ErrNoBoard
	}
	if err != nil {
		return nil, fmt.Errorf("desk: default board: %w", err)
	}
	return b, nil
}

// DefaultStatus is the board's default status, else its first open one;
// retired statuses are never chosen.
func DefaultStatus(ctx context.Context, c *ent.Client, tenantID, boardID int) (*ent.TicketStatus, error) {
	st, err := c.TicketStatus.Query().
		Where(ticketstatus.TenantID(tenantID), ticketstatus.BoardID(boardID), ticketstatus.IsClosed(false),
			ticketstatus.RetiredAtIsNil()).
		Order(ent.Desc(ticketstatus.FieldIsDefault), ent.Asc(ticketstatus.FieldSortOrder), ent.Asc(ticketstatus.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: board %d has no open status", ErrNoStatus, boardID)
	}
	if err != nil {
		return nil, fmt.Errorf("desk: default status: %w", err)
	}
	return st, nil
}

// FirstClosedStatus is the board's first closed status by order that is
// not retired.
func FirstClosedStatus(ctx context.Context, c *ent.Client, tenantID, boardID int) (*ent.TicketStatus, error) {
	st, err := c.TicketStatus.Query().
		Where(ticketstatus.TenantID(tenantID), ticketstatus.BoardID(boardID), ticketstatus.IsClosed(true),
			ticketstatus.RetiredAtIsNil()).
		Order(ent.Asc(ticketstatus.FieldSortOrder), ent.Asc(ticketstatus.FieldID)).
		First(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: board %d has no closed status", ErrNoStatus, boardID)
	}
	if err != nil {
		return nil, fmt.Errorf("desk: closed status: %w", err)
	}
	return st, nil
}
