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
	"github.com/alertdesk/alertdesk/ent/predicate"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

const ticketCursorKind = "ticket"

func ticketFilter(f *model.TicketFilter) []predicate.Ticket {
	if f == nil {
		return nil
	}
	var ps []predicate.Ticket
	if f.Open != nil {
		if *f.Open {
			ps = append(ps, ticket.ClosedAtIsNil())
		} else {
			ps = append(ps, ticket.ClosedAtNotNil())
		}
	}
	eq := []struct {
		id *int
		p  func(int) predicate.Ticket
	}{
		{f.BoardID, ticket.BoardID}, {f.StatusID, ticket.StatusID}, {f.PriorityID, ticket.PriorityID},
		{f.AssigneeID, ticket.AssigneeID}, {f.ClientID, ticket.ClientID}, {f.AssetID, ticket.AssetID},
	}
	for _, e := range eq {
		if e.id != nil {
			ps = append(ps, e.p(*e.id))
		}
	}
	if f.Source != nil {
		ps = append(ps, ticket.Source(*f.Source))
	}
	if text := strings.TrimSpace(deref(f.Text)); text != "" {
		p := ticket.TitleContainsFold(text)
		if n, err := strconv.Atoi(strings.TrimPrefix(text, "#")); err == nil {
			p = ticket.Or(p, ticket.Number(n))
		}
		ps = append(ps, p)
	}
	return ps
}

// ticketPage lists tickets newest first, paginated by id.
func (r *Resolver) ticketPage(ctx context.Context, f *model.TicketFilter, first *int, after *string) (*model.TicketConnection, error) {
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	afterID, hasCursor, err := parseIDCursor(ticketCursorKind, after)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	ps := ticketFilter(f)
	q := r.db.Ticket.Query().Where(ps...)
	if hasCursor {
		q.Where(ticket.IDLT(afterID))
	}
	if sel := connectionNodes(ctx, "TicketConnection", "TicketEdge", "Ticket"); sel != nil {
		eagerTickets(graphql.GetOperationContext(ctx), sel, q)
	}
	rows, err := q.Order(ent.Desc(ticket.FieldID)).Limit(n + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	more := len(rows) > n
	rows = rows[:min(len(rows), n)]
	conn := &model.TicketConnection{
		Nodes:    rows,
		Edges:    make([]*model.TicketEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count:    func(ctx context.Context) (int, error) { return r.db.Ticket.Query().Where(ps...).Count(ctx) },
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
// ticket's board: a person closing a ticket means that status.
func checkClosedStatus(ctx context.Context, tx *ent.Tx, t *ent.Ticket, statusID int) error {
	ok, err := tx.TicketStatus.Query().Where(ticketstatus.ID(statusID), ticketstatus.BoardID(t.BoardID),
		ticketstatus.IsClosed(true)).Exist(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return fieldError("statusId", fmt.Sprintf("status %d is not a closed status of the ticket's board", statusID))
	}
	return nil
}
