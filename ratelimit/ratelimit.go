// Package ratelimit limits the rate of requests per key (an API token)
// with state in Redis, so every replica of the API shares one limit.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Limiter allows Rate units per minute per key on average, and bursts
// of up to Burst at once: the generic cell rate algorithm, one Redis key
// per limited key holding its theoretical arrival time. A unit is a
// request (Allow) or whatever a request costs (AllowN). Time is Redis's,
// so replicas with drifting clocks still agree.
type Limiter struct {
	Redis redis.UniversalClient
	// Rate is the sustained number of units per minute.
	Rate int
	// Burst is how many units may be taken at once; at least 1.
	Burst int
	// Prefix namespaces the keys ("alertdesk:ratelimit:" when empty).
	Prefix string
}

// Result is the decision on one request.
type Result struct {
	Allowed bool
	// RetryAfter is how long until a request of the key would be allowed
	// (zero when allowed).
	RetryAfter time.Duration
}

// gcra takes ARGV[3] units from KEYS[1], all or none. ARGV: emission
// interval and burst tolerance in microseconds, units. The key holds the
// theoretical arrival time (TAT) in whole microseconds of Redis time and
// expires when it passes. Returns {allowed, retry-after in microseconds}.
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call("GET", KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * tonumber(ARGV[3])
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, math.ceil(allow_at - now)}
end
redis.call("SET", KEYS[1], string.format("%d", math.ceil(new_tat)), "PX", math.ceil((new_tat - now) / 1000) + 1)
return {1, 0}
`)

// Allow takes one request of key, or says when to retry. A Limiter
// without Redis or with a non-positive Rate allows everything.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	return l.AllowN(ctx, key, 1)
}

// AllowN takes n units of key if the key has them, or says when it will.
// n over Burst takes the whole burst: such a request waits for a full
// bucket rather than never passing.
func (l *Limiter) AllowN(ctx context.Context, key string, n int) (Result, error) {
	if l == nil || l.Redis == nil || l.Rate <= 0 {
		return Result{Allowed: true}, nil
	}
	burst := max(l.Burst, 1)
	n = min(max(n, 0), burst)
	// Microseconds keep their fraction in the script: at a million units a
	// minute one unit is 60 µs.
	interval := float64(time.Minute.Microseconds()) / float64(l.Rate)
	tolerance := interval * float64(burst)
	prefix := l.Prefix
	if prefix == "" {
		prefix = "alertdesk:ratelimit:"
	}
	res, err := gcra.Run(ctx, l.Redis, []string{prefix + key},
		strconv.FormatFloat(interval, 'f', 3, 64), strconv.FormatFloat(tolerance, 'f', 3, 64), strconv.Itoa(n)).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: %w", err)
	}
	if len(res) != 2 {
		return Result{}, fmt.Errorf("ratelimit: unexpected answer %v", res)
	}
	if res[0] == 1 {
		return Result{Allowed: true}, nil
	}
	return Result{RetryAfter: time.Duration(res[1]) * time.Microsecond}, nil
}
