package notify_test

import (
	"context"
	"io"
	"mime/quotedprintable"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/notify/smtptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

// mailText decodes a message's body.
func mailText(t *testing.T, m smtptest.Message) (string, string) {
	t.Helper()
	head, body, _ := strings.Cut(m.Data, "\r\n\r\n")
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(body)))
	if err != nil {
		t.Fatal(err)
	}
	return head, string(b)
}

func TestNotificationsDelivered(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		ctx, cancel := context.WithTimeout(h.Ctx, 30*time.Second)
		defer cancel()
		pushes, err := feed.SubscribeNotifications(ctx, h.Redis, h.Demo.TenantID, h.Bob.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := h.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
		if r.TicketID == nil {
			t.Fatalf("webhook made no ticket: %+v", r)
		}
		h.delivered()
		tk := h.Ticket(*r.TicketID)
		link := apptest.PublicURL + "/#/tickets/" + strconv.Itoa(tk.ID)

		for _, u := range []*ent.User{h.Alice, h.Bob} {
			ns := h.notifications(u)
			if len(ns) != 1 {
				t.Fatalf("user %d has %d notifications, want 1", u.ID, len(ns))
			}
			n := ns[0]
			if n.Category != notify.CategoryRMMAlert || n.Link != link || n.TicketID == nil || *n.TicketID != tk.ID ||
				n.AlertID == nil || *n.AlertID != r.AlertID || n.TenantID != h.Demo.TenantID ||
				!strings.Contains(n.Title, "#"+strconv.Itoa(tk.Number)) || !strings.Contains(n.Body, "SRV-01") {
				t.Errorf("notification %+v", n)
			}
			mails := h.mailTo(u.Email)
			if len(mails) != 1 {
				t.Fatalf("%s got %d emails, want 1", u.Email, len(mails))
			}
			head, text := mailText(t, mails[0])
			if !strings.Contains(head, "Ticket #"+strconv.Itoa(tk.Number)) || !strings.Contains(text, link) || !strings.Contains(text, "Catch-all") {
				t.Errorf("email to %s:\n%s\n\n%s", u.Email, head, text)
			}
		}
		select {
		case id := <-pushes:
			if id != h.notifications(h.Bob)[0].ID {
				t.Errorf("pushed notification %d", id)
			}
		case <-ctx.Done():
			t.Fatal("no push on Bob's channel")
		}

		// A re-delivery of the entry (at least once) repeats nothing.
		entry := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.NotificationRequest)).OnlyX(h.Ctx)
		if err := h.Consumer.Consume(h.Ctx, worker.Entry{ID: entry.ID, TenantID: entry.TenantID, Topic: entry.Topic, Payload: entry.Payload, Attempt: 1}); err != nil {
			t.Fatal(err)
		}
		if len(h.notifications(h.Alice)) != 1 || len(h.SMTP.Messages()) != 2 {
			t.Errorf("re-delivery duplicated: %d notifications, %d emails", len(h.notifications(h.Alice)), len(h.SMTP.Messages()))
		}
		select {
		case id := <-pushes:
			t.Errorf("notification %d pushed again", id)
		case <-time.After(200 * time.Millisecond):
		}
	})
}

func TestNotificationPreferences(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		h.prefs(h.Alice, map[string]map[string]bool{notify.CategoryRMMAlert: {notify.ChannelEmail: false}})
		h.prefs(h.Bob, map[string]map[string]bool{notify.CategoryRMMAlert: {notify.ChannelInApp: false}, "other": {notify.ChannelEmail: false}})
		h.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
		h.delivered()
		if n, m := len(h.notifications(h.Alice)), len(h.mailTo(h.Alice.Email)); n != 1 || m != 0 {
			t.Errorf("email off: %d in-app, %d emails; want in-app only", n, m)
		}
		if n, m := len(h.notifications(h.Bob)), len(h.mailTo(h.Bob.Email)); n != 0 || m != 1 {
			t.Errorf("in-app off: %d in-app, %d emails; want email only", n, m)
		}
	})
}

// A deactivated user named by the rule is told nothing; the others are.
func TestNoNotificationForDeactivatedUsers(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		h.DB.User.UpdateOne(h.Alice).SetDeactivatedAt(time.Now()).ExecX(h.Ctx)
		h.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
		h.delivered()
		if n, m := len(h.notifications(h.Alice)), len(h.mailTo(h.Alice.Email)); n != 0 || m != 0 {
			t.Errorf("deactivated user: %d in-app, %d emails; want none", n, m)
		}
		if n, m := len(h.notifications(h.Bob)), len(h.mailTo(h.Bob.Email)); n != 1 || m != 1 {
			t.Errorf("active user: %d in-app, %d emails; want one each", n, m)
		}
	})
}

// TestMailServerDown: the in-app part arrives at once; the email is
// retried until the server is back, then sent once.
func TestMailServerDown(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		for _, mode := range []smtptest.Mode{smtptest.Drop, smtptest.TempFail} {
			h.SMTP.SetMode(mode)
			before := len(h.SMTP.Messages())
			sessions := h.SMTP.Sessions()
			body := apptest.Patch(t, fixtureTriggered(), map[string]any{"seriesUid": "00000000-0000-4000-8000-00000000000" + strconv.Itoa(int(mode))})
			// Another device, so each round makes its own ticket.
			body = apptest.Patch(t, body, map[string]any{"deviceId": 9, "device": map[string]any{"id": 9, "organizationId": 2, "displayName": "WS-22"},
				"sourceConfigUid": "cond-" + strconv.Itoa(int(mode))})
			r := h.Post(event.NinjaOne, body)
			if r.TicketID == nil {
				t.Fatalf("no ticket: %+v", r)
			}
			eventually(t, 10*time.Second, "in-app notifications despite the mail server", func() bool {
				return countFor(h.notifications(h.Alice), *r.TicketID) == 1 && countFor(h.notifications(h.Bob), *r.TicketID) == 1
			})
			eventually(t, 10*time.Second, "a few failed attempts", func() bool {
				e := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.NotificationRequest)).
					Order(ent.Desc(outboxentry.FieldID)).FirstX(h.Ctx)
				return h.SMTP.Sessions() >= sessions+4 && e.DeliveredAt == nil && e.LastError != ""
			})
			if len(h.SMTP.Messages()) != before {
				t.Fatal("mail accepted while the server is down")
			}

			h.SMTP.SetMode(smtptest.Accept)
			h.delivered()
			if got := len(h.SMTP.Messages()) - before; got != 2 {
				t.Errorf("mode %d: %d emails after recovery, want one per user", mode, got)
			}
			if countFor(h.notifications(h.Alice), *r.TicketID) != 1 {
				t.Error("retries duplicated the in-app notification")
			}
		}
	})
}

func fixtureTriggered() []byte { return fixtures.Read("ninjaone-condition-triggered.json") }

func countFor(ns []*ent.Notification, ticketID int) int {
	n := 0
	for _, x := range ns {
		if x.TicketID != nil && *x.TicketID == ticketID {
			n++
		}
	}
	return n
}
