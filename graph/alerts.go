package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/predicate"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/validation"
)

const alertCursorKind = "alert"

// alertFilter turns the filter into predicates.
func alertFilter(f *model.AlertFilter) ([]predicate.Alert, error) {
	if f == nil {
		return nil, nil
	}
	var ps []predicate.Alert
	if len(f.Status) > 0 {
		ps = append(ps, alert.StatusIn(f.Status...))
	}
	if len(f.Severity) > 0 {
		ps = append(ps, alert.SeverityIn(f.Severity...))
	}
	if f.IntegrationID != nil {
		ps = append(ps, alert.IntegrationID(*f.IntegrationID))
	}
	if f.ClientID != nil {
		ps = append(ps, alert.ClientID(*f.ClientID))
	}
	if f.AssetID != nil {
		ps = append(ps, alert.AssetID(*f.AssetID))
	}
	if f.ExternalDeviceID != nil {
		ps = append(ps, alert.ExternalDeviceID(*f.ExternalDeviceID))
	}
	if f.Text != nil && *f.Text != "" {
		ps = append(ps, alert.Or(alert.MessageContainsFold(*f.Text), alert.DeviceNameContainsFold(*f.Text)))
	}
	if f.From != nil {
		ps = append(ps, alert.LastEventAtGTE(f.From.UTC()))
	}
	if f.To != nil {
		ps = append(ps, alert.LastEventAtLT(f.To.UTC()))
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return nil, fieldError("filter.to", "must be after filter.from")
	}
	if f.OrganizationUnmapped != nil {
		ps = append(ps, alert.OrganizationUnmapped(*f.OrganizationUnmapped))
	}
	return ps, nil
}

// alertPage lists alerts by their newest event, newest first, with keyset
// pagination on (last_event_at, id).
func (r *Resolver) alertPage(ctx context.Context, f *model.AlertFilter, first *int, after *string) (*model.AlertConnection, error) {
	var errs validation.Error
	n, err := pageSize(first)
	addErr(&errs, err)
	at, id, hasCursor, err := parseTimeCursor(alertCursorKind, after)
	addErr(&errs, err)
	ps, err := alertFilter(f)
	addErr(&errs, err)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	q := r.db.Alert.Query().Where(ps...)
	if hasCursor {
		q.Where(alert.Or(alert.LastEventAtLT(at), alert.And(alert.LastEventAt(at), alert.IDLT(id))))
	}
	if sel := connectionNodes(ctx, "AlertConnection", "AlertEdge", "Alert"); sel != nil {
		eagerAlerts(graphql.GetOperationContext(ctx), sel, q)
	}
	rows, err := q.Order(ent.Desc(alert.FieldLastEventAt), ent.Desc(alert.FieldID)).Limit(n + 1).All(ctx)
	if err != nil {
		return nil, err
	}
	more := len(rows) > n
	rows = rows[:min(len(rows), n)]
	conn := &model.AlertConnection{
		Nodes:    rows,
		Edges:    make([]*model.AlertEdge, len(rows)),
		PageInfo: &model.PageInfo{HasNextPage: more, HasPreviousPage: hasCursor},
		Count:    func(ctx context.Context) (int, error) { return r.db.Alert.Query().Where(ps...).Count(ctx) },
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
