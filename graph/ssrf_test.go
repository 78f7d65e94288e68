package graph_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbound"
)

// ssrfHosts are hosts a tenant's URL must not name: loopback, link-local,
// private and unspecified addresses in every spelling, and a name that
// resolves to loopback.
var ssrfHosts = []struct{ host, says string }{
	{"127.0.0.1", "loopback"},
	{"localhost", "loopback"},
	{"169.254.169.254", "link-local"},
	{"10.0.0.5", "private"},
	{"172.20.1.1", "private"},
	{"192.168.1.1", "private"},
	{"0.0.0.0", "unspecified"},
	{"[::1]", "loopback"},
	{"[fe80::1]", "link-local"},
	{"[fc00::1]", "private"},
	{"[::ffff:127.0.0.1]", "loopback"},
	{"2130706433", "loopback"},
	{"0177.0.0.1", "loopback"},
	{"internal.rmm.test", "loopback"},
}

// ssrfEnv is alertdesk whose outbound guard has no allowlist and resolves
// names through a stub: internal.rmm.test is 127.0.0.1.
func ssrfEnv(t *testing.T, dialect string) *apptest.Env {
	return apptest.NewWith(t, dialect, apptest.Options{Redis: apptest.Redis(t), Outbound: &outbound.Guard{
		Resolver: outbound.Hosts{
			"localhost":         {netip.MustParseAddr("127.0.0.1")},
			"internal.rmm.test": {netip.MustParseAddr("127.0.0.1")},
			"hooks.public.test": {netip.MustParseAddr("93.184.215.14")},
		},
	}})
}

// TestSSRFRefusedAtSave: createEventSubscription, updateEventSubscription,
// connectTacticalRmm, connectNinjaOneClientCredentials and
// createIntegration refuse every such host with a BAD_USER_INPUT error on
// the URL field that says what the address is, and store nothing.
func TestSSRFRefusedAtSave(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := ssrfEnv(t, d)
			var created struct{ CreateEventSubscription struct{ ID string } }
			e.Admin(`mutation { createEventSubscription(input: {url: "https://hooks.public.test/h", eventTypes: ["RMM_ALERT_TRIGGERED"]}) { id } }`, nil).
				Must(&created)
			tactical := apptest.ID(e.Integration(event.TacticalRMM).ID)
			ninja := apptest.ID(e.Integration(event.NinjaOne).ID)
			before := snapshot(t, e)
			for _, c := range ssrfHosts {
				url := "https://" + c.host + "/hook"
				check := func(what, field string, r apptest.GQLResponse) {
					t.Helper()
					wantFields(t, r, field)
					if !strings.Contains(string(r.Raw), "is refused") || !strings.Contains(string(r.Raw), c.says) {
						t.Errorf("%s %s: message does not say it is %s: %s", what, c.host, c.says, r.Raw)
					}
				}
				check("createEventSubscription", "url", e.Admin(`mutation($url: String!) { createEventSubscription(input: {url: $url, eventTypes: ["RMM_ALERT_TRIGGERED"]}) { id } }`,
					apptest.Vars("url", url)))
				check("updateEventSubscription", "url", e.Admin(`mutation($id: ID!, $url: String!) { updateEventSubscription(id: $id, input: {url: $url}) { id } }`,
					apptest.Vars("id", created.CreateEventSubscription.ID, "url", url)))
				check("connectTacticalRmm", "baseUrl", e.Admin(connectTactical, apptest.Vars("id", tactical, "url", url, "key", "k")))
				check("connectNinjaOneClientCredentials", "baseUrl", e.Admin(`mutation($id: ID!, $url: String!) {
  connectNinjaOneClientCredentials(integrationId: $id, clientId: "c", clientSecret: "s", baseUrl: $url) { webhookRegistered } }`,
					apptest.Vars("id", ninja, "url", url)))
				check("createIntegration", "baseUrl", e.Admin(`mutation($url: String!) { createIntegration(input: {provider: TACTICALRMM, name: "On prem", baseUrl: $url}) { id } }`,
					apptest.Vars("url", url)))
			}
			// A TacticalRMM key over plain http goes to allowed hosts only.
			check := e.Admin(connectTactical, apptest.Vars("id", tactical, "url", "http://hooks.public.test", "key", "k"))
			wantFields(t, check, "baseUrl")
			if !strings.Contains(string(check.Raw), "plain http") {
				t.Errorf("plain http key: %s", check.Raw)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("refused URLs changed data:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}
