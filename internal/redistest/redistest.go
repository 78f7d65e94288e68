// Package redistest gives tests a Redis: the machine's (for the real thing)
// or the embedded one (for the no-services path). Import it from _test
// files only.
//
// Tests share the machine's Redis and its DB 0 (asynq uses DB 0); keep
// keys apart with Prefix instead of flushing anything.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/embedredis"
)

// DefaultAddr is used when ALERTDESK_TEST_REDIS_ADDR is unset.
const DefaultAddr = "127.0.0.1:6379"

var reach struct {
	once sync.Once
	err  error
}

// Addr returns the address of the machine's Redis (ALERTDESK_TEST_REDIS_ADDR,
// default 127.0.0.1:6379) after checking it answers PING. If it does not,
// the test is skipped, or fails when ALERTDESK_REQUIRE_SERVICES=1.
func Addr(t testing.TB) string {
	t.Helper()
	addr := os.Getenv("ALERTDESK_TEST_REDIS_ADDR")
	if addr == "" {
		addr = DefaultAddr
	}
	reach.once.Do(func() {
		c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 2 * time.Second, MaxRetries: -1})
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		reach.err = c.Ping(ctx).Err()
	})
	if reach.err != nil {
		if os.Getenv("ALERTDESK_REQUIRE_SERVICES") == "1" {
			t.Fatalf("redistest: Redis not reachable at %s: %v (ALERTDESK_REQUIRE_SERVICES=1)", addr, reach.err)
		}
		t.Skipf("Redis not reachable at %s: %v; set ALERTDESK_REQUIRE_SERVICES=1 to fail instead", addr, reach.err)
	}
	return addr
}

var unsafeChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// Prefix returns a key prefix unique to this test run, such as
// "adtest:TestFoo_sub:3fa2c1d0:", to namespace every key (and asynq queue
// name) a test writes to a shared Redis.
func Prefix(t testing.TB) string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := unsafeChars.ReplaceAllString(t.Name(), "_")
	if len(name) > 60 {
		name = name[:60]
	}
	return "adtest:" + name + ":" + hex.EncodeToString(b) + ":"
}

// Embedded starts an in-process server (package embedredis) on a free
// local port, closed when the test ends, and returns its address.
func Embedded(t testing.TB) string {
	t.Helper()
	srv, err := embedredis.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv.Addr()
}
