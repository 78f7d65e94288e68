package main

import (
	"context"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/store"
)

func TestInitAndTenantCreate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Setenv("ALERTDESK_DATA_DIR", dir)
	t.Setenv("ALERTDESK_PUBLIC_URL", "http://localhost:8080")
	args := []string{"init", "--name", "Acme IT", "--admin-email", "ann@acme.test"}
	out, errOut, err := execute(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(out)
	if !apitoken.LooksValid(token) {
		t.Fatalf("init printed %q, want a token", out)
	}
	if !strings.Contains(errOut, "http://localhost:8080/") || strings.Contains(errOut, token) {
		t.Errorf("init's messages lack the password link or show the token:\n%s", errOut)
	}
	if out, _, err := execute(t, args...); err != nil || out != "" {
		t.Errorf("second init: %v, printed %q", err, out)
	}
	out, _, err = execute(t, "tenant", "create", "--name", "Globex", "--admin-email", "gil@globex.test")
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, tok := range []string{token, strings.TrimSpace(out)} {
		if v, err := (&auth.Authenticator{DB: s.Ent}).Viewer(ctx, tok); err != nil || !v.IsAdmin() {
			t.Errorf("token %q: viewer %+v, %v; want an admin", tok, v, err)
		}
	}
	for _, bad := range [][]string{nil, {"--name", "Acme IT"}, {"--admin-email", "a@b.test"}, {"--name", "X", "--admin-email", "nope"}, {"--name", "X", "--admin-email", "a@b.test", "extra"}} {
		if out, _, err := execute(t, append([]string{"init"}, bad...)...); err == nil || out != "" {
			t.Errorf("init %v: %v, printed %q", bad, err, out)
		}
	}
	if _, _, err := execute(t, "tenant", "list"); err == nil {
		t.Error("tenant list: no error")
	}
}
