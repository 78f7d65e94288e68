package graph

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"time"
)

// CodeBusy is the code of a request refused because the replica ran as
// many operations as it may for longer than the request could wait.
const CodeBusy = "SERVER_BUSY"

// admissionWait is how long an operation waits for a slot before it is
// refused; a browser's request would rather wait than fail.
const admissionWait = 5 * time.Second

// DefaultMaxConcurrent is how many GraphQL operations a replica runs at
// once over HTTP unless told: one per CPU. With six clients sending full
// pages to a two-CPU replica, webhook p99 was 5-13x its baseline at one
// per CPU and up to 34x at twice that (docs/BENCHMARKS.md, section 7).
func DefaultMaxConcurrent() int { return runtime.GOMAXPROCS(0) }

// admission bounds the GraphQL operations one replica runs at once. An
// operation fans out into a goroutine per resolved field, and a handful
// of large pages can fill every CPU's run queue; webhooks answered by the
// same process then wait behind them. Past the bound, requests queue
// briefly and are then refused with 503 and Retry-After. WebSockets are
// not counted: a subscription lives for hours and its events are small.
type admission struct {
	slots chan struct{}
	wait  time.Duration
}

func newAdmission(n int) *admission {
	return &admission{slots: make(chan struct{}, n), wait: admissionWait}
}

func (a *admission) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebSocket(r) {
			next.ServeHTTP(w, r)
			return
		}
		release, err := a.acquire(r.Context())
		if err != nil {
			w.Header().Set("Retry-After", "1")
			writeHTTPError(w, http.StatusServiceUnavailable,
				"the server is busy with other API requests; retry in 1 s", CodeBusy, map[string]any{"retryAfter": 1})
			return
		}
		defer release()
		next.ServeHTTP(w, r)
	})
}

var errBusy = errors.New("graph: no operation slot free")

// acquire takes a slot, waiting at most a.wait or until ctx ends.
func (a *admission) acquire(ctx context.Context) (release func(), err error) {
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	default:
	}
	t := time.NewTimer(a.wait)
	defer t.Stop()
	select {
	case a.slots <- struct{}{}:
		return a.release, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, errBusy
	}
}

func (a *admission) release() { <-a.slots }
