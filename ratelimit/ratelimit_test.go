package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/ratelimit"
)

// A key gets its burst at once, then is refused with a retry time near one
// emission interval; other keys are unaffected; two limiters on one Redis
// share the count. Runs on the machine's Redis and on the embedded server.
func TestLimiter(t *testing.T) {
	for name, addr := range map[string]func(testing.TB) string{"redis": redistest.Addr, "embedded": redistest.Embedded} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: addr(t)})
			t.Cleanup(func() { rdb.Close() })
			prefix := redistest.Prefix(t)
			// One request a minute: the test cannot outrun the refill.
			a := &ratelimit.Limiter{Redis: rdb, Rate: 1, Burst: 3, Prefix: prefix}
			other := redis.NewClient(&redis.Options{Addr: rdb.Options().Addr})
			t.Cleanup(func() { other.Close() })
			b := &ratelimit.Limiter{Redis: other, Rate: 1, Burst: 3, Prefix: prefix}

			for i, l := range []*ratelimit.Limiter{a, b, a} {
				res, err := l.Allow(ctx, "k1")
				if err != nil {
					t.Fatal(err)
				}
				if !res.Allowed {
					t.Fatalf("request %d refused within the burst", i+1)
				}
			}
			for _, l := range []*ratelimit.Limiter{a, b} {
				res, err := l.Allow(ctx, "k1")
				if err != nil {
					t.Fatal(err)
				}
				if res.Allowed {
					t.Fatal("request past the burst allowed")
				}
				if res.RetryAfter <= 0 || res.RetryAfter > time.Minute {
					t.Errorf("retry after %v, want within one minute", res.RetryAfter)
				}
			}
			res, err := a.Allow(ctx, "k2")
			if err != nil || !res.Allowed {
				t.Fatalf("another key: %+v %v", res, err)
			}
		})
	}
}

// The refill follows the rate: at 600 a minute a refused key is allowed
// again after about 100ms.
func TestLimiterRefills(t *testing.T) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	l := &ratelimit.Limiter{Redis: rdb, Rate: 600, Burst: 1, Prefix: redistest.Prefix(t)}
	if res, err := l.Allow(ctx, "k"); err != nil || !res.Allowed {
		t.Fatalf("first: %+v %v", res, err)
	}
	res, err := l.Allow(ctx, "k")
	if err != nil || res.Allowed {
		t.Fatalf("second at once: %+v %v", res, err)
	}
	time.Sleep(res.RetryAfter + 20*time.Millisecond)
	if res, err := l.Allow(ctx, "k"); err != nil || !res.Allowed {
		t.Fatalf("after waiting: %+v %v", res, err)
	}
}

func TestDisabled(t *testing.T) {
	var l *ratelimit.Limiter
	if res, err := l.Allow(context.Background(), "k"); err != nil || !res.Allowed {
		t.Fatalf("nil limiter: %+v %v", res, err)
	}
}

// Weighted takes: a key spends units, all or none. With a burst of 10,
// 6 then 4 pass, then 1 is refused; a take over the burst waits for a
// full bucket instead of never passing.
func TestLimiterAllowN(t *testing.T) {
	for name, addr := range map[string]func(testing.TB) string{"redis": redistest.Addr, "embedded": redistest.Embedded} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rdb := redis.NewClient(&redis.Options{Addr: addr(t)})
			t.Cleanup(func() { rdb.Close() })
			// Ten units a minute: the test cannot outrun the refill.
			l := &ratelimit.Limiter{Redis: rdb, Rate: 10, Burst: 10, Prefix: redistest.Prefix(t)}
			for _, step := range []struct {
				key     string
				n       int
				allowed bool
			}{
				{"a", 6, true},
				{"a", 5, false}, // 4 left: all or none
				{"a", 4, true},
				{"a", 1, false},
				{"b", 10, true},
				{"c", 1000, true}, // a full bucket pays for a take over the burst
				{"c", 1, false},
			} {
				res, err := l.AllowN(ctx, step.key, step.n)
				if err != nil {
					t.Fatal(err)
				}
				if res.Allowed != step.allowed {
					t.Fatalf("%s takes %d: allowed %v, want %v", step.key, step.n, res.Allowed, step.allowed)
				}
				if !res.Allowed && (res.RetryAfter <= 0 || res.RetryAfter > time.Minute) {
					t.Errorf("%s takes %d: retry after %v, want within a minute", step.key, step.n, res.RetryAfter)
				}
			}
		})
	}
}

// A rate whose interval is a fraction of a microsecond's multiple still
// refills: 600,000 units a minute is 100 µs each.
func TestLimiterFineRate(t *testing.T) {
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	l := &ratelimit.Limiter{Redis: rdb, Rate: 600_000, Burst: 1000, Prefix: redistest.Prefix(t)}
	if res, err := l.AllowN(ctx, "k", 1000); err != nil || !res.Allowed {
		t.Fatalf("first: %+v %v", res, err)
	}
	res, err := l.AllowN(ctx, "k", 500)
	if err != nil || res.Allowed {
		t.Fatalf("second at once: %+v %v", res, err)
	}
	if res.RetryAfter > 60*time.Millisecond {
		t.Fatalf("retry after %v, want about 50ms", res.RetryAfter)
	}
	time.Sleep(res.RetryAfter + 20*time.Millisecond)
	if res, err := l.AllowN(ctx, "k", 500); err != nil || !res.Allowed {
		t.Fatalf("after waiting: %+v %v", res, err)
	}
}
