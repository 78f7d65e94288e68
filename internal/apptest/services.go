package apptest

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/events"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/redistest"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
)

// NinjaOneApp is the NinjaOne OAuth app the test connect service has.
var NinjaOneApp = config.NinjaOneApp{ClientID: "apptest-client", ClientSecret: "apptest-secret"}

// Services are the API's connect, events and task-queue services, built
// on the Env's store and Redis.
type Services struct {
	// Secrets seals integration credentials (a fixed test key).
	Secrets *secrets.Box
	// Connect connects integrations; its Redis (OAuth state) is
	// Options.Redis, with keys under KeyPrefix.
	Connect *connect.Service
	Events  *events.Service
	// Enqueuer queues pollNow's polls on Queue; nil without Redis.
	Enqueuer *worker.Enqueuer
	// Queue is the test's own asynq queue ("" without Redis).
	Queue string
}

// enqueuer is Enqueuer as the API takes it: a nil interface without Redis.
func (s Services) enqueuer() graph.Enqueuer {
	if s.Enqueuer == nil {
		return nil
	}
	return s.Enqueuer
}

var unsafeQueueChars = regexp.MustCompile(`[^A-Za-z0-9_]+`)

func newServices(t testing.TB, st *store.Store, rdb redis.UniversalClient, log *slog.Logger) Services {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatalf("secrets: %v", err)
	}
	s := Services{Secrets: box, Events: &events.Service{Store: st}}
	prefix := redistest.Prefix(t)
	if rdb != nil {
		s.Queue = strings.Trim(unsafeQueueChars.ReplaceAllString(prefix, "_"), "_")
		s.Enqueuer = worker.NewEnqueuer(st, rdb, s.Queue)
	}
	s.Connect = &connect.Service{
		Store: st, Redis: rdb, Secrets: box, PublicURL: PublicURL, NinjaOne: NinjaOneApp,
		HTTP: &http.Client{Timeout: 10 * time.Second}, Log: log, KeyPrefix: prefix,
		SkipWebhookRegistration: true,
	}
	if s.Enqueuer != nil {
		s.Connect.Poller = s.Enqueuer
	}
	return s
}
