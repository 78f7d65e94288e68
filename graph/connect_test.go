package graph_test

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// eachDialectRedis is eachDialect with the machine's Redis (OAuth state,
// task queue).
func eachDialectRedis(t *testing.T, fn func(t *testing.T, e *apptest.Env)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			fn(t, apptest.NewWith(t, d, apptest.Options{Redis: apptest.Redis(t)}))
		})
	}
}

const connectTactical = `mutation($id: ID!, $url: String!, $key: String!) {
  connectTacticalRmm(integrationId: $id, baseUrl: $url, apiKey: $key) {
    integration { id connectionState baseUrl } webhookRegistered webhookError
  }
}`

// pendingPolls counts the poll tasks queued on the Env's own queue.
func pendingPolls(t *testing.T, e *apptest.Env) int {
	t.Helper()
	tasks, err := asynq.NewInspectorFromRedisClient(e.Redis).ListPendingTasks(e.Services.Queue)
	if err != nil {
		return 0 // the queue does not exist yet
	}
	return len(tasks)
}

func TestConnectTacticalRMM(t *testing.T) {
	eachDialectRedis(t, func(t *testing.T, e *apptest.Env) {
		fake := providertest.NewTactical(t)
		id := e.Integration(event.TacticalRMM).ID
		vars := apptest.Vars("id", apptest.ID(id), "url", fake.URL, "key", "wrong")

		// A refused key: CONNECTION_FAILED, nothing stored.
		before := snapshot(t, e)
		r := e.Admin(connectTactical, vars).WantCode("CONNECTION_FAILED")
		if r.Errors[0].Message == "" || r.Errors[0].Message == "internal error" {
			t.Errorf("message: %s", r.Raw)
		}
		if after := snapshot(t, e); after != before {
			t.Errorf("failed connect changed data:\nbefore %s\nafter  %s", before, after)
		}
		// Invalid input names its fields; another RMM's integration and
		// unknown ids are refused.
		wantFields(t, e.Admin(connectTactical, apptest.Vars("id", apptest.ID(id), "url", "nope", "key", " ")), "baseUrl", "apiKey")
		e.Admin(connectTactical, apptest.Vars("id", apptest.ID(e.Integration(ninja).ID), "url", fake.URL, "key", "key")).WantCode("WRONG_PROVIDER")
		e.Admin(connectTactical, apptest.Vars("id", "999999", "url", fake.URL, "key", "key")).WantCode("NOT_FOUND")

		// A good key connects, with the credentials sealed.
		vars["key"] = fake.APIKey
		var out struct {
			ConnectTacticalRmm struct {
				Integration struct {
					ID, ConnectionState, BaseURL string
				}
				WebhookRegistered bool
			}
		}
		e.Admin(connectTactical, vars).Must(&out)
		if got := out.ConnectTacticalRmm.Integration; got.ID != apptest.ID(id) || got.ConnectionState != "CONNECTED" || got.BaseURL != fake.URL {
			t.Errorf("connected = %+v", got)
		}
		in := e.DB.Integration.GetX(e.Ctx, id)
		if in.ConnectionState != integration.ConnectionStateConnected || len(in.Credentials) == 0 ||
			string(in.Credentials) == string(fake.Credentials()) {
			t.Errorf("stored: state %s, %d bytes of credentials", in.ConnectionState, len(in.Credentials))
		}
		// The connect queued a first poll, and pollNow does not double it.
		if n := pendingPolls(t, e); n != 1 {
			t.Errorf("polls queued after connect = %d, want 1", n)
		}
		var polled struct {
			PollNow struct{ ID, ConnectionState string }
		}
		e.Admin(`mutation($id: ID!) { pollNow(integrationId: $id) { id connectionState } }`, apptest.Vars("id", apptest.ID(id))).Must(&polled)
		if polled.PollNow.ID != apptest.ID(id) || polled.PollNow.ConnectionState != "CONNECTED" {
			t.Errorf("pollNow = %+v", polled.PollNow)
		}
		if n := pendingPolls(t, e); n != 1 {
			t.Errorf("polls queued after pollNow = %d, want 1", n)
		}

		// Disconnect forgets the credentials; pollNow is then refused.
		var disc struct {
			DisconnectIntegration struct{ ConnectionState string }
		}
		e.Admin(`mutation($id: ID!) { disconnectIntegration(integrationId: $id) { connectionState } }`, apptest.Vars("id", apptest.ID(id))).Must(&disc)
		if disc.DisconnectIntegration.ConnectionState != "DISCONNECTED" {
			t.Errorf("disconnected = %+v", disc)
		}
		in = e.DB.Integration.GetX(e.Ctx, id)
		if in.ConnectionState != integration.ConnectionStateDisconnected || len(in.Credentials) != 0 {
			t.Errorf("after disconnect: state %s, %d bytes of credentials", in.ConnectionState, len(in.Credentials))
		}
		e.Admin(`mutation($id: ID!) { pollNow(integrationId: $id) { id } }`, apptest.Vars("id", apptest.ID(id))).WantCode("NOT_CONNECTED")
		e.Admin(`mutation { pollNow(integrationId: "999999") { id } }`, nil).WantCode("NOT_FOUND")
	})
}

func TestConnectAcrossTenants(t *testing.T) {
	eachDialectRedis(t, func(t *testing.T, e *apptest.Env) {
		fake := providertest.NewTactical(t)
		other := e.OtherTenant("other-tenant-secret-0123456789")
		otherTenant := e.DB.Integration.GetX(e.Ctx, other.ID).TenantID
		otherAdmin, _ := e.NewToken(otherTenant, "admin@other.test", user.RoleAdmin)
		id := apptest.ID(e.Integration(event.TacticalRMM).ID)
		before := snapshot(t, e)
		e.GraphQL(otherAdmin, connectTactical, apptest.Vars("id", id, "url", fake.URL, "key", fake.APIKey)).WantCode("NOT_FOUND")
		e.GraphQL(otherAdmin, `mutation($id: ID!) { disconnectIntegration(integrationId: $id) { id } }`, apptest.Vars("id", id)).WantCode("NOT_FOUND")
		e.GraphQL(otherAdmin, `mutation($id: ID!) { pollNow(integrationId: $id) { id } }`, apptest.Vars("id", id)).WantCode("NOT_FOUND")
		e.GraphQL(otherAdmin, `mutation($id: ID!) { connectNinjaOne(integrationId: $id) { authorizeUrl } }`,
			apptest.Vars("id", apptest.ID(e.Integration(ninja).ID))).WantCode("NOT_FOUND")
		if after := snapshot(t, e); after != before {
			t.Errorf("cross-tenant calls changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

func TestConnectNinjaOne(t *testing.T) {
	eachDialectRedis(t, func(t *testing.T, e *apptest.Env) {
		id := e.Integration(ninja).ID
		var out struct{ ConnectNinjaOne struct{ AuthorizeURL string } }
		e.Admin(`mutation($id: ID!) { connectNinjaOne(integrationId: $id) { authorizeUrl } }`, apptest.Vars("id", apptest.ID(id))).Must(&out)
		u, err := url.Parse(out.ConnectNinjaOne.AuthorizeURL)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Fatalf("authorizeUrl %q: %v", out.ConnectNinjaOne.AuthorizeURL, err)
		}
		q := u.Query()
		if q.Get("state") == "" || q.Get("client_id") != apptest.NinjaOneApp.ClientID ||
			q.Get("redirect_uri") != apptest.PublicURL+"/oauth/ninjaone/callback" {
			t.Errorf("authorizeUrl query %v", q)
		}
		// Each call gets its own one-time state.
		var again struct{ ConnectNinjaOne struct{ AuthorizeURL string } }
		e.Admin(`mutation($id: ID!) { connectNinjaOne(integrationId: $id) { authorizeUrl } }`, apptest.Vars("id", apptest.ID(id))).Must(&again)
		if u2, _ := url.Parse(again.ConnectNinjaOne.AuthorizeURL); u2.Query().Get("state") == q.Get("state") {
			t.Errorf("state reused: %s", q.Get("state"))
		}
		// Nothing is connected until the callback.
		if in := e.DB.Integration.GetX(e.Ctx, id); in.ConnectionState != integration.ConnectionStateDisconnected {
			t.Errorf("state after connectNinjaOne: %s", in.ConnectionState)
		}
		e.Admin(`mutation($id: ID!) { connectNinjaOne(integrationId: $id) { authorizeUrl } }`,
			apptest.Vars("id", apptest.ID(e.Integration(event.TacticalRMM).ID))).WantCode("WRONG_PROVIDER")
		// Client credentials: region and base URL are exclusive.
		wantFields(t, e.Admin(`mutation($id: ID!) { connectNinjaOneClientCredentials(integrationId: $id, clientId: "", clientSecret: "s", region: "mars") { webhookRegistered } }`,
			apptest.Vars("id", strconv.Itoa(id))), "clientId", "region")
		wantFields(t, e.Admin(`mutation($id: ID!) { connectNinjaOneClientCredentials(integrationId: $id, clientId: "c", clientSecret: "s", region: "eu", baseUrl: "https://x.example.com") { webhookRegistered } }`,
			apptest.Vars("id", strconv.Itoa(id))), "baseUrl")
	})
}
