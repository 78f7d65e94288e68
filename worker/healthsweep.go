package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent/integration"
)

// TypeHealthSweep evaluates the health of the integrations no poll cycle
// evaluates.
const TypeHealthSweep = "integrations:health"

// HealthSweepEvery is how often the sweep runs. An integration polled
// within it was evaluated by its own cycle.
const HealthSweepEvery = 5 * time.Minute

func healthSweepConfig(queue string) *asynq.PeriodicTaskConfig {
	return &asynq.PeriodicTaskConfig{
		Cronspec: "@every " + HealthSweepEvery.String(),
		Task:     asynq.NewTask(TypeHealthSweep, nil),
		Opts: []asynq.Option{
			asynq.Queue(queue),
			// One run at a time across replicas.
			asynq.Unique(HealthSweepEvery - time.Second),
			asynq.MaxRetry(0),
			asynq.Timeout(2 * time.Minute),
		},
	}
}

func (w *Worker) handleHealthSweep(ctx context.Context, _ *asynq.Task) error {
	_, err := w.SweepHealth(ctx)
	return err
}

// SweepHealth evaluates every integration whose health no poll cycle kept
// current: polling off, never polled, or not polled within
// HealthSweepEvery (disconnected, a provider that cannot be polled, a
// stalled schedule). Without it, an organization sending alerts while
// unmapped would never be flagged on such an integration. Evaluating is
// idempotent and tells admins only of a change, so a sweep racing a cycle
// costs a read. It returns how many integrations changed state.
func (w *Worker) SweepHealth(ctx context.Context) (int, error) {
	rows, err := w.d.Store.Ent.Integration.Query().
		Where(integration.Or(integration.PollingEnabled(false), integration.LastPolledAtIsNil(),
			integration.LastPolledAtLT(time.Now().Add(-HealthSweepEvery)))).
		Select(integration.FieldID, integration.FieldTenantID).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("worker: health sweep: %w", err)
	}
	var (
		changed int
		errs    []error
	)
	for _, in := range rows {
		c, err := w.EvaluateHealth(ctx, in.TenantID, in.ID)
		if err != nil {
			errs = append(errs, fmt.Errorf("integration %d: %w", in.ID, err))
			continue
		}
		if c.Changed {
			changed++
		}
	}
	return changed, errors.Join(errs...)
}
