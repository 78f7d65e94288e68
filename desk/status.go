package desk

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/outbox"
)

// ChangeStatus moves a ticket to another status of its board, never a
// retired one (ErrRetired). Moving to a
// closed status closes the ticket (closed_at, ticket-closed event); moving
// from a closed to an open status reopens it. A human change touches it.
func (d *Desk) ChangeStatus(ctx context.Context, tx *ent.Tx, tenantID, ticketID, statusID int, by Actor) (*ent.Ticket, error) {
	t, err := d.Lock(ctx, tx, tenantID, ticketID)
	if err != nil {
		return nil, err
	}
	st, err := tx.TicketStatus.Query().
		Where(ticketstatus.TenantID(tenantID), ticketstatus.ID(statusID), ticketstatus.BoardID(t.BoardID)).
		Only(ctx)
	if err != nil {
		if ent.IsNotFound(err) {
			return nil, fmt.Errorf("%w: status %d is not on the ticket's board", ErrInvalid, statusID)
		}
		return nil, fmt.Errorf("desk: load status: %w", err)
	}
	if st.ID == t.StatusID {
		return t, nil
	}
	if st.RetiredAt != nil {
		return nil, fmt.Errorf("%w: status %d", ErrRetired, statusID)
	}
	return d.setStatus(ctx, tx, t, st, by)
}

// Close moves a ticket to statusID (nil: the board's first closed status).
// Closing a closed ticket returns ErrAlreadyClosed and changes nothing.
func (d *Desk) Close(ctx context.Context, tx *ent.Tx, tenantID, ticketID int, statusID *int, by Actor) (*ent.Ticket, error) {
	t, err := d.Lock(ctx, tx, tenantID, ticketID)
	if err != nil {
		return nil, err
	}
	return d.CloseOn(ctx, tx, t, statusID, by)
}

// CloseOn is Close on a ticket the caller loaded with Lock in tx: it
// neither locks nor reads it again.
func (d *Desk) CloseOn(ctx context.Context, tx *ent.Tx, t *ent.Ticket, statusID *int, by Actor) (*ent.Ticket, error) {
	if t.ClosedAt != nil {
		return t, ErrAlreadyClosed
	}
	tenantID := t.TenantID
	var (
		st  *ent.TicketStatus
		err error
	)
	if statusID != nil {
		st, err = tx.TicketStatus.Query().
			Where(ticketstatus.TenantID(tenantID), ticketstatus.ID(*statusID),
				ticketstatus.BoardID(t.BoardID), ticketstatus.IsClosed(true), ticketstatus.RetiredAtIsNil()).
			Only(ctx)
		if ent.IsNotFound(err) {
			// A configured status from another board, no longer closed or
			// retired must not block the close: fall back to the board's own.
			st, err = nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("desk: load status: %w", err)
		}
	}
	if st == nil {
		if st, err = FirstClosedStatus(ctx, tx.Client(), tenantID, t.BoardID); err != nil {
			return nil, err
		}
	}
	return d.setStatus(ctx, tx, t, st, by)
}

func (d *Desk) setStatus(ctx context.Context, tx *ent.Tx, t *ent.Ticket, to *ent.TicketStatus, by Actor) (*ent.Ticket, error) {
	now := time.Now().UTC()
	u := tx.Ticket.UpdateOneID(t.ID).Where(ticket.TenantID(t.TenantID)).SetStatusID(to.ID)
	closing := to.IsClosed && t.ClosedAt == nil
	if by.Kind == Human {
		u.SetTouchedAt(now)
	}
	switch {
	case closing:
		u.SetClosedAt(now)
	case !to.IsClosed && t.ClosedAt != nil:
		u.ClearClosedAt()
	}
	updated, err := u.Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("desk: update status: %w", err)
	}
	kind := statuschange.ActorKindAutomation
	if by.Kind == Human {
		kind = statuschange.ActorKindHuman
	}
	if err := tx.StatusChange.Create().
		SetTenantID(t.TenantID).
		SetTicketID(t.ID).
		SetFromStatusID(t.StatusID).
		SetToStatusID(to.ID).
		SetActorKind(kind).
		SetNillableActorID(by.UserID).
		Exec(ctx); err != nil {
		return nil, fmt.Errorf("desk: record status change: %w", err)
	}
	if closing {
		if err := outbox.Add(ctx, tx.Client(), t.TenantID, outbox.TicketClosed, closedPayload(t, to.ID, now, by)); err != nil {
			return nil, err
		}
		d.Signal(tx)
	}
	return updated, nil
}
