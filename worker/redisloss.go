package worker

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
)

// redisCheckEvery bounds how often the relay asks whether Redis is there
// and still holds what it was given.
const redisCheckEvery = time.Second

// redisMarkerTTL keeps the marker of a queue no relay serves any more
// from staying forever; a live relay renews it at every check.
const redisMarkerTTL = 7 * 24 * time.Hour

// redisWatch notices that Redis was unreachable, restarted or lost its
// data. Delivery tasks handed to it before then may be gone, and their
// entries would otherwise wait for their lease to run out; the relay
// hands them out again instead. Re-sending is safe: a task Redis still
// holds has the same TaskID and is not doubled, and consumers are
// idempotent.
type redisWatch struct {
	key   string // set once per Redis lifetime; missing means data was lost
	last  time.Time
	down  bool
	runID string
	owed  bool // Redis came back; the leases are not released yet
}

// check reports whether leases should be released now: Redis answers
// after failing to, its run id changed (a restart between checks), or the
// marker key is gone (data lost). It is throttled to redisCheckEvery.
func (r *redisWatch) check(ctx context.Context, rdb redis.UniversalClient, every time.Duration) (bool, string) {
	if time.Since(r.last) < every {
		return r.owed, ""
	}
	r.last = time.Now()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	pipe := rdb.Pipeline()
	fresh := pipe.SetNX(cctx, r.key, "1", redisMarkerTTL)
	pipe.Expire(cctx, r.key, redisMarkerTTL)
	info := pipe.Info(cctx, "server")
	_, _ = pipe.Exec(cctx)
	lost, err := fresh.Result()
	if err != nil {
		r.down = true
		return false, ""
	}
	why := ""
	// Servers without INFO server (the embedded one) rely on the marker.
	if id := runID(info.Val()); id != "" {
		if r.runID != "" && id != r.runID {
			why = "redis restarted"
		}
		r.runID = id
	}
	switch {
	case r.down:
		why = "redis reachable again"
	case lost:
		why = "redis lost its data"
	}
	r.down = false
	if why != "" {
		r.owed = true
	}
	return r.owed, why
}

// runID reads run_id from an INFO server reply.
func runID(info string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(line, "run_id:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// releaseLeases makes every undelivered entry due now, except those whose
// consumer runs in this process (their task is not lost). Entries whose
// task another replica is running may be delivered again meanwhile;
// consumers are idempotent, and the entry is marked once.
func (w *Worker) releaseLeases(ctx context.Context) (int, error) {
	now := time.Now()
	q := w.d.Store.Ent.OutboxEntry.Update().
		Where(outboxentry.DeliveredAtIsNil(), outboxentry.AvailableAtGT(now))
	if ids := w.inflight.ids(); len(ids) > 0 {
		q = q.Where(outboxentry.IDNotIn(ids...))
	}
	n, err := q.SetAvailableAt(now).Save(ctx)
	if err != nil {
		return 0, fmt.Errorf("worker: release outbox leases: %w", err)
	}
	return n, nil
}

// watchRedis releases the leases when the watch says Redis came back,
// and wakes the relay for them.
func (w *Worker) watchRedis(ctx context.Context) {
	owed, why := w.redis.check(ctx, w.d.Redis, min(w.d.RelayInterval, redisCheckEvery))
	if !owed {
		return
	}
	n, err := w.releaseLeases(ctx)
	if err != nil {
		w.log.Warn("outbox: redis is back but leases stay", "err", err)
		return
	}
	w.redis.owed = false
	if n > 0 || why != "" {
		w.log.Info("outbox: re-sending leased entries", "entries", n, "why", why)
	}
}

// inflight are the entries whose consumer runs in this process.
type inflight struct {
	mu sync.Mutex
	m  map[int]int
}

func (f *inflight) add(id int) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[int]int{}
	}
	f.m[id]++
	f.mu.Unlock()
}

func (f *inflight) done(id int) {
	f.mu.Lock()
	if f.m[id]--; f.m[id] <= 0 {
		delete(f.m, id)
	}
	f.mu.Unlock()
}

func (f *inflight) ids() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]int, 0, len(f.m))
	for id := range f.m {
		out = append(out, id)
	}
	return out
}
