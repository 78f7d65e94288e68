package pipeline

import (
	"context"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// Process runs one event through the pipeline in its own transaction. A
// transaction that failed for a transient reason without committing (a
// deadlock, a serialization failure, a lock or statement timeout, a
// connection lost before COMMIT: store.Retryable) runs again from the
// start, a bounded number of times with jitter (store.Retry); the error
// that remains then is store.Unavailable, which callers answer "busy,
// retry" (503), never as a failure.
func (p *Pipeline) Process(ctx context.Context, ev event.Event, opts ...Option) (Result, error) {
	o := applyOptions(opts)
	var res Result
	onRetry := func(err error, attempt int, wait time.Duration) {
		p.log.WarnContext(ctx, "pipeline: transient database error, running the event again",
			"tenant", ev.TenantID, "integration", ev.IntegrationID, "alert", ev.ExternalAlertID,
			"kind", string(ev.Kind), "origin", ev.Origin, "attempt", attempt, "wait", wait, "err", err)
	}
	err := store.Retry(ctx, onRetry, func() error {
		var err error
		res, err = p.process(ctx, ev, o)
		return err
	})
	return res, err
}

// retrying logs a stored alert's transaction about to run again.
func (p *Pipeline) retrying(ctx context.Context, what string, tenantID, alertID int) func(error, int, time.Duration) {
	return func(err error, attempt int, wait time.Duration) {
		p.log.WarnContext(ctx, "pipeline: transient database error, running the "+what+" again",
			"tenant", tenantID, "alert", alertID, "attempt", attempt, "wait", wait, "err", err)
	}
}
