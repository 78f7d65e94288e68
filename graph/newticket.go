package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/validation"
)

// Limits of createTicket's text.
const (
	maxTitleRunes          = 500
	maxIdempotencyKeyRunes = 200
)

// createTicket is the createTicket mutation: the input checked and its
// references resolved in one transaction, then the ticket made there, or
// by the pipeline when it is an alert's. A used idempotency key returns
// its ticket: found before any work, or under the key's lock when two
// calls race.
func (r *Resolver) createTicket(ctx context.Context, input model.CreateTicketInput) (*ent.Ticket, error) {
	var errs validation.Error
	in := desk.NewTicket{
		Title:       checkName(&errs, "title", input.Title, maxTitleRunes),
		Description: checkLength(&errs, "description", deref(input.Description), maxDescriptionRunes),
		PriorityID:  input.PriorityID,
		AssigneeID:  input.AssigneeID,
		ClientID:    input.ClientID,
		AssetID:     input.AssetID,
	}
	if k := input.IdempotencyKey; k != nil {
		checkKey(&errs, *k)
		in.IdempotencyKey = k
	}
	if errs.OrNil() != nil {
		return nil, &errs
	}
	if t, err := r.ticketWithKey(ctx, in.IdempotencyKey); t != nil || err != nil {
		return t, err
	}
	var made *ent.Ticket
	err := r.inTx(ctx, func(tx *ent.Tx) error {
		if err := r.resolveNewTicket(ctx, tx, input, &in); err != nil {
			return err
		}
		if input.AlertID != nil {
			return nil // the pipeline makes it, under the alert's locks
		}
		if in.IdempotencyKey != nil {
			if err := r.lockKeys(ctx, tx, desk.KeyLock(in.TenantID, *in.IdempotencyKey)); err != nil {
				return err
			}
			used, err := tx.Ticket.Query().Where(ticket.IdempotencyKey(*in.IdempotencyKey)).Exist(ctx)
			if err != nil || used {
				return err
			}
		}
		var err error
		made, err = r.desk.Create(ctx, tx, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	if input.AlertID != nil {
		res, err := r.pipeline.CreateTicketFrom(ctx, in.TenantID, *input.AlertID, in)
		if errors.Is(err, pipeline.ErrKeyUsed) {
			return r.ticketWithKey(ctx, in.IdempotencyKey)
		}
		if err != nil {
			return nil, err
		}
		if res.TicketID == nil {
			return nil, coded(CodeInternal, "no ticket was created")
		}
		return r.db.Ticket.Get(ctx, *res.TicketID)
	}
	if made == nil {
		// The key was taken while this call waited for its lock.
		return r.ticketWithKey(ctx, in.IdempotencyKey)
	}
	return r.db.Ticket.Get(ctx, made.ID)
}

// checkKey reports an idempotency key that is empty, too long, or holds
// what a database cannot store.
func checkKey(errs *validation.Error, k string) {
	switch n := utf8.RuneCountInString(k); {
	case n == 0:
		errs.Add("idempotencyKey", "must not be empty")
	case n > maxIdempotencyKeyRunes:
		errs.Add("idempotencyKey", fmt.Sprintf("must be at most %d characters (has %d)", maxIdempotencyKeyRunes, n))
	case !utf8.ValidString(k) || strings.ContainsRune(k, 0):
		errs.Add("idempotencyKey", "must be valid UTF-8 without NUL characters")
	}
}

// ticketWithKey is the viewer's ticket with the idempotency key, or nil.
func (r *Resolver) ticketWithKey(ctx context.Context, key *string) (*ent.Ticket, error) {
	if key == nil {
		return nil, nil
	}
	t, err := r.db.Ticket.Query().Where(ticket.IdempotencyKey(*key)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return t, err
}

// resolveNewTicket checks createTicket's references through the tenant's
// scoped transaction and fills in the board, its status and the tenant.
func (r *Resolver) resolveNewTicket(ctx context.Context, tx *ent.Tx, input model.CreateTicketInput, in *desk.NewTicket) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	in.TenantID = v.TenantID
	c := tx.Client()
	var errs validation.Error
	if err := checkAssignee(ctx, c, &errs, "assigneeId", input.AssigneeID); err != nil {
		return err
	}
	if id := input.PriorityID; id != nil {
		p, err := refs{c}.Priority(ctx, *id)
		switch {
		case err != nil:
			return fmt.Errorf("look up priority %d: %w", *id, err)
		case !p.Exists:
			errs.Add("priorityId", fmt.Sprintf("priority %d does not exist", *id))
		case p.Retired:
			errs.Add("priorityId", fmt.Sprintf("priority %d is retired", *id))
		}
	}
	if err := checkAssetClient(ctx, c, &errs, input.ClientID); err != nil {
		return err
	}
	if err := checkTicketAsset(ctx, c, &errs, input.AssetID, input.ClientID); err != nil {
		return err
	}
	if err := resolveBoardStatus(ctx, c, &errs, input.BoardID, input.StatusID, in); err != nil {
		return err
	}
	if errs.OrNil() != nil {
		return &errs
	}
	return nil
}

// checkTicketAsset checks a new ticket's asset: the tenant's, not retired,
// and the client's when a client is given.
func checkTicketAsset(ctx context.Context, c *ent.Client, errs *validation.Error, assetID, clientID *int) error {
	if assetID == nil {
		return nil
	}
	a, err := c.Asset.Query().Where(asset.ID(*assetID)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		errs.Add("assetId", fmt.Sprintf("asset %d does not exist", *assetID))
	case err != nil:
		return fmt.Errorf("look up asset %d: %w", *assetID, err)
	case a.RetiredAt != nil:
		errs.Add("assetId", fmt.Sprintf("asset %d is retired", *assetID))
	case clientID != nil && (a.ClientID == nil || *a.ClientID != *clientID):
		errs.Add("assetId", fmt.Sprintf("asset %d is not an asset of client %d", *assetID, *clientID))
	}
	return nil
}

// resolveBoardStatus sets the new ticket's board (given, else the default)
// and status (given and open on that board, else its default).
func resolveBoardStatus(ctx context.Context, c *ent.Client, errs *validation.Error, boardID, statusID *int, in *desk.NewTicket) error {
	q := c.Board.Query()
	if boardID != nil {
		q = q.Where(board.ID(*boardID))
	} else {
		q = q.Where(board.IsDefault(true)).Order(board.ByID())
	}
	b, err := q.First(ctx)
	switch {
	case ent.IsNotFound(err) && boardID != nil:
		errs.Add("boardId", fmt.Sprintf("board %d does not exist", *boardID))
		return nil
	case ent.IsNotFound(err):
		errs.Add("boardId", "is required: the tenant has no default board")
		return nil
	case err != nil:
		return fmt.Errorf("look up board: %w", err)
	case b.RetiredAt != nil:
		errs.Add("boardId", fmt.Sprintf("board %d is retired", b.ID))
		return nil
	}
	in.BoardID = b.ID
	if statusID == nil {
		st, err := desk.DefaultStatus(ctx, c, b.TenantID, b.ID)
		if errors.Is(err, desk.ErrNoStatus) {
			errs.Add("boardId", fmt.Sprintf("board %d has no open status", b.ID))
			return nil
		}
		if err != nil {
			return err
		}
		in.StatusID = st.ID
		return nil
	}
	open, err := c.TicketStatus.Query().Where(ticketstatus.ID(*statusID), ticketstatus.BoardID(b.ID),
		ticketstatus.IsClosed(false), ticketstatus.RetiredAtIsNil()).Exist(ctx)
	if err != nil {
		return fmt.Errorf("look up status %d: %w", *statusID, err)
	}
	if !open {
		errs.Add("statusId", fmt.Sprintf("status %d is not an open, active status of board %d", *statusID, b.ID))
	}
	in.StatusID = *statusID
	return nil
}
