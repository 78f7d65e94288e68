package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/store"
)

// A Stage is one step of the pipeline. Stages run in order inside the
// event's transaction; a stage ends processing early by calling State.Stop.
type Stage interface {
	Name() string
	Exec(ctx context.Context, s *State) error
}

// MultiStage runs stages in order until one stops or fails.
type MultiStage []Stage

// Name implements Stage.
func (MultiStage) Name() string { return "multi" }

// Exec implements Stage.
func (ms MultiStage) Exec(ctx context.Context, s *State) error {
	for _, st := range ms {
		if s.stopped {
			return nil
		}
		err := st.Exec(ctx, s)
		if _, nested := st.(MultiStage); err != nil && !nested {
			return fmt.Errorf("pipeline: %s: %w", st.Name(), err)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// State is what the stages know and decide about one event.
type State struct {
	Event event.Event
	Tx    *ent.Tx
	// batch takes writes whose results nothing reads, for the commit's
	// round trip.
	batch *store.Batch
	// At is the time the event is judged at: when it occurred, or for a
	// reprocessed alert, the time of reprocessing.
	At time.Time

	Alert      *ent.Alert
	AssetID    *int
	ClientID   *int
	ClientName string
	Rule       *rule.Rule
	Ticket     *ent.Ticket

	Outcome Outcome
	steps   []string
	stopped bool
	create  *ent.AlertCreate // a first-seen alert, inserted by finish
	pending *ent.AlertUpdate
	outbox  []outboxEntry
	// condition is the change to the condition's row, written by finish.
	condition *conditionChange
	// lookup is a trigger's lookup, read with the locks (PostgreSQL).
	lookup *triggerLookup
	// reset is a reset's lookup, read with the locks (PostgreSQL).
	reset *resetLookup
	// dir is a trigger's device and organization mappings, read with the
	// locks (PostgreSQL).
	dir *eventDirectory

	// page is the page of events the state's event is part of (nil: the
	// event runs alone); draft is the ticket it drafted in that page.
	page  *page
	draft *desk.Draft
	// group is what the firings run together with this one share (nil:
	// it runs alone, or reads what it needs itself).
	group *together
	// assetMade says the event made, or found just made, its device's
	// asset: directories read before may not know it.
	assetMade bool

	// The tenant's configuration version as the transaction read it, and
	// the routing configuration of that version once a stage needed it.
	version     int64
	versionRead bool
	cfg         *Config
}

// alertChanges collects changes to the alert; finish writes them in one
// statement with the trace: the INSERT of a first-seen alert, else a
// plain UPDATE (ent's UpdateOne would read the row back). Stages also set
// the in-memory fields they change, so later stages see them.
func (s *State) alertChanges() *ent.AlertMutation {
	if s.create != nil {
		return s.create.Mutation()
	}
	if s.pending == nil {
		s.pending = s.Tx.Alert.Update().Where(entalert.ID(s.Alert.ID))
	}
	return s.pending.Mutation()
}

// outboxEntry is a side effect finish writes after the alert, when the
// alert has its id and its final state.
type outboxEntry struct {
	topic   string
	payload func() map[string]any
}

// publish queues an outbox entry; payload is called by finish.
func (s *State) publish(topic string, payload func() map[string]any) {
	s.outbox = append(s.outbox, outboxEntry{topic, payload})
}

// Tracef adds a line to the decision trace.
func (s *State) Tracef(format string, args ...any) {
	s.steps = append(s.steps, fmt.Sprintf(format, args...))
}

// trace adds a line that is already formatted.
func (s *State) trace(line string) { s.steps = append(s.steps, line) }

// Stop ends processing with an outcome.
func (s *State) Stop(o Outcome) {
	s.Outcome = o
	s.stopped = true
}

// Outcome is what the pipeline did with an event.
type Outcome string

// Outcomes.
const (
	Created      Outcome = "ticket_created"
	Joined       Outcome = "occurrence_added"
	Suppressed   Outcome = "suppressed"
	NoRule       Outcome = "no_rule_matched"
	Recorded     Outcome = "recorded"
	Unmapped     Outcome = "unmapped_organization"
	Replay       Outcome = "replay"
	Stale        Outcome = "out_of_order"
	Resolved     Outcome = "resolved"
	Acknowledged Outcome = "acknowledged"
	TicketFailed Outcome = "ticket_failed"
)

// stageFunc adapts a function to a Stage.
type stageFunc struct {
	name string
	fn   func(ctx context.Context, s *State) error
}

func (f stageFunc) Name() string                             { return f.name }
func (f stageFunc) Exec(ctx context.Context, s *State) error { return f.fn(ctx, s) }
