package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/store"
)

// ScheduleProvider tells asynq's PeriodicTaskManager which poll schedules
// exist: one per connected integration (CONNECTED or ERROR, which polling
// alone can clear) with polling on, every
// polling_interval_minutes. The manager re-reads it every ScheduleSync on
// every replica, so connect, disconnect and interval changes need no
// restart.
type ScheduleProvider struct {
	Store *store.Store
	Queue string
	Log   *slog.Logger
	// Minute is how long a minute of an interval lasts (zero: a minute).
	Minute time.Duration
}

// GetConfigs implements asynq.PeriodicTaskConfigProvider.
func (p *ScheduleProvider) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Across tenants by design: the schedule serves every tenant's
	// integrations, and each task carries its tenant.
	rows, err := p.Store.Ent.Integration.Query().
		Where(integration.ConnectionStateIn(integration.ConnectionStateConnected, integration.ConnectionStateError),
			integration.PollingEnabled(true)).
		Order(ent.Asc(integration.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("worker: read poll schedules: %w", err)
	}
	out := make([]*asynq.PeriodicTaskConfig, 0, len(rows))
	for _, in := range rows {
		c, err := pollConfig(in, p.queue(), p.Minute)
		if err != nil {
			if p.Log != nil {
				p.Log.Warn("poll schedule skipped", "integration", in.ID, "err", err)
			}
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func (p *ScheduleProvider) queue() string {
	if p.Queue == "" {
		return DefaultQueue
	}
	return p.Queue
}

// Cronspec is the schedule of an interval in minutes, clamped to 5–60.
func Cronspec(minutes int) string {
	return fmt.Sprintf("@every %dm", min(max(minutes, 5), 60))
}

func pollConfig(in *ent.Integration, queue string, minute time.Duration) (*asynq.PeriodicTaskConfig, error) {
	payload, err := json.Marshal(pollPayload{TenantID: in.TenantID, IntegrationID: in.ID})
	if err != nil {
		return nil, err
	}
	if minute <= 0 {
		minute = time.Minute
	}
	interval := time.Duration(min(max(in.PollingIntervalMinutes, 5), 60)) * minute
	spec := Cronspec(in.PollingIntervalMinutes)
	if minute != time.Minute {
		spec = "@every " + interval.String()
	}
	return &asynq.PeriodicTaskConfig{
		Cronspec: spec,
		Task:     asynq.NewTask(TypePoll, payload),
		Opts: []asynq.Option{
			asynq.Queue(queue),
			// Replicas tick at different moments; the task is unique for
			// most of an interval, and Poll's claim catches the rest.
			asynq.Unique(interval - minute),
			asynq.MaxRetry(1),
			asynq.Timeout(10 * time.Minute),
		},
	}, nil
}

// requestStale is how long past its time a requested cycle that never
// started (its task lost with Redis) keeps a new request from being made.
const requestStale = 2 * time.Minute

// Enqueuer puts tasks on the worker queue from any process role, such as
// the API's pollNow mutation.
type Enqueuer struct {
	store  *store.Store
	client *asynq.Client
	queue  string
}

// NewEnqueuer returns an Enqueuer on the queue ("" for the default) that
// records poll requests in st. It borrows rdb, which stays the caller's
// to close.
func NewEnqueuer(st *store.Store, rdb redis.UniversalClient, queue string) *Enqueuer {
	if queue == "" {
		queue = DefaultQueue
	}
	return &Enqueuer{store: st, client: asynq.NewClientFromRedisClient(rdb), queue: queue}
}

// PollNow requests a poll cycle of the integration (pollNow); RequestPoll
// says when it starts. The caller checks that the integration belongs to
// the tenant and the user may ask; the task checks the tenant again.
func (e *Enqueuer) PollNow(ctx context.Context, tenantID, integrationID int) error {
	_, err := e.RequestPoll(ctx, tenantID, integrationID)
	return err
}

// RequestPoll makes sure a cycle of the integration starts soon and
// returns when: at once, or PollNowGap after the start of a cycle that
// started moments ago. The request is recorded on the integration
// (poll_requested_at), so a request already waiting, from any replica, is
// not doubled and its time is returned; the cycle that claims the
// integration next clears it. Nothing is kept in Redis past the task, so
// a failed cycle never blocks the next request.
func (e *Enqueuer) RequestPoll(ctx context.Context, tenantID, integrationID int) (time.Time, error) {
	for range 3 {
		in, err := e.store.Ent.Integration.Query().
			Where(integration.TenantID(tenantID), integration.ID(integrationID)).Only(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("worker: request poll of integration %d: %w", integrationID, err)
		}
		now := time.Now().UTC()
		if r := in.PollRequestedAt; r != nil && r.After(now.Add(-requestStale)) {
			return *r, nil
		}
		at := now
		if in.LastPolledAt != nil && in.LastPolledAt.Add(PollNowGap).After(at) {
			at = in.LastPolledAt.Add(PollNowGap)
		}
		at = at.Truncate(time.Microsecond) // the database's precision
		// Take the request over from its previous value: of concurrent
		// requests one passes and queues the task.
		q := e.store.Ent.Integration.Update().Where(integration.TenantID(tenantID), integration.ID(integrationID))
		if in.PollRequestedAt == nil {
			q.Where(integration.PollRequestedAtIsNil())
		} else {
			q.Where(integration.PollRequestedAt(*in.PollRequestedAt))
		}
		n, err := q.SetPollRequestedAt(at).Save(ctx)
		if err != nil {
			return time.Time{}, fmt.Errorf("worker: request poll of integration %d: %w", integrationID, err)
		}
		if n == 0 {
			continue // another request or a cycle came first: look again
		}
		payload, err := json.Marshal(pollPayload{TenantID: tenantID, IntegrationID: integrationID, Now: true})
		if err != nil {
			return time.Time{}, err
		}
		if _, err := e.client.EnqueueContext(ctx, asynq.NewTask(TypePoll, payload),
			asynq.Queue(e.queue), asynq.ProcessAt(at), asynq.MaxRetry(0), asynq.Timeout(10*time.Minute)); err != nil {
			// Withdraw the request, so the next one tries again.
			_ = e.store.Ent.Integration.Update().
				Where(integration.TenantID(tenantID), integration.ID(integrationID), integration.PollRequestedAt(at)).
				ClearPollRequestedAt().Exec(context.WithoutCancel(ctx))
			return time.Time{}, fmt.Errorf("worker: enqueue poll of integration %d: %w", integrationID, err)
		}
		return at, nil
	}
	return time.Time{}, fmt.Errorf("worker: request poll of integration %d: it keeps changing", integrationID)
}

// PollNow requests a poll cycle of the integration.
func (w *Worker) PollNow(ctx context.Context, tenantID, integrationID int) error {
	return (&Enqueuer{store: w.d.Store, client: w.client, queue: w.d.Queue}).PollNow(ctx, tenantID, integrationID)
}
