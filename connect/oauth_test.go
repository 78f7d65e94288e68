package connect_test

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/providers/ninjaone"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/alertdesk/alertdesk/webhook"
)

// authorize asks for the consent URL and returns its state, checking the
// URL on the way.
func (h *harness) authorize(n *providertest.NinjaOne, integrationID int) string {
	h.T.Helper()
	raw, err := h.Svc.ConnectNinjaOneURL(h.asAdmin(), h.Demo.TenantID, integrationID)
	if err != nil {
		h.T.Fatal(err)
	}
	u, err := url.Parse(raw)
	if err != nil {
		h.T.Fatal(err)
	}
	q := u.Query()
	if got := u.Scheme + "://" + u.Host + u.Path; got != n.URL+"/ws/oauth/authorize" {
		h.T.Errorf("authorize URL %s, want the instance's /ws/oauth/authorize", got)
	}
	if q.Get("client_id") != "client" || q.Get("response_type") != "code" ||
		q.Get("redirect_uri") != apptest.PublicURL+connect.CallbackPath ||
		!strings.Contains(q.Get("scope"), "offline_access") || len(q.Get("state")) < 40 {
		h.T.Errorf("authorize query %v", q)
	}
	return q.Get("state")
}

func TestNinjaOneOAuth(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		id := h.pointAt(event.NinjaOne, n.URL)
		state := h.authorize(n, id)

		// A wrong state changes nothing and does not spend the real one.
		n.IssueCode("code-1")
		if status, page := h.callback(url.Values{"code": {"code-1"}, "state": {state + "x"}}); status != 400 || !strings.Contains(page, "not valid") {
			t.Fatalf("wrong state: %d %s", status, page)
		}
		if h.load(id).ConnectionState != integration.ConnectionStateDisconnected {
			t.Fatal("wrong state connected the integration")
		}

		status, page := h.callback(url.Values{"code": {"code-1"}, "state": {state}})
		if status != 200 || !strings.Contains(page, "NinjaOne connected") || !strings.Contains(page, "webhook now posts") {
			t.Fatalf("valid state: %d %s", status, page)
		}
		in := h.load(id)
		if in.ConnectionState != integration.ConnectionStateConnected {
			t.Fatalf("state %s, want connected", in.ConnectionState)
		}
		if got := n.Redirects(); len(got) != 1 || got[0] != apptest.PublicURL+connect.CallbackPath {
			t.Errorf("code exchanged with redirect_uri %v", got)
		}
		// Sealed: no token, client secret or JSON key readable in the column.
		for _, plain := range []string{"refresh-", "access-", "secret", "refreshToken"} {
			if bytes.Contains(in.Credentials, []byte(plain)) {
				t.Errorf("stored credentials contain %q in clear", plain)
			}
		}
		plain, err := h.Box.OpenCredentials(id, in.Credentials)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := ninjaone.ParseCredentials(plain)
		if err != nil || creds.GrantType != ninjaone.GrantAuthorizationCode || !strings.HasPrefix(creds.RefreshToken, "refresh-") ||
			creds.ClientID != "client" || creds.AccessToken == "" {
			t.Errorf("credentials %+v, %v", creds, err)
		}
		// The webhook points at the integration with its secret.
		hooks := n.Webhooks()
		if len(hooks) != 1 || hooks[0]["url"] != apptest.PublicURL+"/webhooks/ninjaone/"+strconv.Itoa(id) ||
			!strings.Contains(jsonString(hooks[0]["headers"]), webhook.SecretHeader) ||
			!strings.Contains(jsonString(hooks[0]["headers"]), h.Integration(event.NinjaOne).Secret) {
			t.Errorf("webhook registrations %v", hooks)
		}
		if !h.scheduled(id) {
			t.Error("connected integration has no poll schedule")
		}
		select {
		case got := <-h.polls:
			if got != id {
				t.Errorf("first poll of %d", got)
			}
		default:
			t.Error("no first poll after connect")
		}

		// Replayed: refused, even with a fresh code.
		before := in.Credentials
		n.IssueCode("code-2")
		if status, page := h.callback(url.Values{"code": {"code-2"}, "state": {state}}); status != 400 || !strings.Contains(page, "already used") {
			t.Fatalf("replayed state: %d %s", status, page)
		}
		if !bytes.Equal(h.load(id).Credentials, before) || len(n.Redirects()) != 1 {
			t.Error("replayed state changed the credentials or exchanged a code")
		}

		// Disconnect clears the credentials and the schedule.
		out, err := h.Svc.Disconnect(h.Ctx, h.Demo.TenantID, id)
		if err != nil {
			t.Fatal(err)
		}
		if out.ConnectionState != integration.ConnectionStateDisconnected || len(h.load(id).Credentials) != 0 {
			t.Errorf("after disconnect: %s, %d credential bytes", out.ConnectionState, len(h.load(id).Credentials))
		}
		if h.scheduled(id) {
			t.Error("disconnected integration still has a poll schedule")
		}
	})
}

func TestNinjaOneOAuthRefusals(t *testing.T) {
	h := newHarness(t, "sqlite3")
	n := providertest.NewNinjaOne(t)
	id := h.pointAt(event.NinjaOne, n.URL)
	n.IssueCode("code")
	connected := func() bool { return h.load(id).ConnectionState == integration.ConnectionStateConnected }

	t.Run("expired", func(t *testing.T) {
		h.Svc.StateTTL = time.Second
		defer func() { h.Svc.StateTTL = 0 }()
		state := h.authorize(n, id)
		time.Sleep(1500 * time.Millisecond)
		if status, page := h.callback(url.Values{"code": {"code"}, "state": {state}}); status != 400 || !strings.Contains(page, "expired") || connected() {
			t.Fatalf("expired state: %d %s", status, page)
		}
	})
	t.Run("missing", func(t *testing.T) {
		if status, _ := h.callback(url.Values{"code": {"code"}}); status != 400 || connected() {
			t.Fatalf("no state: %d", status)
		}
	})
	t.Run("denied", func(t *testing.T) {
		state := h.authorize(n, id)
		status, page := h.callback(url.Values{"state": {state}, "error": {"access_denied"}})
		if status != 400 || !strings.Contains(page, "access_denied") || connected() {
			t.Fatalf("denied: %d %s", status, page)
		}
		// The state was spent on the refusal.
		if status, _ := h.callback(url.Values{"code": {"code"}, "state": {state}}); status != 400 || connected() {
			t.Fatalf("state reused after a denial: %d", status)
		}
	})
	t.Run("bad code", func(t *testing.T) {
		state := h.authorize(n, id)
		status, page := h.callback(url.Values{"code": {"forged"}, "state": {state}})
		if status != 502 || !strings.Contains(page, "refused the authorization code") || connected() {
			t.Fatalf("bad code: %d %s", status, page)
		}
	})
	t.Run("other tenant", func(t *testing.T) {
		other := h.OtherTenant("other-secret")
		// A viewer of one tenant cannot start a connect for another...
		ctx := tenancy.WithViewer(h.Ctx, tenancy.Viewer{TenantID: h.Demo.TenantID + 1000, UserID: 1, Role: tenancy.RoleAdmin})
		if _, err := h.Svc.ConnectNinjaOneURL(ctx, h.Demo.TenantID, id); !errors.Is(err, connect.ErrForbidden) {
			t.Errorf("cross-tenant viewer: %v", err)
		}
		// ...nor reach another tenant's integration through its own.
		if _, err := h.Svc.ConnectNinjaOneURL(h.asAdmin(), h.Demo.TenantID, other.ID); !errors.Is(err, connect.ErrNotFound) {
			t.Errorf("other tenant's integration: %v", err)
		}
	})
	t.Run("not an admin any more", func(t *testing.T) {
		state := h.authorize(n, id)
		h.DB.User.UpdateOneID(h.Demo.AdminUserID).SetRole("technician").ExecX(h.Ctx)
		defer h.DB.User.UpdateOneID(h.Demo.AdminUserID).SetRole("admin").ExecX(h.Ctx)
		if status, page := h.callback(url.Values{"code": {"code"}, "state": {state}}); status != 400 || !strings.Contains(page, "no longer an admin") || connected() {
			t.Fatalf("demoted user: %d %s", status, page)
		}
	})
	t.Run("technician", func(t *testing.T) {
		ctx := tenancy.WithViewer(h.Ctx, tenancy.Viewer{TenantID: h.Demo.TenantID, UserID: h.Demo.AdminUserID, Role: tenancy.RoleTechnician})
		if _, err := h.Svc.ConnectNinjaOneURL(ctx, h.Demo.TenantID, id); !errors.Is(err, connect.ErrForbidden) {
			t.Errorf("technician: %v", err)
		}
	})
	t.Run("wrong provider", func(t *testing.T) {
		if _, err := h.Svc.ConnectNinjaOneURL(h.asAdmin(), h.Demo.TenantID, h.Integration(event.TacticalRMM).ID); !errors.Is(err, connect.ErrWrongProvider) {
			t.Errorf("tactical integration: %v", err)
		}
	})
	t.Run("no oauth app", func(t *testing.T) {
		app := h.Svc.NinjaOne
		h.Svc.NinjaOne.ClientID = ""
		defer func() { h.Svc.NinjaOne = app }()
		if _, err := h.Svc.ConnectNinjaOneURL(h.asAdmin(), h.Demo.TenantID, id); !errors.Is(err, connect.ErrNotConfigured) {
			t.Errorf("unconfigured: %v", err)
		}
	})
}
