package pipeline

import (
	"context"
	"errors"
	"sync"

	"github.com/alertdesk/alertdesk/event"
)

// MaxCombined bounds the firings a Combiner runs in one transaction: it
// bounds how long their locks are held and the latency of the last.
const MaxCombined = 64

// A Combiner runs firings of one condition that arrive while another of
// the condition's events is in flight in this process together (see
// ProcessTogether), as a storm of one condition would otherwise run one
// transaction at a time behind the condition's lock. Other events, and
// a firing of a condition nobody is working on, run through Process at
// once. Events of one condition keep their order of arrival.
type Combiner struct {
	// OnGroup, when set, is told the size of each group of two or more
	// run together.
	OnGroup func(events int)

	p      *Pipeline
	mu     sync.Mutex
	queues map[combineKey]*combineQueue
}

// NewCombiner returns a Combiner running events through p.
func NewCombiner(p *Pipeline) *Combiner {
	return &Combiner{p: p, queues: map[combineKey]*combineQueue{}}
}

// combineKey names a condition, and the options its events carry: only
// events judged alike share a transaction.
type combineKey struct {
	tenantID, integrationID int
	dedupKey                string
	o                       options
}

// combineQueue holds the firings waiting while one of the condition's
// runs; it exists while one does.
type combineQueue struct {
	waiting []*combined
}

// combined is one waiting firing. Its done channel is closed with its
// result, or with lead set when its goroutine is to run the next group.
type combined struct {
	ev   event.Event
	opts []Option
	done chan struct{}
	res  Result
	err  error
	lead []*combined
}

// Process runs ev as Pipeline.Process would, combined with other firings
// of its condition when one is in flight.
func (c *Combiner) Process(ctx context.Context, ev event.Event, opts ...Option) (Result, error) {
	if ev.Kind != event.Triggered {
		return c.p.Process(ctx, ev, opts...)
	}
	clean := ev.Clean()
	key := combineKey{clean.TenantID, clean.IntegrationID, clean.DedupKey(), applyOptions(opts)}
	c.mu.Lock()
	q, busy := c.queues[key]
	if !busy {
		c.queues[key] = &combineQueue{}
		c.mu.Unlock()
		// Deferred, so that a panic too ends the turn.
		defer c.handOff(key)
		return c.p.Process(ctx, ev, opts...)
	}
	me := &combined{ev: ev, opts: opts, done: make(chan struct{})}
	q.waiting = append(q.waiting, me)
	c.mu.Unlock()

	select {
	case <-me.done:
	case <-ctx.Done():
		if c.withdraw(key, me) {
			return Result{}, ctx.Err()
		}
		<-me.done // taken into a group already: its result is coming
	}
	if me.lead == nil {
		return me.res, me.err
	}
	defer c.handOff(key)
	c.runGroup(ctx, me.lead)
	return me.res, me.err
}

// errGroupAborted is the result of a waiting firing whose group's run
// panicked.
var errGroupAborted = errors.New("pipeline: the firings run together with this one failed")

// runGroup runs a group of waiting firings in one transaction and hands
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
	if c.OnGroup != nil && len(group) > 1 {
		c.OnGroup(len(group))
	}
	res, errs := c.p.ProcessTogether(gctx, evs, group[0].opts...)
	answered = true
	for i, w := range group {
		w.res, w.err = res[i], errs[i]
		if i > 0 {
			close(w.done)
		}
	}
}

// handOff ends the caller's turn on key: the firings that waited meanwhile
// go to the first of them to run as a group, else the condition is idle.
func (c *Combiner) handOff(key combineKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[key]
	if len(q.waiting) == 0 {
		delete(c.queues, key)
		return
	}
	n := min(len(q.waiting), MaxCombined)
	group := q.waiting[:n:n]
	q.waiting = append([]*combined(nil), q.waiting[n:]...)
	group[0].lead = group
	close(group[0].done)
}

// withdraw takes a waiting firing out of its queue; false when a group
// has taken it already.
func (c *Combiner) withdraw(key combineKey, me *combined) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queues[key]
	if q == nil {
		return false
	}
	for i, w := range q.waiting {
		if w == me {
			q.waiting = append(q.waiting[:i], q.waiting[i+1:]...)
			return true
		}
	}
	return false
}
