package embedredis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/internal/embedredis"
)

func TestServer(t *testing.T) {
	ctx := context.Background()
	srv, err := embedredis.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()

	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING: %v", err)
	}
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("GET = %q, %v; want v", got, err)
	}

	// TTLs run on the wall clock.
	if err := rdb.Set(ctx, "ttl", "x", 600*time.Millisecond).Err(); err != nil {
		t.Fatalf("SET PX: %v", err)
	}
	if got, err := rdb.Get(ctx, "ttl").Result(); err != nil || got != "x" {
		t.Fatalf("GET before expiry = %q, %v", got, err)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		_, err := rdb.Get(ctx, "ttl").Result()
		if errors.Is(err, redis.Nil) {
			break
		}
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("key with a 600ms TTL still there after 3s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got, err := rdb.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("key without TTL: GET = %q, %v", got, err)
	}

	addr := srv.Addr()
	srv.Close()
	srv.Close() // idempotent
	c2 := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c2.Close()
	if err := c2.Ping(ctx).Err(); err == nil {
		t.Fatal("PING after Close succeeded")
	}
}

func TestStartBadAddr(t *testing.T) {
	if _, err := embedredis.Start("256.0.0.1:99999"); err == nil {
		t.Fatal("Start on a bad address succeeded")
	}
}
