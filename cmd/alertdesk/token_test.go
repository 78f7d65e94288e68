package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

func TestTokenCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Demo(ctx, s, seed.Options{DataDir: dir, Secrets: storetest.Secrets(t)}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	t.Setenv("ALERTDESK_DATA_DIR", dir)
	out, errOut, err := execute(t, "token", "create", "--tenant", seed.TenantSlug, "--email", "ops@example.com", "--role", "technician", "--name", "ci")
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if !apitoken.LooksValid(token) {
		t.Fatalf("printed %q, want a token", out)
	}
	if !strings.Contains(errOut, "created user ops@example.com") {
		t.Errorf("no word of the new user:\n%s", errOut)
	}
	s, err = store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	v, err := (&auth.Authenticator{DB: s.Ent}).Viewer(ctx, token)
	if err != nil || v.IsAdmin() {
		t.Errorf("token's viewer = %+v, %v; want a technician", v, err)
	}
	for _, bad := range [][]string{nil, {"list"}, {"create", "--email", "x@y"}, {"create", "--tenant", "nope", "--email", "x@y"},
		{"create", "--tenant", seed.TenantSlug, "--email", "x@y.test", "--role", "owner"}} {
		if out, _, err := execute(t, append([]string{"token"}, bad...)...); err == nil || out != "" {
			t.Errorf("token %v: %v, printed %q", bad, err, out)
		}
	}
}

// Changing an existing user's role announces it on REDIS_URL, so the
// servers close the user's open WebSockets.
func TestTokenCreateAnnouncesRoleChange(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	demo, err := seed.Demo(ctx, s, seed.Options{DataDir: dir, Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	addr := redistest.Embedded(t)
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	sub := rdb.Subscribe(ctx, auth.ChangesChannel)
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	t.Setenv("ALERTDESK_DATA_DIR", dir)
	t.Setenv("REDIS_URL", "redis://"+addr)
	create := func(role string) {
		t.Helper()
		if _, _, err := execute(t, "token", "create", "--tenant", seed.TenantSlug, "--email", "ops@example.com", "--role", role); err != nil {
			t.Fatal(err)
		}
	}
	create("technician") // created: nothing to announce
	create("technician") // unchanged
	create("admin")
	m, err := sub.ReceiveTimeout(ctx, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var c auth.Change
	msg, ok := m.(*redis.Message)
	if !ok || json.Unmarshal([]byte(msg.Payload), &c) != nil || c.TenantID != demo.TenantID || c.UserID == 0 ||
		c.TokenID != 0 || c.Reason != auth.ReasonRoleChanged {
		t.Fatalf("announced %#v", m)
	}
	if m, err := sub.ReceiveTimeout(ctx, 200*time.Millisecond); err == nil {
		t.Errorf("announced more: %#v", m)
	}
}
