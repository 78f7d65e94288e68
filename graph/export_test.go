package graph

import (
	"context"
	"database/sql"
	"time"

	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/store"
)

// FeedRenders is how many alertEvents responses of the tenant the
// process has executed (not counting those that reused another's).
func FeedRenders(tenantID int) int {
	feedRenderCounts.Lock()
	defer feedRenderCounts.Unlock()
	return feedRenderCounts.n[tenantID]
}

// SetWSWriteTimeout sets how long a WebSocket message's write may take,
// until the test ends.
func SetWSWriteTimeout(t interface{ Cleanup(func()) }, d time.Duration) {
	old := wsWriteTimeout
	wsWriteTimeout = d
	t.Cleanup(func() { wsWriteTimeout = old })
}

// TextWindow is how many rows a text page reads first.
const TextWindow = textWindow

// ListStatement is one SQL statement a list runs, as sent, after Setup
// in the same transaction when there is one.
type ListStatement struct {
	SQL   string
	Args  []any
	Setup string
}

// ListStatements are a list page's statements: the page of ids (after a
// cursor of the list's keys, or the first) and the capped count. A text
// page on PostgreSQL runs Window and, when the window holds too few
// matches, Older (here from the cursor) instead of Page.
type ListStatements struct{ Page, Count, Window, Older ListStatement }

func statementsOf(q listQuery, after []any, limit int) ListStatements {
	page, pageArgs := q.pageSQL(after, limit)
	count, countArgs := q.countSQL()
	out := ListStatements{Page: ListStatement{SQL: page, Args: pageArgs}, Count: ListStatement{SQL: count, Args: countArgs}}
	if q.postgres && len(q.text.sql) > 0 {
		window, windowArgs := q.windowSQL(after, limit, textWindow)
		older, olderArgs := q.olderSQL(after, limit)
		out.Window = ListStatement{SQL: window, Args: windowArgs}
		out.Older = ListStatement{SQL: older, Args: olderArgs, Setup: bitmapOnly}
	}
	return out
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

// NoisePostgresSQL is alertNoiseReport's grouping statement on
// PostgreSQL with every dimension.
func NoisePostgresSQL() string {
	dims := map[model.NoiseDimension]bool{}
	for _, d := range model.AllNoiseDimension {
		dims[d] = true
	}
	return noisePostgresSQL(dims)
}

// NoiseSettings are the settings alertNoiseReport's transaction takes.
const NoiseSettings = noiseSettings

// RawNoiseReport is alertNoiseReport computed by grouping the period's
// alerts themselves, as before the rollups (names left empty).
func RawNoiseReport(ctx context.Context, st *store.Store, tenantID int, since, until time.Time, limit int) (*model.NoiseReport, error) {
	a, err := checkNoiseArgs(since, until, nil, &limit)
	if err != nil {
		return nil, err
	}
	a.tenant = tenantID
	r := &Resolver{store: st}
	rep := newNoiseReport(a)
	var closed int
	if st.IsPostgres() {
		closed, err = r.noisePostgres(ctx, a, rep)
	} else {
		closed, err = r.noiseSQLite(ctx, a, rep)
	}
	if err != nil {
		return nil, err
	}
	finishNoise(rep, closed)
	return rep, nil
}

// NoiseRollupStatements are alertNoiseReport's statements on
// PostgreSQL with every dimension, with their arguments (the rankings'
// thresholds read from db).
func NoiseRollupStatements(ctx context.Context, db *sql.DB, tenantID int, since, until time.Time, limit int) ([]ListStatement, error) {
	a, _ := checkNoiseArgs(since, until, nil, &limit)
	a.tenant = tenantID
	d, args := noiseDialectOf(true), spanOf(a.since, a.until).args(a)
	stmts := []ListStatement{{SQL: d.noiseDimsSQL(a.dims), Args: args[:noiseDimsArgs]}}
	for _, flapping := range []bool{false, true} {
		var l int64
		if err := noiseRow(ctx, db, d.noiseThresholdSQL(flapping), args, &l); err != nil {
			return nil, err
		}
		stmts = append(stmts, ListStatement{SQL: d.noiseThresholdSQL(flapping), Args: args},
			ListStatement{SQL: d.noiseConditionsSQL(flapping), Args: withThreshold(args, l)})
	}
	return stmts, nil
}
