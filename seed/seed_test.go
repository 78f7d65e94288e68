package seed_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/apitoken"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	entapitoken "github.com/alertdesk/alertdesk/ent/apitoken"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/organizationmapping"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

const publicURL = "http://localhost:8080/"

func counts(t *testing.T, c *ent.Client) map[string]int {
	t.Helper()
	ctx := context.Background()
	return map[string]int{
		"tenants":               c.Tenant.Query().CountX(ctx),
		"users":                 c.User.Query().CountX(ctx),
		"api_tokens":            c.APIToken.Query().CountX(ctx),
		"clients":               c.Customer.Query().CountX(ctx),
		"assets":                c.Asset.Query().CountX(ctx),
		"asset_devices":         c.AssetDevice.Query().CountX(ctx),
		"boards":                c.Board.Query().CountX(ctx),
		"ticket_statuses":       c.TicketStatus.Query().CountX(ctx),
		"priorities":            c.Priority.Query().CountX(ctx),
		"integrations":          c.Integration.Query().CountX(ctx),
		"organization_mappings": c.OrganizationMapping.Query().CountX(ctx),
		"alert_rules":           c.AlertRule.Query().CountX(ctx),
	}
}

func TestDemoIdempotent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		dir := t.TempDir()
		opts := seed.Options{DataDir: dir, PublicURL: publicURL, Secrets: storetest.Secrets(t)}

		first, err := seed.Demo(ctx, s, opts)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]int{
			"tenants": 1, "users": 1, "api_tokens": 1, "clients": 1, "assets": 2,
			"asset_devices": 4, "boards": 1, "ticket_statuses": 3, "priorities": 4,
			"integrations": 2, "organization_mappings": 2, "alert_rules": 2,
		}
		if got := counts(t, s.Ent); !maps.Equal(got, want) {
			t.Fatalf("counts after first seed = %v, want %v", got, want)
		}

		second, err := seed.Demo(ctx, s, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("second seed returned different values:\n%+v\n%+v", first, second)
		}
		if got := counts(t, s.Ent); !maps.Equal(got, want) {
			t.Fatalf("counts after second seed = %v, want %v", got, want)
		}

		checkResult(t, s, first)
		checkFile(t, filepath.Join(dir, seed.FileName), first)
		checkData(t, s, first)

		// Another data dir has no plaintext token: a new token, the rest alike.
		third, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: publicURL, Secrets: storetest.Secrets(t)})
		if err != nil {
			t.Fatal(err)
		}
		if third.AdminToken == first.AdminToken {
			t.Fatal("a new data dir reused a token it cannot know")
		}
		third.AdminToken = first.AdminToken
		if !reflect.DeepEqual(first, third) {
			t.Fatalf("seed with a new data dir changed more than the token:\n%+v\n%+v", first, third)
		}
		want["api_tokens"] = 2
		if got := counts(t, s.Ent); !maps.Equal(got, want) {
			t.Fatalf("counts after seeding another data dir = %v, want %v", got, want)
		}

		// A revoked token is replaced too.
		s.Ent.APIToken.Update().Where(entapitoken.TokenHash(apitoken.Hash(first.AdminToken))).SetRevokedAt(s.Ent.Tenant.GetX(ctx, first.TenantID).CreatedAt).ExecX(ctx)
		fourth, err := seed.Demo(ctx, s, opts)
		if err != nil {
			t.Fatal(err)
		}
		if fourth.AdminToken == first.AdminToken {
			t.Fatal("revoked token reused")
		}
		checkFile(t, filepath.Join(dir, seed.FileName), fourth)
	})
}

func checkResult(t *testing.T, s *store.Store, r *seed.Result) {
	t.Helper()
	if !apitoken.LooksValid(r.AdminToken) {
		t.Errorf("admin token %q does not look like a token", r.AdminToken)
	}
	if len(r.Integrations) != 2 {
		t.Fatalf("integrations = %+v", r.Integrations)
	}
	for i, want := range []struct{ provider, name string }{{"ninjaone", "NinjaOne"}, {"tacticalrmm", "TacticalRMM"}} {
		in := r.Integrations[i]
		if in.Provider != want.provider || in.Name != want.name {
			t.Errorf("integration %d = %s/%s, want %s/%s", i, in.Provider, in.Name, want.provider, want.name)
		}
		if wantURL := fmt.Sprintf("http://localhost:8080/webhooks/%s/%d", want.provider, in.ID); in.WebhookURL != wantURL {
			t.Errorf("webhook URL = %q, want %q", in.WebhookURL, wantURL)
		}
		if in.SecretHeader != "X-Alertdesk-Secret" {
			t.Errorf("secret header = %q", in.SecretHeader)
		}
		if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(in.Secret) {
			t.Errorf("secret %q is not 32 bytes of hex", in.Secret)
		}
	}
	if r.Integrations[0].Secret == r.Integrations[1].Secret {
		t.Error("both integrations share a secret")
	}
}

func checkFile(t *testing.T, path string, r *seed.Result) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode = %v, want 0600", path, fi.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tenantId", "adminToken", "integrations"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("%s lacks key %q: %s", path, k, b)
		}
	}
	ins, _ := raw["integrations"].([]any)
	if len(ins) != 2 {
		t.Fatalf("integrations in file: %s", b)
	}
	for _, k := range []string{"id", "provider", "name", "webhookUrl", "secretHeader", "secret"} {
		if _, ok := ins[0].(map[string]any)[k]; !ok {
			t.Errorf("integration in %s lacks key %q", path, k)
		}
	}
	got, err := seed.ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("file holds %+v, want %+v", got, r)
	}
}

func checkData(t *testing.T, s *store.Store, r *seed.Result) {
	t.Helper()
	ctx := context.Background()
	c := s.Ent
	tn := c.Tenant.GetX(ctx, r.TenantID)
	if tn.Slug != "demo" {
		t.Errorf("tenant slug %q", tn.Slug)
	}
	admin := c.User.GetX(ctx, r.AdminUserID)
	if admin.Email != "admin@demo.alertdesk.local" || admin.Role != user.RoleAdmin || admin.TenantID != r.TenantID {
		t.Errorf("admin = %+v", admin)
	}
	if !c.APIToken.Query().Where(entapitoken.TokenHash(apitoken.Hash(r.AdminToken)), entapitoken.UserID(admin.ID)).ExistX(ctx) {
		t.Error("admin token hash not stored")
	}

	contoso := c.Customer.Query().OnlyX(ctx)
	if contoso.Name != "Contoso" {
		t.Errorf("client %q", contoso.Name)
	}
	for _, a := range c.Asset.Query().Order(ent.Asc(asset.FieldName)).AllX(ctx) {
		if a.ClientID == nil || *a.ClientID != contoso.ID {
			t.Errorf("asset %s not under Contoso", a.Name)
		}
	}

	b := c.Board.Query().Where(board.Name("Service Desk")).OnlyX(ctx)
	if !b.IsDefault {
		t.Error("board not default")
	}
	type st struct {
		Name              string
		Sort              int
		Closed, IsDefault bool
	}
	var gotSt []st
	for _, x := range c.TicketStatus.Query().Where(ticketstatus.BoardID(b.ID)).Order(ent.Asc(ticketstatus.FieldSortOrder)).AllX(ctx) {
		gotSt = append(gotSt, st{x.Name, x.SortOrder, x.IsClosed, x.IsDefault})
	}
	wantSt := []st{{"Open", 1, false, true}, {"In Progress", 2, false, false}, {"Closed", 3, true, false}}
	if !reflect.DeepEqual(gotSt, wantSt) {
		t.Errorf("statuses = %+v, want %+v", gotSt, wantSt)
	}
	var prios []string
	for _, p := range c.Priority.Query().Order(ent.Asc(priority.FieldSortOrder)).AllX(ctx) {
		prios = append(prios, fmt.Sprintf("%s(%d)", p.Name, p.SortOrder))
	}
	if fmt.Sprint(prios) != "[Urgent(1) High(2) Medium(3) Low(4)]" {
		t.Errorf("priorities = %v", prios)
	}

	devices := map[string]string{
		"ninjaone/7": "SRV-01", "ninjaone/9": "WS-22",
		"tacticalrmm/ZqXbLmNoPqRsTuVwXyZaBcDeFgHiJkLmNoPqRsTu": "SRV-01",
		"tacticalrmm/Pq9rStUvWxYz0123456789AbCdEfGhIjKlMnOpQr": "WS-22",
	}
	orgs := map[string]string{"ninjaone": "2", "tacticalrmm": "3"}
	for _, ri := range r.Integrations {
		in := c.Integration.GetX(ctx, ri.ID)
		// The row keeps the secret's keyed hash and the sealed secret,
		// never the secret itself.
		box := storetest.Secrets(t)
		opened, err := box.OpenWebhookSecret(r.TenantID, in.WebhookSecretSealed)
		if in.ConnectionState != integration.ConnectionStateDisconnected || in.WebhookSecret != box.HashWebhookSecret(ri.Secret) ||
			opened != ri.Secret || err != nil || in.TenantID != r.TenantID || len(ri.Secret) != 64 {
			t.Errorf("integration %s: state %s, hash matches %v, sealed opens %v (%v)", in.Name, in.ConnectionState,
				in.WebhookSecret == box.HashWebhookSecret(ri.Secret), opened == ri.Secret, err)
		}
		if strings.Contains(in.WebhookSecret, ri.Secret) || bytes.Contains(in.WebhookSecretSealed, []byte(ri.Secret)) {
			t.Errorf("integration %s stores its webhook secret in clear", in.Name)
		}
		m := c.OrganizationMapping.Query().Where(organizationmapping.IntegrationID(in.ID)).OnlyX(ctx)
		if m.ExternalOrganizationID != orgs[ri.Provider] || m.ExternalOrganizationName != "Contoso" || m.ClientID != contoso.ID {
			t.Errorf("%s mapping = %+v", in.Name, m)
		}
		for _, d := range c.AssetDevice.Query().Where(assetdevice.IntegrationID(in.ID)).AllX(ctx) {
			a := c.Asset.GetX(ctx, d.AssetID)
			if devices[ri.Provider+"/"+d.ExternalDeviceID] != a.Name {
				t.Errorf("%s device %s mapped to %s", in.Name, d.ExternalDeviceID, a.Name)
			}
		}
		rl := c.AlertRule.Query().Where(alertrule.IntegrationID(in.ID)).OnlyX(ctx)
		if rl.Name != "Catch-all" || !rl.IsActive {
			t.Errorf("rule = %+v", rl)
		}
		cond, _ := json.Marshal(rl.Conditions)
		act, _ := json.Marshal(rl.Actions)
		if string(cond) != `{}` || string(act) != `{"autoResolveTicket":true}` {
			t.Errorf("rule conditions %s actions %s", cond, act)
		}
	}
}

func TestDemoNeedsDataDir(t *testing.T) {
	s := storetest.Open(t, "sqlite3")
	if _, err := seed.Demo(context.Background(), s, seed.Options{Secrets: storetest.Secrets(t)}); err == nil {
		t.Fatal("Demo without DataDir succeeded")
	}
}

func TestDemoDamagedFile(t *testing.T) {
	s := storetest.Open(t, "sqlite3")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, seed.FileName), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := seed.Demo(context.Background(), s, seed.Options{DataDir: dir, Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := seed.ReadJSON(filepath.Join(dir, seed.FileName)); err != nil || got.AdminToken != r.AdminToken {
		t.Fatalf("file not replaced: %v", err)
	}
}

// Replicas seeding one PostgreSQL at once end up with one demo tenant.
func TestDemoConcurrent(t *testing.T) {
	s := storetest.Open(t, "postgres")
	ctx := context.Background()
	const n = 4
	errs := make(chan error, n)
	for range n {
		dir := t.TempDir()
		go func() {
			_, err := seed.Demo(ctx, s, seed.Options{DataDir: dir, PublicURL: publicURL, Secrets: storetest.Secrets(t)})
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got := counts(t, s.Ent)
	if got["tenants"] != 1 || got["integrations"] != 2 || got["api_tokens"] != n {
		t.Fatalf("counts = %v", got)
	}
}
