package pipeline

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/alertdesk/alertdesk/event"
)

// MaxCombined bounds the firings a Combiner runs in one transaction: it
// bounds how long their locks are held and the latency of the last.
const MaxCombined = 64

// A Combiner runs webhook firings and resets through a Pipeline in groups
// that share a transaction (see ProcessTogether and ResetPage). A firing
// of a condition that has one in flight in this process waits, as a
// storm's firings would otherwise queue one transaction at a time behind
// its lock. While most firings join open tickets, firings of any
// condition also wait whenever GroupsInFlight groups or events are in
// flight: joins are bound by the commit's WAL flush and the locks they
// share (noise rollups), which a group takes once for all its firings.
// While most firings open tickets or make assets, they ran faster in
// parallel than in groups (docs/BENCHMARKS.md), so they run at once, as
// many as the store admits.
// Resets are always bound as joins are, and so is a firing of a condition
// whose last firing in this process left its ticket open (it will most
// likely join): such a light event waits whenever GroupsInFlight light
// groups or events are in flight (or, while firings group, any). Waiting
// firings, or waiting resets, of one tenant, integration and options run
// together, up to MaxCombined, when a group may start. Events of one
// alert, and firings of one condition, keep their order of arrival: one
// of them is in flight at a time, alone or in a group. Acknowledgements
// run through Process at once, or after the events of their alert that
// wait or run in this process.
type Combiner struct {
	// OnGroup, when set, is told the size of each group of two or more
	// run together.
	OnGroup func(events int)

	p *Pipeline

	mu      sync.Mutex
	running int // groups and lone events in flight
	// lightRunning counts those of running that were light when they
	// started (see light).
	lightRunning int
	// open holds, up to maxOpen, the conditions whose last firing in
	// this process opened or joined a ticket.
	open map[conditionKey]bool
	busy map[conditionKey]bool // conditions with a firing in flight
	// alerts counts the events in flight or waiting per alert, and
	// flying those in flight: an event waits for the events of its
	// alert before it.
	alerts  map[alertKey]int
	flying  map[alertKey]int
	waiting []*combined
	// heavy is a moving average of the share of firings that did not
	// join an open ticket; grouping says which side of it the last
	// change put the Combiner on.
	heavy    float64
	grouping bool
}

// GroupsInFlight is how many groups (or lone events) a Combiner runs at
// a time while most firings join open tickets, and how many light ones
// at any time: two, so that one group reads while the other commits.
const GroupsInFlight = 2

// maxOpen bounds Combiner.open: a condition forgotten only waits as any
// other firing while firings open tickets.
const maxOpen = 20000

// heavyWeight is the weight of each firing in Combiner.heavy, and
// groupBelow and aloneAbove its thresholds (apart, so that a load near
// one does not switch at every firing).
const (
	heavyWeight = 1.0 / 64
	groupBelow  = 0.4
	aloneAbove  = 0.6
)

// NewCombiner returns a Combiner running events through p.
func NewCombiner(p *Pipeline) *Combiner {
	// It starts running firings at once, as it would while they open
	// tickets.
	return &Combiner{p: p, busy: map[conditionKey]bool{}, alerts: map[alertKey]int{}, flying: map[alertKey]int{},
		open: map[conditionKey]bool{}, heavy: 1}
}

// conditionKey names a condition.
type conditionKey struct {
	tenantID, integrationID int
	dedupKey                string
}

// alertKey names an alert.
type alertKey struct {
	tenantID, integrationID int
	externalAlertID         string
}

// combined is one waiting event. Its done channel is closed with its
// result, or with lead set when its goroutine is to run the next group.
type combined struct {
	ev     event.Event
	opts   []Option
	o      options
	firing bool
	reset  bool
	light  bool         // the group it leads started light
	key    conditionKey // a firing's
	alert  alertKey
	done   chan struct{}
	res    Result
	err    error
	lead   []*combined
	picked bool // taken into a group
}

// Process runs ev as Pipeline.Process would, together with other waiting
// events of its kind when it has to wait.
func (c *Combiner) Process(ctx context.Context, ev event.Event, opts ...Option) (Result, error) {
	clean := ev.Clean()
	me := &combined{ev: ev, opts: opts, o: applyOptions(opts), firing: ev.Kind == event.Triggered, reset: ev.Kind == event.Reset,
		alert: alertKey{clean.TenantID, clean.IntegrationID, clean.ExternalAlertID}}
	c.mu.Lock()
	if !me.firing && !me.reset && c.alerts[me.alert] == 0 {
		c.mu.Unlock()
		return c.p.Process(ctx, ev, opts...)
	}
	if me.firing {
		me.key = conditionKey{clean.TenantID, clean.IntegrationID, clean.DedupKey()}
	}
	// After its alert's events that wait or run, in order.
	queued := c.alerts[me.alert] > 0
	c.alerts[me.alert]++
	if (me.firing || me.reset) && !queued && c.mayStart(me) && !(me.firing && c.busy[me.key]) {
		c.start([]*combined{me})
		c.mu.Unlock()
		// Deferred, so that a panic too ends the turn.
		defer c.finish([]*combined{me})
		me.res, me.err = c.p.Process(ctx, ev, opts...)
		return me.res, me.err
	}
	me.done = make(chan struct{})
	c.waiting = append(c.waiting, me)
	c.mu.Unlock()

	select {
	case <-me.done:
	case <-ctx.Done():
		if c.withdraw(me) {
			return Result{}, ctx.Err()
		}
		<-me.done // taken into a group already: its result is coming
	}
	if me.lead == nil {
		return me.res, me.err
	}
	defer c.finish(me.lead)
	if len(me.lead) == 1 {
		me.res, me.err = c.p.Process(ctx, ev, opts...)
		return me.res, me.err
	}
	c.runGroup(ctx, me.lead)
	return me.res, me.err
}

// light says whether w is bound by what transactions share, not by CPU:
// a reset, a firing while most firings join, or a firing of a condition
// whose ticket it most likely joins. c.mu is held.
func (c *Combiner) light(w *combined) bool {
	return w.reset || (w.firing && (c.grouping || c.open[w.key]))
}

// mayStart says whether a group led by w may start now. c.mu is held.
func (c *Combiner) mayStart(w *combined) bool {
	free := !c.grouping || c.running < GroupsInFlight
	if c.light(w) {
		return free && c.lightRunning < GroupsInFlight
	}
	return free
}

// judge takes the outcomes of finished firings into the average that
// decides whether firings wait to run in groups, and into what their
// conditions' next firings are likely to do. c.mu is held.
func (c *Combiner) judge(group []*combined) {
	for _, w := range group {
		if !w.firing {
			continue
		}
		if w.err == nil {
			c.remember(w)
		}
		x := 1.0
		if w.res.Outcome == Joined {
			x = 0
		}
		c.heavy += heavyWeight * (x - c.heavy)
	}
	switch {
	case c.grouping && c.heavy > aloneAbove:
		c.grouping = false
	case !c.grouping && c.heavy < groupBelow:
		c.grouping = true
	}
}

// remember notes whether a finished firing left its condition's ticket
// open. c.mu is held.
func (c *Combiner) remember(w *combined) {
	switch w.res.Outcome {
	case Replay:
	case Created, Joined:
		if !c.open[w.key] && len(c.open) >= maxOpen {
			for k := range c.open { // one, at random
				delete(c.open, k)
				break
			}
		}
		c.open[w.key] = true
	default:
		delete(c.open, w.key)
	}
}

// start marks a group in flight. c.mu is held.
func (c *Combiner) start(group []*combined) {
	c.running++
	if group[0].light = c.light(group[0]); group[0].light {
		c.lightRunning++
	}
	for _, w := range group {
		if w.firing {
			c.busy[w.key] = true
		}
		c.flying[w.alert]++
	}
}

// finish ends a group's turn and starts what waited for it.
func (c *Combiner) finish(group []*combined) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.judge(group)
	c.running--
	if group[0].light {
		c.lightRunning--
	}
	for _, w := range group {
		if w.firing {
			delete(c.busy, w.key)
		}
		c.forget(w)
		if c.flying[w.alert]--; c.flying[w.alert] == 0 {
			delete(c.flying, w.alert)
		}
	}
	c.dispatch()
}

// dispatch hands the waiting events to leaders while groups may start. A
// group is the first waiting event that may run, its kind's group may
// start (mayStart), and, when it is a firing or a reset, the events of
// its kind after it of its tenant, integration and options that may run
// too, up to MaxCombined. A firing may not run while its condition is
// busy, nor another event while its alert has one in flight; and none
// past an event of its condition or alert that did not. c.mu is held.
func (c *Combiner) dispatch() {
	for len(c.waiting) > 0 {
		var (
			group   []*combined
			skipped = map[conditionKey]bool{}
			passed  = map[alertKey]bool{}
		)
		for _, w := range c.waiting {
			if len(group) == MaxCombined {
				break
			}
			ok := !passed[w.alert]
			if w.firing {
				ok = ok && !c.busy[w.key] && !skipped[w.key]
			} else {
				ok = ok && c.flying[w.alert] == 0
			}
			if ok && len(group) == 0 {
				ok = c.mayStart(w)
			} else if ok {
				l := group[0]
				ok = l.firing == w.firing && l.reset == w.reset && l.alert.tenantID == w.alert.tenantID &&
					l.alert.integrationID == w.alert.integrationID && l.o == w.o
			}
			if !ok {
				passed[w.alert] = true
				if w.firing {
					skipped[w.key] = true
				}
				continue
			}
			w.picked = true
			group = append(group, w)
			if !w.firing && !w.reset {
				break
			}
		}
		if len(group) == 0 {
			return
		}
		c.waiting = slices.DeleteFunc(c.waiting, func(w *combined) bool { return w.picked })
		c.start(group)
		group[0].lead = slices.Clip(group)
		close(group[0].done)
	}
}

// errGroupAborted is the result of a waiting event whose group's run
// panicked.
var errGroupAborted = errors.New("pipeline: the events run together with this one failed")

// runGroup runs a group of waiting events in one transaction and hands
// each its result. Its context outlives the caller's cancellation (the
// others wait on it) but keeps the caller's deadline.
func (c *Combiner) runGroup(ctx context.Context, group []*combined) {
	answered := false
	defer func() {
		// A panic leaves no firing of the group waiting for ever.
		if !answered {
			for _, w := range group[1:] {
				w.err = errGroupAborted
				close(w.done)
			}
		}
	}()
	gctx := context.WithoutCancel(ctx)
	if dl, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		gctx, cancel = context.WithDeadline(gctx, dl)
		defer cancel()
	}
	evs := make([]event.Event, len(group))
	for i, w := range group {
		evs[i] = w.ev
	}
	if c.OnGroup != nil {
		c.OnGroup(len(group))
	}
	run := c.p.ProcessTogether
	if group[0].reset {
		// Their alerts written in one statement: two groups in flight
		// take the rollup rows in one order (see doc.go).
		run = c.p.ResetPage
	}
	res, errs := run(gctx, evs, group[0].opts...)
	answered = true
	for i, w := range group {
		w.res, w.err = res[i], errs[i]
		if i > 0 {
			close(w.done)
		}
	}
}

// withdraw takes a waiting event out of the queue; false when a group
// has taken it already.
func (c *Combiner) withdraw(me *combined) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.waiting, me)
	if i < 0 {
		return false
	}
	c.waiting = slices.Delete(c.waiting, i, i+1)
	c.forget(me)
	// What waited behind it may run now.
	c.dispatch()
	return true
}

// forget drops an event that finished or gave up from the alerts' count.
// c.mu is held.
func (c *Combiner) forget(w *combined) {
	if c.alerts[w.alert]--; c.alerts[w.alert] == 0 {
		delete(c.alerts, w.alert)
	}
}
