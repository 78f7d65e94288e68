package worker

import (
	"context"
	"encoding/json"
	"errors"
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
// exist: one per connected integration with polling on, every
// polling_interval_minutes. The manager re-reads it every ScheduleSync on
// every replica, so connect, disconnect and interval changes need no
// restart.
type ScheduleProvider struct {
	Store *store.Store
	Queue string
	Log   *slog.Logger
}

// GetConfigs implements asynq.PeriodicTaskConfigProvider.
func (p *ScheduleProvider) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Across tenants by design: the schedule serves every tenant's
	// integrations, and each task carries its tenant.
	rows, err := p.Store.Ent.Integration.Query().
		Where(integration.ConnectionStateEQ(integration.ConnectionStateConnected), integration.PollingEnabled(true)).
		Order(ent.Asc(integration.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("worker: read poll schedules: %w", err)
	}
	out := make([]*asynq.PeriodicTaskConfig, 0, len(rows))
	for _, in := range rows {
		c, err := pollConfig(in, p.queue())
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

func pollConfig(in *ent.Integration, queue string) (*asynq.PeriodicTaskConfig, error) {
	payload, err := json.Marshal(pollPayload{TenantID: in.TenantID, IntegrationID: in.ID})
	if err != nil {
		return nil, err
	}
	interval := time.Duration(min(max(in.PollingIntervalMinutes, 5), 60)) * time.Minute
	return &asynq.PeriodicTaskConfig{
		Cronspec: Cronspec(in.PollingIntervalMinutes),
		Task:     asynq.NewTask(TypePoll, payload),
		Opts: []asynq.Option{
			asynq.Queue(queue),
			// Replicas tick at different moments; the task is unique for
			// most of an interval, and Poll's claim catches the rest.
			asynq.Unique(interval - time.Minute),
			asynq.MaxRetry(1),
			asynq.Timeout(10 * time.Minute),
		},
	}, nil
}

// Enqueuer puts tasks on the worker queue from any process role, such as
// the API's pollNow mutation.
type Enqueuer struct {
	client *asynq.Client
	queue  string
}

// NewEnqueuer returns an Enqueuer on the queue ("" for the default). It
// borrows rdb, which stays the caller's to close.
func NewEnqueuer(rdb redis.UniversalClient, queue string) *Enqueuer {
	if queue == "" {
		queue = DefaultQueue
	}
	return &Enqueuer{client: asynq.NewClientFromRedisClient(rdb), queue: queue}
}

// PollNow enqueues a poll of the integration at once (pollNow). The caller
// checks that the integration belongs to the tenant and the user may ask;
// the task checks the tenant again. A poll already queued is not doubled.
func (e *Enqueuer) PollNow(ctx context.Context, tenantID, integrationID int) error {
	payload, err := json.Marshal(pollPayload{TenantID: tenantID, IntegrationID: integrationID, Now: true})
	if err != nil {
		return err
	}
	_, err = e.client.EnqueueContext(ctx, asynq.NewTask(TypePoll, payload),
		asynq.Queue(e.queue), asynq.Unique(30*time.Second), asynq.MaxRetry(0), asynq.Timeout(10*time.Minute))
	if err != nil && !errors.Is(err, asynq.ErrDuplicateTask) {
		return fmt.Errorf("worker: enqueue poll of integration %d: %w", integrationID, err)
	}
	return nil
}

// PollNow enqueues a poll of the integration at once.
func (w *Worker) PollNow(ctx context.Context, tenantID, integrationID int) error {
	return (&Enqueuer{client: w.client, queue: w.d.Queue}).PollNow(ctx, tenantID, integrationID)
}
