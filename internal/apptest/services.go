package apptest

import (
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// NinjaOneApp is the NinjaOne OAuth app the test connect service has.
var NinjaOneApp = config.NinjaOneApp{ClientID: "apptest-client", ClientSecret: "apptest-secret"}

// Services are the API's connect, events and task-queue services, built
// on the Env's store and Redis.
type Services struct {
	// Secrets seals integration credentials and webhook and signing
	// secrets (storetest.Secrets, a fixed test key).
	Secrets *secrets.Box
	// Outbound is the guard the services and the API use.
	Outbound *outbound.Guard
	// Connect connects integrations; its Redis (OAuth state) is
	// Options.Redis, with keys under KeyPrefix.
	Connect *connect.Service
	Events  *workflow.Service
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

func newServices(t testing.TB, st *store.Store, rdb redis.UniversalClient, log *slog.Logger, guard *outbound.Guard) Services {
	t.Helper()
	box := storetest.Secrets(t)
	s := Services{Secrets: box, Outbound: guard, Events: &workflow.Service{Store: st, Secrets: box, Outbound: guard}}
	prefix := redistest.Prefix(t)
	if rdb != nil {
		s.Queue = strings.Trim(unsafeQueueChars.ReplaceAllString(prefix, "_"), "_")
		s.Enqueuer = worker.NewEnqueuer(st, rdb, s.Queue)
	}
	s.Connect = &connect.Service{
		Store: st, Redis: rdb, Secrets: box, PublicURL: PublicURL, NinjaOne: NinjaOneApp,
		Outbound: guard, Log: log, KeyPrefix: prefix,
		SkipWebhookRegistration: true,
	}
	if s.Enqueuer != nil {
		s.Connect.Poller = s.Enqueuer
	}
	return s
}
