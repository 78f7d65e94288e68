package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/alertdesk/alertdesk/feed"
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
	mu sync.RWMutex // a thousand subscribers look a message's render up at once
	m  map[feedRenderKey]*feedRender
}

type feedRenderKey struct {
	msg  feedLoadKey // the message, and its tenant
	op   string      // query, operation name and variables
	role tenancy.Role
}

type feedRender struct {
	done chan struct{}
	// skip: the message has no event for these subscribers (its alert
	// is gone, or of another integration than they asked for).
	skip bool
	data json.RawMessage // nil (and not skip): not to be shared (errors); each renders its own
	// frame is the graphql-transport-ws "next" frame of data after its
	// id, `,"type":"next","payload":{"data":…}}`: encoded once, each
	// subscriber writes its id and this.
	frame   []byte
	expires time.Time
}

// renderResult is what the first subscriber of a key shares.
type renderResult struct {
	skip bool
	data json.RawMessage
}

func newFeedRenders() *feedRenders {
	return &feedRenders{m: map[feedRenderKey]*feedRender{}}
}

// claim returns the key's render and whether the caller is to fill it.
func (f *feedRenders) claim(key feedRenderKey) (*feedRender, bool) {
	f.mu.RLock()
	r, ok := f.m[key]
	f.mu.RUnlock()
	if ok {
		return r, false
	}
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
	r = &feedRender{done: make(chan struct{})}
	f.m[key] = r
	return r, true
}

// fill publishes a render's result to the subscribers waiting for it.
func (f *feedRenders) fill(key feedRenderKey, r *feedRender, res renderResult) {
	var frame []byte
	if res.data != nil {
		frame = nextFrameTail(res.data)
	}
	f.mu.Lock()
	r.skip, r.data, r.frame = res.skip, res.data, frame
	r.expires = time.Now().Add(feedRenderKeep)
	if res.data == nil && !res.skip && f.m[key] == r {
		delete(f.m, key) // later subscribers render their own
	}
	f.mu.Unlock()
	close(r.done)
}

// nextFrameTail encodes the part of a "next" frame after its id, with the
// payload's bytes as gqlgen's transport sends them (encoding/json escapes
// <, > and & in the data it is given as raw JSON): a subscriber sent the
// frame gets the same payload as one sent the response by gqlgen.
func nextFrameTail(data json.RawMessage) []byte {
	var b bytes.Buffer
	b.Grow(len(data) + 64)
	b.WriteString(`,"type":"next","payload":{"data":`)
	json.HTMLEscape(&b, data)
	b.WriteString(`}}`)
	return b.Bytes()
}

// feedStream hands an alertEvents subscription's messages to sharedFeed
// instead of to gqlgen: sharedFeed decides per message whether to execute
// the operation (passing the event on through gate) or to send another
// subscriber's response.
type feedStream struct {
	msgs   <-chan feed.Message
	filter feedFilter
	gate   chan *model.AlertEvent
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

// feedWriter writes a subscription's shared frames to its socket: its id,
// then the frame's rest, in one message from a buffer of its own. The
// subscription's goroutine (gqlgen's) writes them, so they keep their
// order with the responses it returns to gqlgen, and a socket that does
// not take its writes holds up no one else.
type feedWriter struct {
	conn *wsConn
	buf  []byte // `{"id":"…"` (n bytes), then the last frame's rest
	n    int
}

func newFeedWriter(ctx context.Context) *feedWriter {
	id, ok := subscriptionID(ctx)
	if !ok {
		return nil
	}
	c := socketOf(ctx).frameConn()
	if c == nil {
		return nil
	}
	q, err := json.Marshal(id)
	if err != nil {
		return nil
	}
	w := &feedWriter{conn: c, buf: append([]byte(`{"id":`), q...)}
	w.n = len(w.buf)
	return w
}

func (w *feedWriter) write(frame []byte) error {
	w.buf = append(w.buf[:w.n], frame...)
	return w.conn.writeText(w.buf)
}

func (s sharedFeed) Exec(ctx context.Context) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	v, ok := tenancy.FromContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Subscription || !ok {
		return s.ExecutableSchema.Exec(ctx)
	}
	st := &feedStream{}
	next := s.ExecutableSchema.Exec(context.WithValue(ctx, feedStreamKey{}, st))
	if st.msgs == nil {
		return next // not alertEvents, or it failed
	}
	vars, err := json.Marshal(oc.Variables) // map keys sorted
	if err != nil {
		return next
	}
	op := oc.RawQuery + "\x00" + oc.OperationName + "\x00" + string(vars)
	// Without a socket of graphql-transport-ws, shared data goes back to
	// gqlgen, which encodes and writes it per subscriber.
	w := newFeedWriter(ctx)
	// A call returns after executing the operation at most once: gqlgen
	// gives each call fresh loaders and a statement budget. Shared frames
	// are written within the call, without gqlgen.
	return func(ctx context.Context) *graphql.Response {
		for {
			var m feed.Message
			select {
			case msg, ok := <-st.msgs:
				if !ok {
					return nil
				}
				m = msg
			case <-ctx.Done():
				return nil
			}
			if !st.filter.accepts(m) {
				continue
			}
			key := feedRenderKey{msg: messageKey(v.TenantID, m), op: op, role: v.Role}
			r, first := s.renders.claim(key)
			if !first {
				select {
				case <-r.done:
				case <-ctx.Done():
					return nil
				}
				switch {
				case r.skip:
					continue
				case r.data == nil: // not shared: render below
				case w != nil:
					if err := w.write(r.frame); err != nil {
						return nil // the connection is gone
					}
					continue
				default:
					return &graphql.Response{Data: r.data}
				}
			}
			if out, ok := s.render(ctx, next, st, m, key, r, first); ok {
				return out
			}
		}
	}
}

// render executes the operation for one message; the first subscriber of
// a key shares the data unless the response has errors or extensions. ok
// is false when the message has nothing for the subscriber.
func (s sharedFeed) render(ctx context.Context, next graphql.ResponseHandler, st *feedStream, m feed.Message, key feedRenderKey, r *feedRender, first bool) (out *graphql.Response, ok bool) {
	var res renderResult
	if first {
		defer func() { s.renders.fill(key, r, res) }() // also on a panic
	}
	ev, err := st.filter.event(ctx, m)
	if err != nil {
		if ctx.Err() != nil {
			return nil, true // ends the subscription
		}
		res.skip = errors.Is(err, errNoEvent)
		return nil, false
	}
	countFeedRender(key.msg.tenantID)
	select {
	case <-st.gate: // left by a response cut short
	default:
	}
	st.gate <- ev // buffered: next reads it at once
	out = next(ctx)
	if out != nil && first && len(out.Errors) == 0 && len(graphql.GetErrors(ctx)) == 0 &&
		len(out.Extensions) == 0 && len(graphql.GetExtensions(ctx)) == 0 {
		// The generated handler reuses its buffer for the next response.
		res.data = bytes.Clone(out.Data)
	}
	return out, true
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
