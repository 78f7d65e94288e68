package graph

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/maintenancewindow"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/simulate"
	"github.com/alertdesk/alertdesk/validation"
)

// Simulation bounds: the proposed rules (each validated like a created
// rule, a few statements), the alerts replayed, and the keyset page they
// are read in, so that a replay of the cap stays within the response's
// statement budget.
const (
	maxProposedRules  = 100
	maxSimulateAlerts = 200_000
	simulatePageSize  = 5000
)

// proposedRules validates the proposed rules like createAlertRule's input,
// each rule's errors under rules.<index>, and returns them with the
// stored rules they stand for.
func proposedRules(ctx context.Context, c *ent.Client, integrationID int, in []*model.ProposedAlertRuleInput, stored map[int]*ent.AlertRule) (simulate.Proposed, *validation.Error, error) {
	var errs validation.Error
	if len(in) > maxProposedRules {
		errs.Add("rules", fmt.Sprintf("must list at most %d rules (has %d)", maxProposedRules, len(in)))
		return simulate.Proposed{}, &errs, nil
	}
	rules := make([]rule.Rule, len(in))
	existing := make([]int, len(in))
	seen := map[int]bool{}
	for i, p := range in {
		var one validation.Error
		name := checkName(&one, "name", p.Name, maxNameRunes)
		checkLength(&one, "description", deref(p.Description), maxDescriptionRunes)
		if p.ID != nil {
			switch r := stored[*p.ID]; {
			case r == nil:
				one.Add("id", fmt.Sprintf("rule %d is not a rule of this integration", *p.ID))
			case seen[*p.ID]:
				one.Add("id", fmt.Sprintf("rule %d is listed twice", *p.ID))
			default:
				existing[i] = *p.ID
			}
			seen[*p.ID] = true
		}
		spec, err := decodeRule(ctx, c, p.Conditions, p.Actions, &one)
		if err != nil {
			return simulate.Proposed{}, nil, err
		}
		for _, fe := range one.Errors {
			errs.Add(fmt.Sprintf("rules.%d.%s", i, fe.Field), fe.Message)
		}
		rules[i] = rule.Rule{
			Name:       name,
			Active:     p.IsActive == nil || *p.IsActive,
			Conditions: spec.conditions,
			Actions:    spec.actions,
		}
	}
	return simulate.NewProposed(rules, existing), errs.OrNil(), nil
}

// simulateRules runs the simulation for the viewer's tenant through the
// scoped client: the configuration as the pipeline loads it, the stored
// alerts in keyset pages, and the page's records in one query per kind.
func (r *Resolver) simulateRules(ctx context.Context, integrationID int, in []*model.ProposedAlertRuleInput,
	since, until time.Time, all bool, first int, after *simulate.Cursor) (*model.RuleSimulation, error) {
	v, err := viewer(ctx)
	if err != nil {
		return nil, err
	}
	c := r.db
	ok, err := refs{c}.Integration(ctx, integrationID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, notFound("integration", integrationID)
	}
	storedRules, err := c.AlertRule.Query().Where(alertrule.IntegrationID(integrationID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("simulate: rules: %w", err)
	}
	stored := make(map[int]*ent.AlertRule, len(storedRules))
	for _, sr := range storedRules {
		stored[sr.ID] = sr
	}
	var errs validation.Error
	if !until.After(since) {
		errs.Add("until", "must be after since")
	}
	proposed, verr, err := proposedRules(ctx, c, integrationID, in, stored)
	if err != nil {
		return nil, err
	}
	errs.Merge(verr)
	if errs.OrNil() != nil {
		return nil, &errs
	}
	cfg, err := pipeline.LoadConfig(ctx, c, v.TenantID, integrationID, 0, rule.NewCache())
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	rep, err := simulate.Run(ctx, c, cfg, proposed, simulate.Options{
		IntegrationID: integrationID, Since: since, Until: until, All: all, First: first, After: after,
		MaxAlerts: maxSimulateAlerts, PageSize: simulatePageSize,
	})
	if err != nil {
		return nil, err
	}
	return r.simulationOut(ctx, rep, proposed, stored, since, until, after != nil)
}

// simulationOut renders a report, reading the page's alerts, boards,
// priorities, users and windows in one query each.
func (r *Resolver) simulationOut(ctx context.Context, rep *simulate.Report, proposed simulate.Proposed,
	stored map[int]*ent.AlertRule, since, until time.Time, hasPrevious bool) (*model.RuleSimulation, error) {
	out := &model.RuleSimulation{
		Since: since, Until: until, Alerts: rep.Alerts, Changed: rep.Changed,
		TicketsToday: rep.TicketsToday, TicketsProposed: rep.TicketsProposed,
		TicketsGained: rep.Gained, TicketsLost: rep.Lost, Truncated: rep.Truncated,
		CurrentHits:  []*model.CurrentRuleHits{},
		ProposedHits: make([]*model.ProposedRuleHits, len(proposed.Rules)),
	}
	for _, h := range rep.TodayHits {
		if sr := stored[h.Rule.ID]; sr != nil {
			out.CurrentHits = append(out.CurrentHits, &model.CurrentRuleHits{Rule: sr, Hits: h.Hits})
		}
	}
	for i, pr := range proposed.Rules {
		out.ProposedHits[i] = &model.ProposedRuleHits{Index: i, Name: pr.Name, Rule: stored[proposed.Existing[i]], Hits: rep.ProposedHits[i]}
	}

	var alertIDs, boardIDs, prioIDs, userIDs, windowIDs []int
	for _, row := range rep.Rows {
		alertIDs = append(alertIDs, row.Alert.ID)
		for _, d := range []pipeline.Decision{row.Today, row.Proposed} {
			if d.BoardID != 0 {
				boardIDs = append(boardIDs, d.BoardID)
			}
			if d.PriorityID != nil {
				prioIDs = append(prioIDs, *d.PriorityID)
			}
			if d.AssigneeID != nil {
				userIDs = append(userIDs, *d.AssigneeID)
			}
			if d.WindowID != 0 {
				windowIDs = append(windowIDs, d.WindowID)
			}
		}
	}
	c := r.db
	alerts, err := byIDs(ctx, alertIDs, c.Alert.Query().Where(alert.IDIn(alertIDs...)).All, func(a *ent.Alert) int { return a.ID })
	if err != nil {
		return nil, err
	}
	boards, err := byIDs(ctx, boardIDs, c.Board.Query().Where(board.IDIn(boardIDs...)).All, func(b *ent.Board) int { return b.ID })
	if err != nil {
		return nil, err
	}
	prios, err := byIDs(ctx, prioIDs, c.Priority.Query().Where(priority.IDIn(prioIDs...)).All, func(p *ent.Priority) int { return p.ID })
	if err != nil {
		return nil, err
	}
	users, err := byIDs(ctx, userIDs, c.User.Query().Where(user.IDIn(userIDs...)).All, func(u *ent.User) int { return u.ID })
	if err != nil {
		return nil, err
	}
	windows, err := byIDs(ctx, windowIDs, c.MaintenanceWindow.Query().Where(maintenancewindow.IDIn(windowIDs...)).All,
		func(w *ent.MaintenanceWindow) int { return w.ID })
	if err != nil {
		return nil, err
	}
	decision := func(d pipeline.Decision, isProposed bool) *model.RuleDecision {
		o := &model.RuleDecision{Outcome: decisionOutcome(d.Outcome), Ticket: d.Ticket()}
		if d.Rule != nil {
			name := d.Rule.Name
			o.RuleName = &name
			id := d.Rule.ID
			if isProposed {
				i := simulate.Index(d.Rule)
				o.ProposedIndex = &i
				id = proposed.Existing[i]
			}
			o.Rule = stored[id]
		}
		o.Board = boards[d.BoardID]
		if d.PriorityID != nil {
			o.Priority = prios[*d.PriorityID]
		}
		if d.AssigneeID != nil {
			o.Assignee = users[*d.AssigneeID]
		}
		o.MaintenanceWindow = windows[d.WindowID]
		if d.Error != "" {
			e := d.Error
			o.TicketError = &e
		}
		return o
	}
	page := &model.SimulatedAlertPage{Nodes: []*model.SimulatedAlert{}, PageInfo: &model.PageInfo{HasNextPage: rep.HasNextPage, HasPreviousPage: hasPrevious}}
	for _, row := range rep.Rows {
		a := alerts[row.Alert.ID]
		if a == nil {
			continue // deleted since it was read
		}
		cur := simulate.CursorOf(row.Alert).String()
		page.Nodes = append(page.Nodes, &model.SimulatedAlert{
			Alert: a, Today: decision(row.Today, false), Proposed: decision(row.Proposed, true),
			Changed: row.Changed, Cursor: cur,
		})
		if page.PageInfo.StartCursor == nil {
			page.PageInfo.StartCursor = &cur
		}
		page.PageInfo.EndCursor = &cur
	}
	out.Differences = page
	return out, nil
}

// byIDs runs load (a query of ids) unless ids is empty and maps the rows
// by id.
func byIDs[T any](ctx context.Context, ids []int, load func(context.Context) ([]T, error), id func(T) int) (map[int]T, error) {
	m := make(map[int]T, len(ids))
	if len(ids) == 0 {
		return m, nil
	}
	rows, err := load(ctx)
	if err != nil {
		return nil, fmt.Errorf("simulate: load: %w", err)
	}
	for _, row := range rows {
		m[id(row)] = row
	}
	return m, nil
}

func decisionOutcome(o pipeline.Outcome) model.RuleDecisionOutcome {
	switch o {
	case pipeline.Created:
		return model.RuleDecisionOutcomeTicket
	case pipeline.Recorded:
		return model.RuleDecisionOutcomeRecorded
	case pipeline.Suppressed:
		return model.RuleDecisionOutcomeSuppressed
	case pipeline.Unmapped:
		return model.RuleDecisionOutcomeUnmapped
	case pipeline.TicketFailed:
		return model.RuleDecisionOutcomeTicketFailed
	}
	return model.RuleDecisionOutcomeNoRule
}
