package worker

import (
	"context"
	"fmt"
	"github.com/alertdesk/alertdesk/outbound"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
)

// DefaultQueue is the asynq queue alertdesk's tasks go to.
const DefaultQueue = "alertdesk"

// DefaultPollErrorAfter is how many failed cycles in a row make an
// integration's state ERROR unless configured.
const DefaultPollErrorAfter = 3

// AdapterFactory builds the RMM adapter of an integration.
type AdapterFactory func(ctx context.Context, in *ent.Integration) (providers.Adapter, error)

// Deps are what the worker needs; zero options take their defaults.
type Deps struct {
	Store    *store.Store
	Redis    redis.UniversalClient
	Pipeline *pipeline.Pipeline
	// Secrets opens integration credentials (required unless Adapters is set).
	Secrets *secrets.Box
	Log     *slog.Logger

	// Adapters overrides how RMM adapters are built (tests).
	Adapters AdapterFactory
	// Outbound guards the calls to RMM APIs (nil: the public internet
	// only); 30 s timeout.
	Outbound *outbound.Guard

	// Queue is the asynq queue name (default "alertdesk"); tests use a
	// unique one per run on a shared Redis.
	Queue string
	// Concurrency is the number of tasks run at once (default 10).
	Concurrency int
	// RelayInterval is how often the relay polls for entries (default 1 s);
	// Wake, called when entries commit, makes it look sooner.
	RelayInterval time.Duration
	// WakeGap is how long the relay, woken by a commit, waits for more
	// before its pass, so commits close together share one (default 10 ms).
	WakeGap time.Duration
	// Lease is how long a dispatched entry waits for its consumer before
	// the sweeper hands it out again (default 2 min).
	Lease time.Duration
	// ScheduleSync is how often poll schedules are re-read (default half
	// a PollMinute: 30 s).
	ScheduleSync time.Duration
	// PollMinute is how long a minute of a polling interval lasts
	// (default a minute); tests shorten it so that schedules tick in
	// seconds.
	PollMinute time.Duration
	// RetryDelay is the backoff before retry n of a failed task
	// (default 10 s doubling, at most 10 min).
	RetryDelay func(n int) time.Duration
	// ResetRetries is how often a failed outbound reset is retried before
	// it is stamped on the alert (default 8).
	ResetRetries int
	// PollErrorAfter is how many cycles in a row that cannot reach the
	// RMM turn an integration's state to ERROR (default 3). How recent an
	// alert a poll leaves alone is the integration's poll_grace_seconds.
	PollErrorAfter int
	// InventoryPageSize is the page size of paged inventory lists
	// (NinjaOne; default 1000).
	InventoryPageSize int
	// PollConcurrency is how many of a poll cycle's events run at once
	// (default 8).
	PollConcurrency int
	// PollPageSize is how many of a poll cycle's missed triggers, or of
	// its stale alerts' resets, share a transaction (default and at most
	// pipeline.PageSize).
	PollPageSize int
	// ShutdownTimeout bounds the drain of in-flight tasks (default 25 s).
	ShutdownTimeout time.Duration
	// SchedulerHeartbeat is how often schedules are published to Redis for
	// inspection (default 10 s).
	SchedulerHeartbeat time.Duration
	// TicketRetryEvery is how often failed ticket creation is retried
	// (default 1 min); TicketRetryBackoff spaces the retries of one alert
	// (default TicketRetryBackoff).
	TicketRetryEvery   time.Duration
	TicketRetryBackoff func(n int) time.Duration
}

func (d *Deps) defaults() {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Queue == "" {
		d.Queue = DefaultQueue
	}
	if d.Concurrency <= 0 {
		d.Concurrency = 10
	}
	if d.RelayInterval <= 0 {
		d.RelayInterval = time.Second
	}
	if d.WakeGap <= 0 {
		d.WakeGap = 10 * time.Millisecond
	}
	if d.Lease <= 0 {
		d.Lease = 2 * time.Minute
	}
	if d.PollMinute <= 0 {
		d.PollMinute = time.Minute
	}
	if d.ScheduleSync <= 0 {
		d.ScheduleSync = d.PollMinute / 2
	}
	if d.RetryDelay == nil {
		d.RetryDelay = func(n int) time.Duration {
			d := 10 * time.Second << min(n, 6)
			return min(d, 10*time.Minute)
		}
	}
	if d.ResetRetries <= 0 {
		d.ResetRetries = 8
	}
	if d.PollConcurrency <= 0 {
		d.PollConcurrency = 8
	}
	if d.PollPageSize <= 0 || d.PollPageSize > pipeline.PageSize {
		d.PollPageSize = pipeline.PageSize
	}
	if d.PollErrorAfter <= 0 {
		d.PollErrorAfter = DefaultPollErrorAfter
	}
	if d.ShutdownTimeout <= 0 {
		d.ShutdownTimeout = 25 * time.Second
	}
	if d.SchedulerHeartbeat <= 0 {
		d.SchedulerHeartbeat = 10 * time.Second
	}
	if d.TicketRetryEvery <= 0 {
		d.TicketRetryEvery = time.Minute
	}
	if d.TicketRetryBackoff == nil {
		d.TicketRetryBackoff = TicketRetryBackoff
	}
}

// Worker is the background half of alertdesk.
type Worker struct {
	d        Deps
	log      *slog.Logger
	client   *asynq.Client
	inspect  *asynq.Inspector
	server   *asynq.Server
	schedule *asynq.PeriodicTaskManager
	adapters AdapterFactory
	// http calls the RMM APIs through the guard.
	http *http.Client

	mu        sync.RWMutex
	consumers map[string]route

	wake      chan struct{}
	completed completions
	redis     redisWatch
	inflight  inflight

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New assembles a worker with the default consumers: the live feed for
// ALERT_FEED, RMM_ALERT_TRIGGERED and RMM_ALERT_RESOLVED, and outbound
// resets for TICKET_CLOSED. NOTIFICATION_REQUESTED waits in the outbox
// until a consumer is registered for it.
func New(d Deps) *Worker {
	d.defaults()
	w := &Worker{
		d:         d,
		log:       d.Log.With("component", "worker"),
		client:    asynq.NewClientFromRedisClient(d.Redis),
		inspect:   asynq.NewInspectorFromRedisClient(d.Redis),
		consumers: map[string]route{},
		wake:      make(chan struct{}, 1),
		http:      d.Outbound.Client(outbound.ClientOptions{Timeout: 30 * time.Second}),
		redis:     redisWatch{key: "alertdesk:relay:" + d.Queue + ":alive"},
	}
	w.completed.mark = w.markAll
	w.adapters = d.Adapters
	if w.adapters == nil {
		w.adapters = w.buildAdapter
	}
	fc := FeedConsumer{Redis: d.Redis}
	w.HandleInline(outbox.AlertFeed, fc)
	// A fan-out of one part, so the relay publishes these too (see
	// Fanout); events.Register adds the outbound webhooks beside it.
	w.Handle(outbox.AlertTriggered, w.Fanout(Part{Name: "feed", Consumer: fc}))
	w.Handle(outbox.AlertResolved, w.Fanout(Part{Name: "feed", Consumer: fc}))
	w.Handle(outbox.TicketClosed, &ResetConsumer{Store: d.Store, Pipeline: d.Pipeline, Adapters: w.adapters, Log: w.log},
		WithMaxRetry(d.ResetRetries))
	return w
}

// Start runs the task server, the relay and the poll schedules until
// Shutdown. The webhook path never needs it: entries wait in the outbox.
func (w *Worker) Start(ctx context.Context) error {
	mux := asynq.NewServeMux()
	mux.Use(instrument)
	mux.HandleFunc(TypeDeliver, w.handleDeliver)
	mux.HandleFunc(TypePoll, w.handlePoll)
	mux.HandleFunc(TypeInventory, w.handleInventory)
	mux.HandleFunc(TypeRetryTickets, w.handleRetryTickets)
	mux.HandleFunc(TypeHealthSweep, w.handleHealthSweep)
	w.server = asynq.NewServerFromRedisClient(w.d.Redis, asynq.Config{
		Concurrency:              w.d.Concurrency,
		Queues:                   map[string]int{w.d.Queue: 1},
		RetryDelayFunc:           func(n int, _ error, _ *asynq.Task) time.Duration { return w.d.RetryDelay(n) },
		ShutdownTimeout:          w.d.ShutdownTimeout,
		DelayedTaskCheckInterval: min(time.Second, w.d.RelayInterval),
		TaskCheckInterval:        min(time.Second, w.d.RelayInterval),
		Logger:                   asynqLogger{w.log},
		LogLevel:                 asynq.WarnLevel,
	})
	if err := w.server.Start(mux); err != nil {
		return fmt.Errorf("worker: start task server: %w", err)
	}
	mgr, err := asynq.NewPeriodicTaskManager(asynq.PeriodicTaskManagerOpts{
		PeriodicTaskConfigProvider: schedules{
			polls: &ScheduleProvider{Store: w.d.Store, Queue: w.d.Queue, Log: w.log, Minute: w.d.PollMinute},
			fixed: []*asynq.PeriodicTaskConfig{retryConfig(w.d.Queue, w.d.TicketRetryEvery), healthSweepConfig(w.d.Queue)},
		},
		RedisUniversalClient: w.d.Redis,
		SyncInterval:         w.d.ScheduleSync,
		SchedulerOpts: &asynq.SchedulerOpts{
			Logger:            asynqLogger{w.log},
			LogLevel:          asynq.WarnLevel,
			HeartbeatInterval: w.d.SchedulerHeartbeat,
		},
	})
	if err == nil {
		err = mgr.Start()
	}
	if err != nil {
		w.server.Shutdown()
		return fmt.Errorf("worker: start poll schedules: %w", err)
	}
	w.schedule = mgr

	ctx, w.cancel = context.WithCancel(context.WithoutCancel(ctx))
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		w.relayLoop(ctx)
	}()
	w.log.Info("worker started", "queue", w.d.Queue, "concurrency", w.d.Concurrency)
	return nil
}

// Shutdown stops the relay and the schedules, then waits for in-flight
// tasks to finish (up to ShutdownTimeout; unfinished ones are re-queued
// by asynq and, failing that, re-sent by the relay).
func (w *Worker) Shutdown() {
	if w.cancel != nil {
		w.cancel()
	}
	w.wg.Wait()
	if w.schedule != nil {
		w.schedule.Shutdown()
	}
	if w.server != nil {
		w.server.Shutdown()
	}
	w.log.Info("worker stopped")
}

// Inspector exposes asynq's view of the queue (tests, admin tools).
func (w *Worker) Inspector() *asynq.Inspector { return w.inspect }
