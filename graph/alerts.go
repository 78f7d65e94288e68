package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

const alertCursorKind = "alert"

// alertList is the keyset query of an alert list: newest event first,
// on the index of the filter's most selective field.
func (r *Resolver) alertList(tenantID int, f *model.AlertFilter) (listQuery, error) {
	q := listQuery{postgres: r.store.IsPostgres(), table: alert.Table, keys: []string{alert.FieldLastEventAt, alert.FieldID}}
	q.where.add("tenant_id = ?", tenantID)
	if f == nil {
		return q, nil
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return q, fieldError("filter.to", "must be after filter.from")
	}
	q.branches = cross(anyOf(alert.FieldStatus, distinct(f.Status)), anyOf(alert.FieldSeverity, distinct(f.Severity)))
	eq := []struct {
		column string
		id     *int
	}{
		{alert.FieldIntegrationID, f.IntegrationID}, {alert.FieldClientID, f.ClientID},
		{alert.FieldAssetID, f.AssetID}, {alert.FieldTicketID, f.TicketID},
	}
	for _, e := range eq {
		if e.id != nil {
			q.where.add(e.column+" = ?", *e.id)
		}
	}
	if f.ExternalDeviceID != nil {
		q.where.add(alert.FieldExternalDeviceID+" = ?", *f.ExternalDeviceID)
	}
	if f.Text != nil && *f.Text != "" {
		like := q.likeOp()
		pattern := containsPattern(*f.Text)
		q.text.add(fmt.Sprintf(`(%s %s ? ESCAPE '\' OR %s %s ? ESCAPE '\')`,
			alert.FieldMessage, like, alert.FieldDeviceName, like), pattern, pattern)
		q.countCap = textCountCap
	}
	if f.From != nil {
		q.where.add(alert.FieldLastEventAt+" >= ?", f.From.UTC())
	}
	if f.To != nil {
		q.where.add(alert.FieldLastEventAt+" < ?", f.To.UTC())
	}
	if f.OrganizationUnmapped != nil {
		q.where.add(alert.FieldOrganizationUnmapped+" = ?", *f.OrganizationUnmapped)
	}
	return q, nil
}

// distinct returns the values once each, as strings, in their order.
func distinct[T ~string](values []T) []string {
	var out []string
	for _, v := range values {
		if !slices.Contains(out, string(v)) {
			out = append(out, string(v))
		}
	}
	return out
}

// alertPage lists alerts by their newest event, newest first, with keyset
// pagination on (last_event_at, id).
func (r *Resolver) alertPage(ctx context.Context, f *model.AlertFilter, first *int, after *string) (*model.AlertConnection, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	at, id, hasCursor, err := parseTimeCursor(alertCursorKind, after)
	addErr(&errs, err)
	lq, err := r.alertList(v.TenantID, f)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	var from []any
	if hasCursor {
		from = []any{at, id}
	}
	ids, err := lq.pageIDs(ctx, r.store.DB, from, n+1)
	if err != nil {
		return nil, err
	}
	more := len(ids) > n
	ids = ids[:min(len(ids), n)]
	rows := []*ent.Alert{}
	if len(ids) > 0 {
		q := r.db.Alert.Query().Where(alert.IDIn(ids...))
		sel := connectionNodes(ctx, "AlertConnection", "AlertEdge", "Alert")
		if sel != nil {
			eagerAlerts(graphql.GetOperationContext(ctx), sel, q)
			if cols := alertColumns(sel); cols != nil {
				q.Select(cols...)
			}
		}
		all, err := q.All(ctx)
		if err != nil {
			return nil, err
		}
		rows = inOrder(ids, all, func(a *ent.Alert) int { return a.ID })
		if err := r.prefetchConditions(ctx, sel, rows); err != nil {
			return nil, err
		}
	}
	conn := &model.AlertConnection{
		Nodes:    rows,
		Edges:    make([]*model.AlertEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count:    func(ctx context.Context) (model.Total, error) { return lq.total(ctx, r.store.DB) },
	}
	for i, a := range rows {
		conn.Edges[i] = &model.AlertEdge{Cursor: timeCursor(alertCursorKind, a.LastEventAt, a.ID), Node: a}
	}
	setCursors(conn.PageInfo, len(rows), func(i int) string { return conn.Edges[i].Cursor })
	return conn, nil
}

// setCursors fills the page's start and end cursors.
func setCursors(p *model.PageInfo, n int, cursor func(int) string) {
	if n == 0 {
		return
	}
	start, end := cursor(0), cursor(n-1)
	p.StartCursor, p.EndCursor = &start, &end
}

// addErr merges a validation error into errs; other errors cannot occur
// where it is used.
func addErr(errs *validation.Error, err error) {
	if v, ok := err.(*validation.Error); ok {
		errs.Merge(v)
	}
}

// jsonColumns are the alert's JSON columns, decoded for each row read
// and each read only by its own field.
var jsonColumns = map[string]string{alert.FieldMetadata: "metadata", alert.FieldDecisionTrace: "decisionTrace"}

// alertColumns are the columns a page reads when its selection leaves out
// a JSON column (nil: all of them): decoding them was an eighth of the
// CPU of a page of 100 alerts.
func alertColumns(sel selection) []string {
	var cols []string
	for _, c := range alert.Columns {
		if f, ok := jsonColumns[c]; ok {
			if _, selected := sel[f]; !selected {
				continue
			}
		}
		if c != alert.FieldID {
			cols = append(cols, c)
		}
	}
	if len(cols) == len(alert.Columns)-1 {
		return nil
	}
	return cols
}

// traceOf converts the stored decision trace.
func traceOf(a *ent.Alert) []*model.DecisionTraceEntry {
	out := make([]*model.DecisionTraceEntry, 0, len(a.DecisionTrace))
	for _, m := range a.DecisionTrace {
		e := &model.DecisionTraceEntry{
			Event:   str(m["event"]),
			Origin:  str(m["origin"]),
			Outcome: str(m["outcome"]),
			Steps:   []string{},
		}
		if t, err := time.Parse(time.RFC3339Nano, str(m["at"])); err == nil {
			e.At = &t
		}
		if steps, ok := m["steps"].([]any); ok {
			for _, s := range steps {
				e.Steps = append(e.Steps, str(s))
			}
		}
		out = append(out, e)
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// prefetchConditions loads the conditions of a page's tickets in one query
// when the page selects what they answer.
func (r *Resolver) prefetchConditions(ctx context.Context, sel selection, rows []*ent.Alert) error {
	_, count := sel["occurrenceCount"]
	_, last := sel["lastOccurrenceAt"]
	if !count && !last {
		return nil
	}
	var tickets []int
	for _, a := range rows {
		if a.TicketID != nil {
			tickets = append(tickets, *a.TicketID)
		}
	}
	return r.loadersOf(ctx).conditionsByTicket.prefetch(ctx, tickets)
}

// conditionOf is the alert's condition while the alert's ticket is the
// condition's open-group ticket, or nil: its count and last firing are
// the group's, which only the group's first alert carries itself.
func (r *Resolver) conditionOf(ctx context.Context, a *ent.Alert) (*ent.AlertCondition, error) {
	if a.TicketID == nil {
		return nil, nil
	}
	if c, ok := r.feedLoads.condition(a); ok {
		return c, nil // read once with a live-feed message's alert
	}
	cs, err := r.loadersOf(ctx).conditionsByTicket.load(ctx, *a.TicketID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if c.IntegrationID == a.IntegrationID && c.DedupKey == a.DedupKey {
			return c, nil
		}
	}
	return nil, nil
}
