package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/storetest"
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

	cfg := config.Config{DataDir: dir}
	var out bytes.Buffer
	args := []string{"create", "--tenant", seed.TenantSlug, "--email", "ops@example.com", "--role", "technician", "--name", "ci"}
	if err := tokenCmd(ctx, cfg, args, &out); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if !apitoken.LooksValid(token) {
		t.Fatalf("printed %q, want a token", out.String())
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
	for _, bad := range [][]string{nil, {"list"}, {"create", "--email", "x@y"}, {"create", "--tenant", "nope", "--email", "x@y"}} {
		if err := tokenCmd(ctx, cfg, bad, &out); err == nil {
			t.Errorf("token %v: no error", bad)
		}
	}
}
