package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/alertdesk/alertdesk/graph/model"
	"github.com/alertdesk/alertdesk/tenancy"
)

// feedRenderKeep is how long a rendered feed message stays shared, like
// feedLoadKeep.
const feedRenderKeep = feedLoadKeep

// feedRenders shares the response to a feed message among the process's
// alertEvents subscribers that would receive the same bytes: the same
// message, the same operation (query, operation name and variables) and
// the same visibility. The first such subscriber executes the operation;
// the others wait for it and send its data. With a thousand subscribers
// of the live feed page that is one execution per message, not a thousand.
//
// Visibility is the tenant (the message's, which the scoped client
// filters on) and the role (@admin fields, User.invited). No field of the
// API depends on the viewer's user beyond those; one that did would have
// to put the user in feedRenderKey.
type feedRenders struct {
	mu sync.Mutex
	m  map[feedRenderKey]*feedRender
}

type feedRenderKey struct {
	msg  feedLoadKey // the message, and its tenant
	op   string      // query, operation name and variables
	role tenancy.Role
}

type feedRender struct {
	done    chan struct{}
	data    json.RawMessage // nil: not to be shared (errors); each renders its own
	expires time.Time
}

func newFeedRenders() *feedRenders {
	return &feedRenders{m: map[feedRenderKey]*feedRender{}}
}

// claim returns the key's render and whether the caller is to fill it.
func (f *feedRenders) claim(key feedRenderKey) (*feedRender, bool) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.m[key]; ok {
		return r, false
	}
	for k, old := range f.m {
		if !old.expires.IsZero() && now.After(old.expires) {
			delete(f.m, k)
		}
	}
	r := &feedRender{done: make(chan struct{})}
	f.m[key] = r
	return r, true
}

// fill publishes a render's data (nil when it is not to be shared) to
// the subscribers waiting for it.
func (f *feedRenders) fill(key feedRenderKey, r *feedRender, data json.RawMessage) {
	f.mu.Lock()
	r.data = data
	r.expires = time.Now().Add(feedRenderKeep)
	if data == nil && f.m[key] == r {
		delete(f.m, key) // later subscribers render their own
	}
	f.mu.Unlock()
	close(r.done)
}

// feedStream hands an alertEvents subscription's events to sharedFeed
// instead of to gqlgen: sharedFeed decides per event whether to execute
// the operation (passing the event on through gate) or to reuse another
// subscriber's response.
type feedStream struct {
	events chan feedEvent
	gate   chan *model.AlertEvent
}

type feedEvent struct {
	msg feedLoadKey
	ev  *model.AlertEvent
}

type feedStreamKey struct{}

// feedStreamOf is the stream sharedFeed put in ctx for an alertEvents
// subscription to fill, if any.
func feedStreamOf(ctx context.Context) (*feedStream, bool) {
	st, ok := ctx.Value(feedStreamKey{}).(*feedStream)
	return st, ok
}

// sharedFeed executes alertEvents subscriptions through feedRenders;
// every other operation runs as generated.
type sharedFeed struct {
	graphql.ExecutableSchema
	renders *feedRenders
}

func (s sharedFeed) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	v, ok := tenancy.FromContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription || !ok {
		return s.ExecutableSchema.Exec(ctx)
	}
	st := &feedStream{}
	next := s.ExecutableSchema.Exec(context.WithValue(ctx, feedStreamKey{}, st))
	if st.events == nil {
		return next // not alertEvents, or it failed
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted
	if err != nil {
		return next
	}
	op := oc.RawQuery + "\x00" + oc.OperationName + "\x00" + string(vars)
	return func(ctx context.Context) *graphql.Response {
		var fe feedEvent
		select {
		case e, ok := <-st.events:
			if !ok {
				return nil
			}
			fe = e
		case <-ctx.Done():
			return nil
		}
		key := feedRenderKey{msg: fe.msg, op: op, role: v.Role}
		r, first := s.renders.claim(key)
		if !first {
			select {
			case <-r.done:
			case <-ctx.Done():
				return nil
			}
			if r.data != nil {
				return &graphql.Response{Data: r.data}
			}
		}
		return s.render(ctx, next, st, fe, key, r, first)
	}
}

// render executes the operation for one event; the first subscriber of a
// key shares the data unless the response has errors or extensions.
func (s sharedFeed) render(ctx context.Context, next graphql.ResponseHandler, st *feedStream, fe feedEvent, key feedRenderKey, r *feedRender, first bool) *graphql.Response {
	var shared json.RawMessage
	if first {
		defer func() { s.renders.fill(key, r, shared) }() // also on a panic
	}
	countFeedRender(fe.msg.tenantID)
	select {
	case <-st.gate: // left by a response cut short
	default:
	}
	st.gate <- fe.ev // buffered: next reads it at once
	out := next(ctx)
	if out != nil && first && len(out.Errors) == 0 && len(graphql.GetErrors(ctx)) == 0 &&
		len(out.Extensions) == 0 && len(graphql.GetExtensions(ctx)) == 0 {
		// The generated handler reuses its buffer for the next response.
		shared = bytes.Clone(out.Data)
	}
	return out
}

// feedRenderCounts counts executions of alertEvents responses per tenant,
// over all handlers of the process, for tests to see what was shared.
var feedRenderCounts = struct {
	sync.Mutex
	n map[int]int
}{n: map[int]int{}}

func countFeedRender(tenantID int) {
	feedRenderCounts.Lock()
	feedRenderCounts.n[tenantID]++
	feedRenderCounts.Unlock()
}
