package notify_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/notification"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/worker"
)

type healthAnswer struct {
	State   string
	Since   *time.Time
	Reasons []struct {
		Code, Message string
		Since         time.Time
	}
}

// TestIntegrationHealthChanges drives a NinjaOne integration, played by a
// fake API, through each health state with poll cycles and webhooks, and
// reads Integration.health through GraphQL after each step: every change
// of state or of the set of reasons notifies the tenant's admins once in
// the app and once by email (not the technician), and a step that
// changes nothing notifies no one.
func TestIntegrationHealthChanges(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			box, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
			if err != nil {
				t.Fatal(err)
			}
			h := newHarnessTuned(t, d, func(d *worker.Deps) {
				d.Secrets, d.Outbound, d.PollErrorAfter = box, apptest.AllowLoopback(t), 2
			})
			n := providertest.NewNinjaOne(t)
			id := h.Integration(event.NinjaOne).ID
			sealed, err := box.SealCredentials(id, n.Credentials())
			if err != nil {
				t.Fatal(err)
			}
			in := h.DB.Integration.UpdateOneID(id).SetBaseURL(n.URL).SetCredentials(sealed).
				SetConnectionState(integration.ConnectionStateConnected).SetPollingEnabled(true).SetPollGraceSeconds(0).
				SaveX(h.Ctx)

			poll := func() {
				t.Helper()
				// Another cycle at once: forget the last one's time.
				h.DB.Integration.UpdateOneID(id).ClearLastPolledAt().ExecX(h.Ctx)
				if _, err := h.Worker.Poll(h.Ctx, in.TenantID, id, true); err != nil && !strings.Contains(err.Error(), "RMM") && !strings.Contains(err.Error(), "fetch") {
					t.Fatalf("poll: %v", err)
				}
			}
			webhook := func(uid string, device map[string]any) {
				t.Helper()
				changes := map[string]any{"seriesUid": uid}
				if device != nil {
					changes["device"], changes["deviceId"] = device, device["id"]
				}
				if r := h.Post(event.NinjaOne, apptest.NinjaTrigger(t, changes)); r.Status != http.StatusOK {
					t.Fatalf("webhook %s: %d %s", uid, r.Status, r.Error)
				}
			}
			alert := func(uid string, device int) map[string]any { return providertest.Alert(uid, device, "Disk "+uid) }
			told := 0
			step := func(what, state string, codes []string, notified bool) healthAnswer {
				t.Helper()
				h.delivered()
				var out struct{ Integration struct{ Health healthAnswer } }
				h.Admin(`query($id: ID!) { integration(id: $id) { health { state since reasons { code message since } } } }`,
					apptest.Vars("id", apptest.ID(id))).Must(&out)
				got := out.Integration.Health
				var gotCodes []string
				for _, r := range got.Reasons {
					gotCodes = append(gotCodes, r.Code)
					if r.Message == "" || r.Since.IsZero() {
						t.Errorf("%s: reason %s without message or since", what, r.Code)
					}
				}
				if got.State != state || !slices.Equal(gotCodes, codes) {
					t.Fatalf("%s: health %s %v, want %s %v", what, got.State, gotCodes, state, codes)
				}
				if notified {
					told++
				}
				inApp := h.DB.Notification.Query().Where(notification.UserID(h.Alice.ID),
					notification.Category(worker.CategoryIntegrationHealth)).AllX(h.Ctx)
				var mails []string
				for _, m := range h.mailTo(h.Alice.Email) {
					if strings.Contains(m.Data, "Subject: [alertdesk] Integration ") {
						mails = append(mails, m.Data)
					}
				}
				if len(inApp) != told || len(mails) != told {
					t.Fatalf("%s: admin has %d in-app and %d emails about health, want %d", what, len(inApp), len(mails), told)
				}
				if notified {
					last := inApp[len(inApp)-1]
					if !strings.Contains(last.Title, strings.ToUpper(state)) || !strings.Contains(last.Link, "/#/integrations/") ||
						!strings.Contains(mails[len(mails)-1], strings.ToUpper(state)) {
						t.Errorf("%s: notification %q (%s) does not name the state %s", what, last.Title, last.Link, state)
					}
					for _, c := range codes {
						if !strings.Contains(last.Body, c) {
							t.Errorf("%s: notification body %q lacks %s", what, last.Body, c)
						}
					}
				}
				if k := h.DB.Notification.Query().Where(notification.UserID(h.Bob.ID),
					notification.Category(worker.CategoryIntegrationHealth)).CountX(h.Ctx); k != 0 {
					t.Fatalf("%s: the technician got %d health notifications", what, k)
				}
				return got
			}

			// The poller finds an alert no webhook brought: once may be a
			// late webhook.
			n.SetAlerts(alert("p1", 7))
			poll()
			step("first alert found by the poller", "HEALTHY", nil, false)
			n.SetAlerts(alert("p1", 7), alert("p2", 7))
			poll()
			silent := step("second cycle finding alerts no webhook brought", "DEGRADED", []string{"WEBHOOK_SILENT"}, true)
			poll()
			if again := step("nothing new", "DEGRADED", []string{"WEBHOOK_SILENT"}, false); !again.Since.Equal(*silent.Since) {
				t.Errorf("since moved while unchanged: %v then %v", silent.Since, again.Since)
			}

			// A webhook arrives: the webhook works again.
			webhook("hook-1", nil)
			poll()
			step("a webhook arrived", "HEALTHY", nil, true)

			// The client secret is regenerated in NinjaOne.
			n.RotateSecret("regenerated")
			poll()
			rejected := step("credentials rejected", "FAILING", []string{"CREDENTIALS_REJECTED"}, true)
			if !strings.Contains(rejected.Reasons[0].Message, "reconnect") {
				t.Errorf("rejection message: %q", rejected.Reasons[0].Message)
			}
			poll()
			step("rejected and now failing long enough", "FAILING", []string{"CREDENTIALS_REJECTED", "POLL_FAILING"}, true)
			poll()
			step("still rejected", "FAILING", []string{"CREDENTIALS_REJECTED", "POLL_FAILING"}, false)
			n.RotateSecret("secret") // the stored credentials' secret
			poll()
			step("credentials accepted again", "HEALTHY", nil, true)

			// The RMM's API fails.
			n.FailList(http.StatusBadGateway, "bad gateway")
			poll()
			step("one failed cycle", "HEALTHY", nil, false)
			poll()
			step("polls failing", "FAILING", []string{"POLL_FAILING"}, true)
			n.SetAlerts(alert("p1", 7), alert("p2", 7))
			poll()
			step("polls reach the RMM again", "HEALTHY", nil, true)

			// An organization without a mapping sends an alert.
			webhook("unmapped-1", map[string]any{"id": 70, "organizationId": 99, "displayName": "FAB-01", "systemName": "FAB-01",
				"nodeClass": "WINDOWS_SERVER", "references": map[string]any{"organization": map[string]any{"id": 99, "name": "Fabrikam"}}})
			n.SetAlerts(alert("p1", 7), alert("p2", 7), alert("unmapped-1", 70))
			poll()
			step("unmapped organization sends alerts", "DEGRADED", []string{"UNMAPPED_ORGANIZATIONS"}, true)
			n.SetAlerts(alert("p1", 7), alert("p2", 7))
			poll()
			step("the unmapped alert is over", "HEALTHY", nil, true)
		})
	}
}
