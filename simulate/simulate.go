// Package simulate replays an integration's stored alerts through a
// proposed rule set beside the current one, in memory: nothing is written.
// Both decisions come from pipeline.Config.Decide, the routing code the
// pipeline runs, so simulation is not a second implementation of matching.
// "Today" is what the current rules decide for the stored alert now, not
// necessarily what happened when it fired.
package simulate

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/rule"
)

// Proposed is the proposed rule set: Rules in evaluation order, each
// with the existing rule it stands for (0 for a new one).
type Proposed struct {
	Rules    []rule.Rule
	Existing []int
}

// NewProposed numbers rules for evaluation: rule i gets PriorityOrder i
// and the id -(i+1), so a match names its index (Index); existing[i] is
// the stored rule it stands for, or 0.
func NewProposed(rules []rule.Rule, existing []int) Proposed {
	out := Proposed{Rules: make([]rule.Rule, len(rules)), Existing: existing}
	for i, r := range rules {
		r.ID, r.PriorityOrder, r.Version = -(i + 1), i, time.Time{}
		out.Rules[i] = r
	}
	return out
}

// Index is the proposed index of a rule of a Proposed set's matches.
func Index(r *rule.Rule) int { return -r.ID - 1 }

// Options say what to replay and which rows to return.
type Options struct {
	IntegrationID int
	// Since and Until bound the alerts' last event time: [Since, Until).
	Since, Until time.Time
	// All returns every alert, not only those whose decision differs.
	All bool
	// First is the page size of rows; After the last row of the previous
	// page (nil: from the newest).
	First int
	After *Cursor
	// MaxAlerts caps the alerts replayed (0: no cap); PageSize is the
	// keyset page the alerts are read in.
	MaxAlerts int
	PageSize  int
}

// Row is one alert's two decisions.
type Row struct {
	Alert    *ent.Alert
	Today    pipeline.Decision
	Proposed pipeline.Decision
	Changed  bool
}

// Report is the replay's totals over the whole window and one page of rows.
type Report struct {
	Totals
	Rows        []Row
	HasNextPage bool
}

// Run replays the window: cfg is the integration's current routing
// configuration, proposed the rule set to compare with it. Alerts are
// read in keyset pages through c and decided as they stream, so memory
// holds one page of alerts and the page of rows.
func Run(ctx context.Context, c *ent.Client, cfg *pipeline.Config, proposed Proposed, o Options) (*Report, error) {
	set := rule.NewCache().Set(proposed.Rules)
	rep := &Report{Totals: NewTotals(cfg.Rules, len(proposed.Rules))}
	past := o.After == nil
	err := Scan(ctx, c, o.IntegrationID, o.Since, o.Until, o.PageSize, func(page []*ent.Alert) (bool, error) {
		// The page's own device and organization mappings, not the
		// integration's whole inventory.
		cfg, err := cfg.DirectoryOf(ctx, c, page)
		if err != nil {
			return false, err
		}
		for _, a := range page {
			if o.MaxAlerts > 0 && rep.Alerts >= o.MaxAlerts {
				rep.Truncated = true
				return false, nil
			}
			sc := cfg.Scope(a)
			today, prop := cfg.Decide(&sc, nil), cfg.Decide(&sc, set)
			changed := rep.Add(today, prop, proposed.Existing)
			if !past {
				if !o.After.precedes(a) {
					continue
				}
				past = true
			}
			if !changed && !o.All {
				continue
			}
			if len(rep.Rows) == o.First {
				rep.HasNextPage = true
				continue
			}
			rep.Rows = append(rep.Rows, Row{Alert: a, Today: today, Proposed: prop, Changed: changed})
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return rep, nil
}
