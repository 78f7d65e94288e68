package graph

import (
	"context"
	"net/http"
	"runtime"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// apiCPUs is how many CPUs the GraphQL queries of a replica may keep
// busy at once: all but one, so webhook ingest in the same process always
// finds one (one on a single-CPU machine).
func apiCPUs() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// shareWait bounds how long a field waits for a CPU token. Tokens turn
// over in microseconds; the bound only keeps a holder stuck in a wait
// that does not give its token back from stalling every query for long.
// On a machine overloaded by other processes (load average 30 on two
// CPUs) a page's queue of fields waited past 50 ms in 4 % of contended
// waits, which then ran ungated; at 1 s none did.
const shareWait = 250 * time.Millisecond

// cpuShare bounds the CPUs the API's queries keep busy, so the rest
// stays free for webhook ingest.
//
// gqlgen resolves the items of a list and the resolver fields of an
// object each in its own goroutine: a page of 100 alerts makes hundreds
// of runnable goroutines. Go's scheduler has no priorities, and while
// every P has goroutines queued it does not poll the network between
// them; a webhook whose database answer has arrived then waits for the
// runtime's background poll (up to 10 ms) at every round trip.
// Bounding the operations admitted (admission.go) does not help: one
// page is enough to fill both run queues of a two-CPU replica.
//
// So every field an HTTP query resolves holds one of n tokens while it
// runs; the goroutines gqlgen spawns park until they get one, and at
// most n run, leaving GOMAXPROCS-n Ps to idle in the network poller and
// run webhooks the moment their answers arrive. A field gives its token
// back while it waits on the database or on a loader's batch (offCPU),
// so waiting never holds a CPU's share and a loader's batch still
// collects the keys of every item of a page. Mutations and subscriptions
// are not gated: a mutation's goroutine is one and it waits on locks.
type cpuShare struct {
	tokens chan struct{}
	wait   time.Duration
}

func newCPUShare(n int) *cpuShare {
	return &cpuShare{tokens: make(chan struct{}, n), wait: shareWait}
}

type shareKey struct{}

type leaseKey struct{}

// middleware marks the HTTP requests whose queries are gated; WebSocket
// subscriptions are not.
func (s *cpuShare) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), shareKey{}, s)))
	})
}

// operations leaves mutations ungated.
func (s *cpuShare) operations(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation != ast.Query {
		ctx = context.WithValue(ctx, shareKey{}, (*cpuShare)(nil))
	}
	return next(ctx)
}

// fields holds a token while a field of a gated query resolves.
func (s *cpuShare) fields(ctx context.Context, next graphql.Resolver) (any, error) {
	if g, _ := ctx.Value(shareKey{}).(*cpuShare); g == nil {
		return next(ctx)
	}
	l := &lease{s: s, held: s.acquire(ctx)}
	defer l.end()
	return next(context.WithValue(ctx, leaseKey{}, l))
}

// acquire takes a token, waiting at most s.wait; false when it did not
// get one (the caller runs anyway).
func (s *cpuShare) acquire(ctx context.Context) bool {
	select {
	case s.tokens <- struct{}{}:
		return true
	default:
	}
	t := time.NewTimer(s.wait)
	defer t.Stop()
	select {
	case s.tokens <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}

func (s *cpuShare) release() { <-s.tokens }

// lease is one field's token. The resolver's goroutine gives it back
// while it waits; goroutines the resolver starts share its context, so
// the state is locked.
type lease struct {
	s     *cpuShare
	mu    sync.Mutex
	held  bool
	ended bool
}

func (l *lease) end() {
	l.mu.Lock()
	held := l.held
	l.held, l.ended = false, true
	l.mu.Unlock()
	if held {
		l.s.release()
	}
}

// offCPU gives the caller's token back for a wait (a statement, a
// loader's batch) and returns what takes it again.
func offCPU(ctx context.Context) (resume func()) {
	l, _ := ctx.Value(leaseKey{}).(*lease)
	if l == nil {
		return func() {}
	}
	l.mu.Lock()
	if !l.held {
		l.mu.Unlock()
		return func() {}
	}
	l.held = false
	l.mu.Unlock()
	l.s.release()
	return func() {
		got := l.s.acquire(ctx)
		l.mu.Lock()
		keep := got && !l.ended && !l.held
		if keep {
			l.held = true
		}
		l.mu.Unlock()
		if got && !keep {
			l.s.release()
		}
	}
}

// withoutLease is ctx for work that outlives the field that started it
// (a loader's batch): it holds no token of its own to give back.
func withoutLease(ctx context.Context) context.Context {
	return context.WithValue(ctx, leaseKey{}, (*lease)(nil))
}
