package pipeline

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/store"
)

// maxTraces bounds the per-alert decision trace history.
const maxTraces = 20

// Pipeline processes events for every tenant.
type Pipeline struct {
	store   *store.Store
	desk    *desk.Desk
	configs *configCache
	log     *slog.Logger

	triggered    MultiStage
	reset        MultiStage
	acknowledged MultiStage
	route        MultiStage
}

// New assembles the pipeline's stages.
func New(s *store.Store, d *desk.Desk, log *slog.Logger) *Pipeline {
	if log == nil {
		log = slog.Default()
	}
	p := &Pipeline{store: s, desk: d, configs: newConfigCache(), log: log}
	p.route = MultiStage{
		stageFunc{"scope", p.scope},
		stageFunc{"maintenance", p.maintenance},
		stageFunc{"rules", p.matchRules},
		stageFunc{"dedup", p.dedup},
		stageFunc{"ticket", p.createTicket},
		stageFunc{"publish", p.publishTriggered},
	}
	p.triggered = MultiStage{stageFunc{"upsert", p.upsertTriggered}, p.route}
	p.reset = MultiStage{
		stageFunc{"load", p.loadForReset},
		stageFunc{"resolve", p.resolve},
		stageFunc{"ticket-sync", p.syncTicketOnReset},
		stageFunc{"publish", p.publishResolved},
	}
	p.acknowledged = MultiStage{stageFunc{"acknowledge", p.acknowledge}}
	return p
}

// Result says what happened to one event.
type Result struct {
	AlertID  int
	TicketID *int
	Outcome  Outcome
	Trace    []string
}

// process runs one event through the pipeline in its own transaction,
// once (Process runs it again after a transient failure).
func (p *Pipeline) process(ctx context.Context, ev event.Event, o options) (Result, error) {
	ev, err := prepare(ev)
	if err != nil {
		return Result{}, err
	}
	// BEGIN, the locks and (on PostgreSQL) a trigger's lookup go to the
	// database in one round trip; finish defers its last writes to COMMIT.
	r := p.newRun(ev)
	var res Result
	err = p.store.BatchTx(ctx, r.first, func(tx *ent.Tx, b *store.Batch) error {
		var err error
		res, err = p.exec(ctx, tx, b, r, o)
		return err
	})
	if err != nil {
		return Result{}, err
	}
	p.logged(ctx, ev, res)
	return res, nil
}

func applyOptions(opts []Option) options {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// prepare cleans and checks an event as every run of the pipeline does.
func prepare(ev event.Event) (event.Event, error) {
	ev = ev.Clean()
	if err := ev.Validate(); err != nil {
		return ev, err
	}
	if ev.TenantID == 0 || ev.IntegrationID == 0 {
		return ev, fmt.Errorf("pipeline: event without tenant or integration")
	}
	ev.OccurredAt = ev.OccurredAt.UTC()
	return ev, nil
}

// run is one prepared event with the statements that open its work in a
// transaction (the locks, and on PostgreSQL its lookup) and what they read.
type run struct {
	ev     event.Event
	stages MultiStage
	first  []store.Statement
	lock   lockRead
	look   *triggerLookup
	dir    *eventDirectory
	reset  *resetLookup
	// lockOf is the run whose lock statement read this one's version
	// and secret (a group's, see groupReads).
	lockOf *run
}

// lockRead is what the lock statement that serves r read.
func (r *run) lockRead() lockRead {
	if r.lockOf != nil {
		return r.lockOf.lock
	}
	return r.lock
}

func (p *Pipeline) newRun(ev event.Event) *run {
	r := &run{ev: ev}
	switch ev.Kind {
	case event.Triggered:
		r.stages = p.triggered
	case event.Reset:
		r.stages = p.reset
	case event.Acknowledged:
		r.stages = p.acknowledged
	}
	r.first = []store.Statement{p.lockStatement(ev, &r.lock)}
	switch {
	case !p.store.IsPostgres():
	case ev.Kind == event.Triggered:
		r.look, r.dir = &triggerLookup{}, &eventDirectory{}
		r.first = append(r.first, r.look.statement(ev), r.dir.statement(ev))
	case ev.Kind == event.Reset:
		r.reset = &resetLookup{}
		r.first = append(r.first, r.reset.statements(ev)...)
	}
	return r
}

// exec runs r's stages and writes their outcome, once r.first was read in
// the transaction.
func (p *Pipeline) exec(ctx context.Context, tx *ent.Tx, b *store.Batch, r *run, o options) (Result, error) {
	res, _, err := p.execIn(ctx, tx, b, r, o, nil)
	return res, err
}

// execIn is exec, for a firing of a group that shares g (nil: none); it
// returns the state too.
func (p *Pipeline) execIn(ctx context.Context, tx *ent.Tx, b *store.Batch, r *run, o options, g *together) (Result, *State, error) {
	version, err := r.lock.check(r.ev, o)
	if err != nil {
		return Result{}, nil, err
	}
	s := &State{Event: r.ev, Tx: tx, batch: b, At: r.ev.OccurredAt, version: version, versionRead: true,
		lookup: r.look, dir: r.dir, reset: r.reset, group: g}
	if err := r.stages.Exec(ctx, s); err != nil {
		return Result{}, s, err
	}
	res, err := p.finish(ctx, s)
	return res, s, err
}

// logged logs a committed event's outcome at debug level.
func (p *Pipeline) logged(ctx context.Context, ev event.Event, res Result) {
	// Checked first: the attributes would cost an allocation per event.
	if p.log.Enabled(ctx, slog.LevelDebug) {
		p.log.DebugContext(ctx, "pipeline: event processed", "tenant", ev.TenantID, "integration", ev.IntegrationID,
			"kind", string(ev.Kind), "origin", ev.Origin, "alert", res.AlertID, "outcome", string(res.Outcome))
	}
}

// lockRead is what the lock statement reads.
type lockRead struct {
	version *int64
	secret  *string
}

// lockStatement serializes work per alert, then per condition (always in
// this order, so two events never wait on each other's locks), and reads
// the tenant's configuration version and the integration's webhook secret
// in the same statement.
func (p *Pipeline) lockStatement(ev event.Event, r *lockRead) store.Statement {
	st := store.Statement{
		Name: "pipeline: lock",
		SQL: `SELECT (SELECT config_version FROM tenants WHERE id = ?),
	(SELECT webhook_secret FROM integrations WHERE id = ? AND tenant_id = ?)`,
		Args: []any{ev.TenantID, ev.IntegrationID, ev.TenantID},
	}
	dest := []any{&r.version, &r.secret}
	if p.store.IsPostgres() {
		locks, keys := store.LockKeysSelect(
			alertLockKey(ev.TenantID, ev.IntegrationID, ev.ExternalAlertID),
			dedupLockKey(ev.TenantID, ev.IntegrationID, ev.DedupKey()),
		)
		st.SQL = "SELECT " + locks + `, (SELECT config_version FROM tenants WHERE id = $3),
	(SELECT webhook_secret FROM integrations WHERE id = $4 AND tenant_id = $3)`
		st.Args = append(keys, ev.TenantID, ev.IntegrationID)
		dest = []any{new(any), new(any), &r.version, &r.secret}
	}
	st.Read = func(rows store.Rows) error { return store.ScanRow(rows, dest...) }
	return st
}

// check returns the configuration version read, after comparing the
// secret when o asks to confirm it.
func (r lockRead) check(ev event.Event, o options) (int64, error) {
	if o.withSecret && (r.secret == nil || *r.secret == "" ||
		subtle.ConstantTimeCompare([]byte(*r.secret), []byte(o.secret)) != 1) {
		return 0, ErrSecretChanged
	}
	if r.version == nil {
		return 0, fmt.Errorf("pipeline: tenant %d not found", ev.TenantID)
	}
	return *r.version, nil
}

// alertLockKey and dedupLockKey name the advisory locks that serialize
// work on one alert and on one condition; always taken in that order.
func alertLockKey(tenantID, integrationID int, externalAlertID string) string {
	return fmt.Sprintf("alert:%d:%d:%s", tenantID, integrationID, externalAlertID)
}

func dedupLockKey(tenantID, integrationID int, dedupKey string) string {
	return fmt.Sprintf("dedup:%d:%d:%s", tenantID, integrationID, dedupKey)
}

// finish writes the alert with its decision trace, then the outbox
// entries the stages queued, and builds the result.
func (p *Pipeline) finish(ctx context.Context, s *State) (Result, error) {
	res := Result{Outcome: s.Outcome, Trace: s.steps}
	if s.Alert == nil {
		return res, nil
	}
	if s.Outcome == Replay || s.Outcome == Stale {
		// A replay changes nothing, not even the trace.
		return s.result(res), nil
	}
	entry := map[string]any{
		"at":      time.Now().UTC().Format(time.RFC3339Nano),
		"event":   string(s.Event.Kind),
		"origin":  s.Event.Origin,
		"outcome": string(s.Outcome),
		"steps":   s.steps,
	}
	traces := append(s.Alert.DecisionTrace, entry)
	if len(traces) > maxTraces {
		traces = traces[len(traces)-maxTraces:]
	}
	s.alertChanges().SetDecisionTrace(traces)
	if s.page != nil {
		// Written with the page's other alerts.
		if err := s.page.add(ctx, s); err != nil {
			return res, err
		}
		s.create, s.Alert.DecisionTrace = nil, traces
		return s.result(res), nil
	}
	if len(s.outbox) > 0 {
		p.desk.Signal(s.Tx)
	}
	if s.create != nil && s.Alert.ID != 0 {
		// Its id was drawn in the lookup (PostgreSQL): the alert and the
		// entries naming it go in one statement, or with the group's.
		insert := insertAlert
		if s.group != nil {
			if err := s.group.writeDraft(ctx, s); err != nil {
				return res, err
			}
			insert = s.group.addAlert
		}
		if err := insert(ctx, s); err != nil {
			return res, err
		}
		if err := p.writeCondition(ctx, s); err != nil {
			return res, err
		}
		s.create, s.Alert.DecisionTrace = nil, traces
		return s.result(res), nil
	}
	if s.create == nil && p.store.IsPostgres() {
		// The alert and its entries in one statement, with COMMIT.
		if err := updateAlert(ctx, s); err != nil {
			return res, err
		}
		s.Alert.DecisionTrace = traces
		if err := p.writeCondition(ctx, s); err != nil {
			return res, err
		}
		return s.result(res), nil
	}
	if s.create != nil {
		a, err := s.create.Save(ctx)
		if err != nil {
			return res, fmt.Errorf("pipeline: create alert: %w", err)
		}
		s.Alert.ID, s.create = a.ID, nil
	} else if err := s.pending.Exec(ctx); err != nil {
		return res, fmt.Errorf("pipeline: save alert: %w", err)
	}
	s.Alert.DecisionTrace = traces
	if err := p.writeCondition(ctx, s); err != nil {
		return res, err
	}
	for _, o := range s.outbox {
		if err := outbox.Add(ctx, s.Tx.Client(), s.Event.TenantID, o.topic, o.payload()); err != nil {
			return res, err
		}
	}
	return s.result(res), nil
}

// result fills in the alert and ticket of res.
func (s *State) result(res Result) Result {
	res.AlertID = s.Alert.ID
	switch {
	case s.Ticket != nil:
		res.TicketID = &s.Ticket.ID
	case s.Alert.TicketID != nil:
		res.TicketID = s.Alert.TicketID
	}
	return res
}
