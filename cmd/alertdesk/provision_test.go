package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/store"
)

func TestInitAndTenantCreate(t *testing.T) {
	ctx := context.Background()
	cfg := config.Config{DataDir: t.TempDir(), PublicURL: "http://localhost:8080"}
	args := []string{"--name", "Acme IT", "--admin-email", "ann@acme.test"}
	var out bytes.Buffer
	if err := initCmd(ctx, cfg, args, &out); err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out.String())
	if !apitoken.LooksValid(token) {
		t.Fatalf("init printed %q, want a token", out.String())
	}
	out.Reset()
	if err := initCmd(ctx, cfg, args, &out); err != nil || out.Len() != 0 {
		t.Errorf("second init: %v, printed %q", err, out.String())
	}
	if err := tenantCmd(ctx, cfg, []string{"create", "--name", "Globex", "--admin-email", "gil@globex.test"}, &out); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, "", cfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tok := range []string{token, strings.TrimSpace(out.String())} {
		if v, err := (&auth.Authenticator{DB: s.Ent}).Viewer(ctx, tok); err != nil || !v.IsAdmin() {
			t.Errorf("token %q: viewer %+v, %v; want an admin", tok, v, err)
		}
	}
	for _, bad := range [][]string{nil, {"--name", "Acme IT"}, {"--admin-email", "a@b.test"}, {"--name", "X", "--admin-email", "nope"}, {"--name", "X", "--admin-email", "a@b.test", "extra"}} {
		if err := initCmd(ctx, cfg, bad, &out); err == nil {
			t.Errorf("init %v: no error", bad)
		}
	}
	if err := tenantCmd(ctx, cfg, []string{"list"}, &out); err == nil {
		t.Error("tenant list: no error")
	}
}
