package notify_test

import (
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/notification"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/notify"
	"github.com/alertdesk/alertdesk/notify/smtptest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/worker"
)

// harness is alertdesk with a worker delivering notifications to a fake
// mail server, and two users the NinjaOne rule notifies.
type harness struct {
	*apptest.Env
	Redis    redis.UniversalClient
	Worker   *worker.Worker
	SMTP     *smtptest.Server
	Consumer *notify.Consumer
	Alice    *ent.User // admin
	Bob      *ent.User // technician
}

func eachDialect(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, newHarness(t, d)) })
	}
}

var unsafe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func newHarness(t *testing.T, dialect string) *harness {
	t.Helper()
	return newHarnessTuned(t, dialect, nil)
}

// newHarnessTuned is newHarness with the worker's dependencies adjusted
// before it starts.
func newHarnessTuned(t *testing.T, dialect string, tune func(*worker.Deps)) *harness {
	t.Helper()
	e := apptest.New(t, dialect)
	rdb := redis.NewClient(&redis.Options{Addr: redistest.Addr(t)})
	t.Cleanup(func() { rdb.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := smtptest.New(t)
	d := worker.Deps{
		Store: e.Store, Redis: rdb, Pipeline: e.Pipeline, Log: log,
		Queue:         strings.Trim(unsafe.ReplaceAllString(redistest.Prefix(t), "_"), "_"),
		RelayInterval: 50 * time.Millisecond,
		Lease:         5 * time.Second,
		RetryDelay:    func(int) time.Duration { return 200 * time.Millisecond },
		ScheduleSync:  time.Second, ShutdownTimeout: 5 * time.Second,
	}
	if tune != nil {
		tune(&d)
	}
	w := worker.New(d)
	c := &notify.Consumer{
		Store: e.Store, Redis: rdb, PublicURL: apptest.PublicURL, Log: log, KeyPrefix: redistest.Prefix(t),
		Mailer: &notify.SMTP{Host: srv.Host(), Port: srv.Port(), From: "alertdesk <alerts@msp.example>", Timeout: 5 * time.Second},
	}
	notify.Register(w, c)
	if err := w.Start(e.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Shutdown)
	h := &harness{Env: e, Redis: rdb, Worker: w, SMTP: srv, Consumer: c}
	h.Alice = e.DB.User.UpdateOneID(e.Demo.AdminUserID).SetEmail("alice@msp.example").SaveX(e.Ctx)
	h.Bob = e.DB.User.Create().SetTenantID(e.Demo.TenantID).SetEmail("bob@msp.example").SetName("Bob").SaveX(e.Ctx)
	e.SetActions(event.NinjaOne, rule.Actions{NotifyUserIDs: []int{h.Alice.ID, h.Bob.ID}})
	return h
}

// prefs sets a user's preferences.
func (h *harness) prefs(u *ent.User, p map[string]map[string]bool) {
	h.T.Helper()
	h.DB.User.UpdateOneID(u.ID).SetNotificationPreferences(p).ExecX(h.Ctx)
}

// notifications returns a user's notifications.
func (h *harness) notifications(u *ent.User) []*ent.Notification {
	h.T.Helper()
	return h.DB.Notification.Query().Where(notification.UserID(u.ID)).AllX(h.Ctx)
}

// delivered waits until the notification requests are delivered.
func (h *harness) delivered() {
	h.T.Helper()
	eventually(h.T, 20*time.Second, "notification requests delivered", func() bool {
		n, err := h.DB.OutboxEntry.Query().
			Where(outboxentry.DeliveredAtIsNil(), outboxentry.Topic(outbox.NotificationRequest)).Count(h.Ctx)
		return err == nil && n == 0
	})
}

// mailTo returns the messages to an address.
func (h *harness) mailTo(addr string) []smtptest.Message {
	var out []smtptest.Message
	for _, m := range h.SMTP.Messages() {
		if len(m.To) == 1 && m.To[0] == addr {
			out = append(out, m)
		}
	}
	return out
}

func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
