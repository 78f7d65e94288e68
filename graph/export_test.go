package graph

import (
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/store"
)

// ListStatement is one SQL statement a list runs, as sent.
type ListStatement struct {
	SQL  string
	Args []any
}

// ListStatements are a list page's statements: the page of ids (after a
// cursor of the list's keys, or the first) and the capped count.
type ListStatements struct{ Page, Count ListStatement }

func statementsOf(q listQuery, after []any, limit int) ListStatements {
	page, pageArgs := q.pageSQL(after, limit)
	count, countArgs := q.countSQL()
	return ListStatements{Page: ListStatement{page, pageArgs}, Count: ListStatement{count, countArgs}}
}

// AlertListStatements are the statements of alerts(filter) after a
// (last_event_at, id) cursor.
func AlertListStatements(st *store.Store, tenantID int, f *model.AlertFilter, after []any, limit int) (ListStatements, error) {
	q, err := (&Resolver{store: st}).alertList(tenantID, f)
	return statementsOf(q, after, limit), err
}

// TicketListStatements are the statements of tickets(filter) after an id.
func TicketListStatements(st *store.Store, tenantID int, f *model.TicketFilter, after []any, limit int) ListStatements {
	return statementsOf((&Resolver{store: st}).ticketList(tenantID, f), after, limit)
}

// NotificationListStatements are the statements of notifications.
func NotificationListStatements(st *store.Store, tenantID, userID int, unreadOnly bool, after []any, limit int) ListStatements {
	return statementsOf((&Resolver{store: st}).notificationList(tenantID, userID, unreadOnly), after, limit)
}

// UnmappedOrganizationsQuery is the PostgreSQL query of unmappedOrganizations.
const UnmappedOrganizationsQuery = unmappedOrganizationsQuery
