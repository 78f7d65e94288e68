package worker

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/requestid"
)

// handleDeliver runs one outbox entry's consumer and marks the entry
// delivered when it succeeds. An entry already delivered (a duplicate
// task) is skipped; a consumer error is recorded on the entry and retried
// by asynq with backoff.
func (w *Worker) handleDeliver(ctx context.Context, t *asynq.Task) error {
	var p deliverPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ID == 0 {
		return fmt.Errorf("worker: bad deliver payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	e, err := w.d.Store.Ent.OutboxEntry.Query().Where(outboxentry.ID(p.ID)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("worker: load outbox entry %d: %w", p.ID, err)
	}
	if e.DeliveredAt != nil {
		return nil
	}
	r, ok := w.route(e.Topic)
	if !ok {
		// A replica without this consumer (mid-deploy): let another take it.
		return fmt.Errorf("worker: no consumer for %s here", e.Topic)
	}
	// A Redis that comes back leaves this entry's lease alone.
	w.inflight.add(e.ID)
	defer w.inflight.done(e.ID)
	n, _ := asynq.GetRetryCount(ctx)
	max, _ := asynq.GetMaxRetry(ctx)
	entry := entryOf(e, n+1, n >= max)
	if entry.RequestID != "" {
		// The consumer's log lines and outbound calls name the request
		// that caused the entry.
		ctx = requestid.With(ctx, entry.RequestID)
	}
	w.log.DebugContext(ctx, "outbox: delivering", "id", e.ID, "topic", e.Topic, "attempt", entry.Attempt)
	err = r.consumer.Consume(ctx, entry)
	switch {
	case isPermanent(err):
		w.log.ErrorContext(ctx, "outbox: entry set aside: its consumer cannot apply it", "id", e.ID, "topic", e.Topic, "err", err)
		w.markDelivered(ctx, e.ID, err.Error())
		return nil
	case err != nil:
		w.noteError(ctx, e.ID, err)
		return err
	}
	if err := w.completed.done(ctx, e.ID); err != nil {
		// The lease runs out and the entry is delivered again.
		w.log.WarnContext(ctx, "outbox: mark delivered", "id", e.ID, "err", err)
	}
	return nil
}

// noteError keeps the consumer's last error on the entry for operators.
// It is one statement on its own: ent's UpdateOne wraps it in a
// transaction with a read-back, four round trips during which the written
// row's transaction stays open, and while it is open no page of the
// database can prune the versions other updates replace, so they stop
// being HOT (a receiver that is down makes this one per event and retry).
func (w *Worker) noteError(ctx context.Context, id int, cause error) {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if err := w.d.Store.Ent.OutboxEntry.Update().Where(outboxentry.ID(id)).SetLastError(msg).Exec(ctx); err != nil {
		w.log.WarnContext(ctx, "outbox: record error", "id", id, "err", err)
	}
}
