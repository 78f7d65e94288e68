package auth

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Throttle counts failed sign-ins per key (an account, a client address)
// in fixed windows. In Redis the counts hold across replicas; without it,
// in this process only.
type Throttle struct {
	Redis redis.UniversalClient
	// Window is how long failures count (15 minutes when zero).
	Window time.Duration

	mu  sync.Mutex
	mem map[string]memCount
}

type memCount struct {
	n     int64
	until time.Time
}

// ThrottleKey is one counted thing and its limit in a window.
type ThrottleKey struct {
	Key   string
	Limit int64
}

func (t *Throttle) window() time.Duration {
	if t.Window > 0 {
		return t.Window
	}
	return 15 * time.Minute
}

func redisKey(k string) string { return "alertdesk:signin:fail:" + k }

// Blocked returns how long until the first key over its limit opens again;
// zero when none is.
func (t *Throttle) Blocked(ctx context.Context, keys ...ThrottleKey) (time.Duration, error) {
	var wait time.Duration
	for _, k := range keys {
		n, ttl, err := t.count(ctx, k.Key)
		if err != nil {
			return 0, err
		}
		if n >= k.Limit && ttl > wait {
			wait = ttl
		}
	}
	return wait, nil
}

func (t *Throttle) count(ctx context.Context, key string) (int64, time.Duration, error) {
	if t.Redis == nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		c := t.mem[key]
		if time.Now().After(c.until) {
			return 0, 0, nil
		}
		return c.n, time.Until(c.until), nil
	}
	pipe := t.Redis.Pipeline()
	get := pipe.Get(ctx, redisKey(key))
	ttl := pipe.PTTL(ctx, redisKey(key))
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return 0, 0, fmt.Errorf("auth: sign-in failures: %w", err)
	}
	n, _ := get.Int64()
	d := ttl.Val()
	if d < time.Second {
		d = time.Second
	}
	return n, d, nil
}

// Fail counts a failure against every key.
func (t *Throttle) Fail(ctx context.Context, keys ...ThrottleKey) error {
	if t.Redis == nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.mem == nil {
			t.mem = map[string]memCount{}
		}
		for _, k := range keys {
			c := t.mem[k.Key]
			if time.Now().After(c.until) {
				c = memCount{until: time.Now().Add(t.window())}
			}
			c.n++
			t.mem[k.Key] = c
		}
		return nil
	}
	pipe := t.Redis.TxPipeline()
	for _, k := range keys {
		// The window starts with its first failure.
		pipe.SetNX(ctx, redisKey(k.Key), 0, t.window())
		pipe.Incr(ctx, redisKey(k.Key))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("auth: count sign-in failure: %w", err)
	}
	return nil
}

// Clear forgets the failures of a key (an account that signed in).
func (t *Throttle) Clear(ctx context.Context, key string) error {
	if t.Redis == nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		delete(t.mem, key)
		return nil
	}
	if err := t.Redis.Del(ctx, redisKey(key)).Err(); err != nil {
		return fmt.Errorf("auth: clear sign-in failures: %w", err)
	}
	return nil
}
