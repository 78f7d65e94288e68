package graph

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

const ticketCursorKind = "ticket"

// ticketList is the keyset query of a ticket list: newest first (id).
func (r *Resolver) ticketList(tenantID int, f *model.TicketFilter) listQuery {
	q := listQuery{postgres: r.store.IsPostgres(), table: ticket.Table, keys: []string{ticket.FieldID}}
	q.where.add("tenant_id = ?", tenantID)
	if f == nil {
		return q
	}
	if f.Open != nil {
		if *f.Open {
			q.where.add(ticket.FieldClosedAt + " IS NULL")
		} else {
			q.where.add(ticket.FieldClosedAt + " IS NOT NULL")
		}
	}
	eq := []struct {
		column string
		id     *int
	}{
		{ticket.FieldBoardID, f.BoardID}, {ticket.FieldStatusID, f.StatusID}, {ticket.FieldPriorityID, f.PriorityID},
		{ticket.FieldAssigneeID, f.AssigneeID}, {ticket.FieldClientID, f.ClientID}, {ticket.FieldAssetID, f.AssetID},
	}
	for _, e := range eq {
		if e.id != nil {
			q.where.add(e.column+" = ?", *e.id)
		}
	}
	if f.Source != nil {
		q.where.add(ticket.FieldSource+" = ?", *f.Source)
	}
	if text := strings.TrimSpace(deref(f.Text)); text != "" {
		cond := fmt.Sprintf(`%s %s ? ESCAPE '\'`, ticket.FieldTitle, q.likeOp())
		args := []any{containsPattern(text)}
		if n, err := strconv.Atoi(strings.TrimPrefix(text, "#")); err == nil {
			cond = "(" + cond + " OR " + ticket.FieldNumber + " = ?)"
			args = append(args, n)
		}
		q.text.add(cond, args...)
		q.countCap = textCountCap
	}
	return q
}

// ticketPage lists tickets newest first, paginated by id.
func (r *Resolver) ticketPage(ctx context.Context, f *model.TicketFilter, first *int, after *string) (*model.TicketConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	afterID, hasCursor, err := parseIDCursor(ticketCursorKind, after)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	lq := r.ticketList(v.TenantID, f)
	var from []any
	if hasCursor {
		from = []any{afterID}
	}
	ids, err := lq.pageIDs(ctx, r.store.DB, from, n+1)
	if err != nil {
		return nil, err
	}
	more := len(ids) > n
	ids = ids[:min(len(ids), n)]
	rows := []*ent.Ticket{}
	if len(ids) > 0 {
		q := r.db.Ticket.Query().Where(ticket.IDIn(ids...))
		if sel := connectionNodes(ctx, "TicketConnection", "TicketEdge", "Ticket"); sel != nil {
			eagerTickets(graphql.GetOperationContext(ctx), sel, q)
		}
		all, err := q.All(ctx)
		if err != nil {
			return nil, err
		}
		rows = inOrder(ids, all, func(t *ent.Ticket) int { return t.ID })
	}
	conn := &model.TicketConnection{
		Nodes:    rows,
		Edges:    make([]*model.TicketEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count:    func(ctx context.Context) (model.Total, error) { return lq.total(ctx, r.store.DB) },
	}
	for i, t := range rows {
		conn.Edges[i] = &model.TicketEdge{Cursor: idCursor(ticketCursorKind, t.ID), Node: t}
	}
	setCursors(conn.PageInfo, len(rows), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

// ticketOp runs a desk operation on a ticket of the tenant as the caller,
// in a transaction of the scoped client. A ticket of another tenant reads
// as not found.
func (r *Resolver) ticketOp(ctx context.Context, ticketID int, fn func(tx *ent.Tx, t *ent.Ticket, by desk.Actor, tenantID int) error) error {
	v, err := viewer(ctx)
	if err != nil {
		return err
	}
	return r.inTx(ctx, func(tx *ent.Tx) error {
		t, err := tx.Ticket.Get(ctx, ticketID)
		if ent.IsNotFound(err) {
			return notFound("ticket", ticketID)
		}
		if err != nil {
			return err
		}
		err = fn(tx, t, desk.Person(v.UserID), v.TenantID)
		if errors.Is(err, desk.ErrNotFound) {
			return notFound("ticket", ticketID)
		}
		return err
	})
}

// checkClosedStatus refuses a status that is not a closed status of the
// ticket's board, or is retired: a person closing a ticket means that
// status.
func checkClosedStatus(ctx context.Context, tx *ent.Tx, t *ent.Ticket, statusID int) error {
	st, err := tx.TicketStatus.Query().Where(ticketstatus.ID(statusID), ticketstatus.BoardID(t.BoardID),
		ticketstatus.IsClosed(true)).Only(ctx)
	if ent.IsNotFound(err) {
		return fieldError("statusId", fmt.Sprintf("status %d is not a closed status of the ticket's board", statusID))
	}
	if err != nil {
		return err
	}
	if st.RetiredAt != nil {
		return fieldError("statusId", fmt.Sprintf("status %d is retired", statusID))
	}
	return nil
}
