package redistest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/redistest"
)

func roundTrip(t *testing.T, addr, key string) {
	t.Helper()
	ctx := context.Background()
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	if err := c.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatalf("SET on %s: %v", addr, err)
	}
	defer c.Del(ctx, key)
	if got, err := c.Get(ctx, key).Result(); err != nil || got != "v" {
		t.Fatalf("GET on %s = %q, %v", addr, got, err)
	}
}

func TestAddr(t *testing.T) {
	roundTrip(t, redistest.Addr(t), redistest.Prefix(t)+"k")
}

func TestEmbedded(t *testing.T) {
	roundTrip(t, redistest.Embedded(t), "k")
}

func TestPrefix(t *testing.T) {
	a, b := redistest.Prefix(t), redistest.Prefix(t)
	if a == b {
		t.Fatal("two prefixes are equal")
	}
	if !strings.HasPrefix(a, "adtest:TestPrefix:") || !strings.HasSuffix(a, ":") {
		t.Fatalf("prefix %q", a)
	}
	t.Run("sub test/with spaces", func(t *testing.T) {
		if p := redistest.Prefix(t); strings.ContainsAny(p, " /") {
			t.Fatalf("prefix %q has unsafe characters", p)
		}
	})
}
