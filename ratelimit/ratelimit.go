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

// Limiter allows Rate requests per minute per key on average, and bursts
// of up to Burst at once: the generic cell rate algorithm, one Redis key
// per limited key holding its theoretical arrival time. Time is Redis's,
// so replicas with drifting clocks still agree.
type Limiter struct {
	Redis redis.UniversalClient
	// Rate is the sustained number of requests per minute.
	Rate int
	// Burst is how many requests may come at once; at least 1.
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

// gcra takes one request from KEYS[1]. ARGV: emission interval and burst
// tolerance in microseconds. The key holds the theoretical arrival time
// (TAT) in microseconds of Redis time and expires when it passes. Returns
// {allowed, retry-after in microseconds}.
var gcra = redis.NewScript(`
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call("GET", KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tolerance
if allow_at > now then
  return {0, allow_at - now}
end
redis.call("SET", KEYS[1], string.format("%d", new_tat), "PX", math.ceil((new_tat - now) / 1000) + 1)
return {1, 0}
`)

// Allow takes one request of key, or says when to retry. A Limiter
// without Redis or with a non-positive Rate allows everything.
func (l *Limiter) Allow(ctx context.Context, key string) (Result, error) {
	if l == nil || l.Redis == nil || l.Rate <= 0 {
		return Result{Allowed: true}, nil
	}
	interval := time.Minute / time.Duration(l.Rate)
	tolerance := interval * time.Duration(max(l.Burst, 1))
	prefix := l.Prefix
	if prefix == "" {
		prefix = "alertdesk:ratelimit:"
	}
	res, err := gcra.Run(ctx, l.Redis, []string{prefix + key},
		strconv.FormatInt(interval.Microseconds(), 10), strconv.FormatInt(tolerance.Microseconds(), 10)).Int64Slice()
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
