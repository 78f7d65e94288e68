package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/metrics"
)

// TypeDeliver is the task that hands one outbox entry to its consumer.
const TypeDeliver = "outbox:deliver"

// relayBatch is how many entries one claim takes.
const relayBatch = 100

// lagEvery is how often the outbox lag gauges are refreshed.
const lagEvery = 5 * time.Second

// deliverPayload is the TypeDeliver task body.
type deliverPayload struct {
	ID    int    `json:"id"`
	Topic string `json:"topic"`
}

// taskID deduplicates deliveries: asynq refuses a second task with the
// same id while the first is queued, running or retrying.
func taskID(entryID int) string { return "outbox-" + strconv.Itoa(entryID) }

// relayLoop claims due entries and dispatches them until ctx ends. Leased
// entries whose consumer never finished become due again when the lease
// runs out, which makes the same loop the sweeper.
func (w *Worker) relayLoop(ctx context.Context) {
	t := time.NewTicker(w.d.RelayInterval)
	defer t.Stop()
	var lastLag time.Time
	for {
		for {
			n, err := w.RelayOnce(ctx)
			if err != nil && ctx.Err() == nil {
				w.log.Warn("outbox relay", "err", err)
			}
			if err != nil || n < relayBatch {
				break
			}
		}
		if time.Since(lastLag) >= lagEvery {
			w.updateLag(ctx)
			lastLag = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RelayOnce claims one batch of due entries and dispatches each; it
// returns how many it claimed.
func (w *Worker) RelayOnce(ctx context.Context) (int, error) {
	entries, err := w.claim(ctx, relayBatch)
	if err != nil {
		return 0, err
	}
	for _, e := range entries {
		w.dispatch(ctx, e)
	}
	return len(entries), nil
}

// claim leases up to n due entries of topics with a consumer: their
// available_at moves one lease ahead and attempts grows, so no other
// relay takes them meanwhile. PostgreSQL skips rows another relay is
// claiming; SQLite's single connection serializes claims anyway.
func (w *Worker) claim(ctx context.Context, n int) ([]*ent.OutboxEntry, error) {
	topics := w.topics()
	if len(topics) == 0 {
		return nil, nil
	}
	var rows []*ent.OutboxEntry
	err := w.d.Store.Tx(ctx, func(tx *ent.Tx) error {
		now := time.Now()
		q := tx.OutboxEntry.Query().
			Where(outboxentry.DeliveredAtIsNil(), outboxentry.AvailableAtLTE(now), outboxentry.TopicIn(topics...)).
			Order(ent.Asc(outboxentry.FieldID)).
			Limit(n)
		if w.d.Store.IsPostgres() {
			q.ForUpdate(entsql.WithLockAction(entsql.SkipLocked))
		}
		var err error
		if rows, err = q.All(ctx); err != nil {
			return fmt.Errorf("worker: claim outbox entries: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			r.Attempts++
		}
		if err := tx.OutboxEntry.Update().Where(outboxentry.IDIn(ids...)).
			SetAvailableAt(now.Add(w.d.Lease)).AddAttempts(1).Exec(ctx); err != nil {
			return fmt.Errorf("worker: lease outbox entries: %w", err)
		}
		return nil
	})
	return rows, err
}

// dispatch hands a claimed entry to its consumer: inline consumers run
// here; task consumers get an asynq task whose handler marks the entry
// delivered when the consumer is done.
func (w *Worker) dispatch(ctx context.Context, e *ent.OutboxEntry) {
	r, ok := w.route(e.Topic)
	if !ok {
		return
	}
	if r.inline {
		cctx, cancel := context.WithTimeout(ctx, r.timeout)
		err := r.consumer.Consume(cctx, entryOf(e, 1, true))
		cancel()
		if isPermanent(err) {
			metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
			w.log.Error("outbox: entry set aside: its consumer cannot apply it", "id", e.ID, "topic", e.Topic, "err", err)
			w.markDelivered(ctx, e.ID, err.Error())
			return
		}
		if err != nil {
			metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
			w.retryEntry(ctx, e, err)
			return
		}
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "published").Inc()
		w.markDelivered(ctx, e.ID, "")
		return
	}
	result, err := w.enqueue(e, r)
	if err != nil {
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
		w.retryEntry(ctx, e, err)
		return
	}
	metrics.OutboxDispatched.WithLabelValues(e.Topic, result).Inc()
}

// enqueue creates the entry's delivery task. A task still queued, running
// or retrying from an earlier dispatch is left alone ("duplicate"); one
// asynq gave up on (archived) is replaced, starting a new round.
func (w *Worker) enqueue(e *ent.OutboxEntry, r route) (string, error) {
	payload, err := json.Marshal(deliverPayload{ID: e.ID, Topic: e.Topic})
	if err != nil {
		return "", err
	}
	task := asynq.NewTask(TypeDeliver, payload)
	opts := []asynq.Option{asynq.Queue(w.d.Queue), asynq.TaskID(taskID(e.ID)), asynq.MaxRetry(r.maxRetry), asynq.Timeout(r.timeout)}
	_, err = w.client.Enqueue(task, opts...)
	if !errors.Is(err, asynq.ErrTaskIDConflict) {
		if err != nil {
			return "", fmt.Errorf("worker: enqueue %s: %w", taskID(e.ID), err)
		}
		return "enqueued", nil
	}
	info, ierr := w.inspect.GetTaskInfo(w.d.Queue, taskID(e.ID))
	if ierr != nil || info.State != asynq.TaskStateArchived {
		return "duplicate", nil
	}
	if err := w.inspect.DeleteTask(w.d.Queue, taskID(e.ID)); err != nil {
		return "", fmt.Errorf("worker: replace archived %s: %w", taskID(e.ID), err)
	}
	if _, err := w.client.Enqueue(task, opts...); err != nil {
		return "", fmt.Errorf("worker: enqueue %s: %w", taskID(e.ID), err)
	}
	return "enqueued", nil
}

// retryEntry makes a failed dispatch due again soon (backing off with its
// attempts) instead of waiting for the whole lease, so delivery resumes
// quickly once Redis is back.
func (w *Worker) retryEntry(ctx context.Context, e *ent.OutboxEntry, cause error) {
	delay := min(w.d.RelayInterval<<min(e.Attempts, 6), w.d.Lease)
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	if err := w.d.Store.Ent.OutboxEntry.UpdateOneID(e.ID).
		Where(outboxentry.DeliveredAtIsNil()).
		SetAvailableAt(time.Now().Add(delay)).
		SetLastError(msg).
		Exec(ctx); err != nil && !ent.IsNotFound(err) {
		w.log.Warn("outbox: reschedule entry", "id", e.ID, "err", err)
	}
	w.log.Warn("outbox: dispatch failed; will retry", "id", e.ID, "topic", e.Topic, "attempts", e.Attempts, "retry_in", delay, "err", cause)
}

// markDelivered records that the entry's consumer finished (lastError
// says why it was set aside instead, if so).
func (w *Worker) markDelivered(ctx context.Context, id int, lastError string) {
	if len(lastError) > 500 {
		lastError = lastError[:500]
	}
	if err := w.d.Store.Ent.OutboxEntry.UpdateOneID(id).
		Where(outboxentry.DeliveredAtIsNil()).
		SetDeliveredAt(time.Now()).
		SetLastError(lastError).
		Exec(ctx); err != nil && !ent.IsNotFound(err) {
		w.log.Warn("outbox: mark delivered", "id", id, "err", err)
	}
}

// updateLag refreshes the pending count and the age of the oldest
// undelivered entry, per topic the relay delivers.
func (w *Worker) updateLag(ctx context.Context) {
	var pending int
	var oldest time.Time
	for _, topic := range w.topics() {
		q := w.d.Store.Ent.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil(), outboxentry.Topic(topic))
		n, err := q.Clone().Count(ctx)
		if err != nil {
			return
		}
		pending += n
		if n == 0 {
			continue
		}
		first, err := q.Order(ent.Asc(outboxentry.FieldID)).First(ctx)
		if err != nil {
			return
		}
		if oldest.IsZero() || first.CreatedAt.Before(oldest) {
			oldest = first.CreatedAt
		}
	}
	metrics.OutboxPending.Set(float64(pending))
	if oldest.IsZero() {
		metrics.OutboxLag.Set(0)
	} else {
		metrics.OutboxLag.Set(time.Since(oldest).Seconds())
	}
}

func entryOf(e *ent.OutboxEntry, attempt int, last bool) Entry {
	return Entry{ID: e.ID, TenantID: e.TenantID, Topic: e.Topic, Payload: e.Payload, Created: e.CreatedAt, Attempt: attempt, LastAttempt: last}
}
