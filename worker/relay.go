package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/internal/pause"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/outbox"
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

// relayLoop claims due entries and dispatches them until ctx ends: at
// once when woken (an entry committed), else every RelayInterval. Leased
// entries whose consumer never finished become due again when the lease
// runs out, which makes the same loop the sweeper; when Redis comes back
// from an outage or a restart, leased entries are due again at once.
func (w *Worker) relayLoop(ctx context.Context) {
	t := time.NewTicker(w.d.RelayInterval)
	defer t.Stop()
	var lastLag time.Time
	for {
		w.watchRedis(ctx)
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
		case <-w.wake:
			// Commits close together share the next pass.
			if !pause.For(ctx, w.d.WakeGap) {
				return
			}
			select {
			case <-w.wake:
			default:
			}
		}
	}
}

// Wake makes the relay look for entries now rather than at its next poll;
// call it when entries were committed. It never blocks, and wake-ups
// during a pass make one more pass.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// RelayOnce claims one batch of due entries and dispatches them; it
// returns how many it claimed.
func (w *Worker) RelayOnce(ctx context.Context) (int, error) {
	entries, err := w.claim(ctx, relayBatch)
	if err != nil {
		return 0, err
	}
	w.dispatch(ctx, entries)
	return len(entries), nil
}

// dispatch hands claimed entries to their consumers. Inline consumers
// that can queue on a Redis pipeline (the live feed) go out in one round
// trip for the whole batch, as do the pipelined parts of fan-outs on
// their first claim; entries that succeed inline are marked delivered in
// one statement, with the entries their task consumers have nothing to do
// for (Idler). Other inline consumers run one by one here; task consumers
// get an asynq task whose handler marks the entry delivered when the
// consumer is done.
func (w *Worker) dispatch(ctx context.Context, entries []*ent.OutboxEntry) {
	var (
		pipe      = w.d.Redis.Pipeline()
		piped     []*ent.OutboxEntry // inline, on pipe
		delivered []int
		tasks     []*ent.OutboxEntry
		idle      = map[string][]*ent.OutboxEntry{} // by topic: task entries an Idler may spare
	)
	for _, e := range entries {
		r, ok := w.route(e.Topic)
		if !ok {
			continue
		}
		if !r.inline {
			allPiped := w.pipeParts(ctx, pipe, e, r)
			_, fan := r.consumer.(*fanout)
			if _, ok := r.consumer.(Idler); ok && (allPiped || !fan) {
				idle[e.Topic] = append(idle[e.Topic], e)
				continue
			}
			tasks = append(tasks, e)
			continue
		}
		var err error
		if p, ok := r.consumer.(Piper); ok {
			if err = p.Pipe(ctx, pipe, entryOf(e, 1, true)); err == nil {
				piped = append(piped, e)
				continue
			}
		} else {
			cctx, cancel := context.WithTimeout(ctx, r.timeout)
			err = r.consumer.Consume(cctx, entryOf(e, 1, true))
			cancel()
		}
		if w.inlineFailed(ctx, e, err) {
			continue
		}
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "published").Inc()
		delivered = append(delivered, e.ID)
	}
	spared, tasks := w.spare(ctx, idle, tasks)
	var pipeErr error
	if pipe.Len() > 0 {
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := pipe.Exec(pctx)
		cancel()
		pipeErr = err
		for _, e := range piped {
			if err != nil {
				metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
				w.retryEntry(ctx, e, fmt.Errorf("worker: redis pipeline: %w", err))
				continue
			}
			metrics.OutboxDispatched.WithLabelValues(e.Topic, "published").Inc()
			delivered = append(delivered, e.ID)
		}
		// A failed pipelined part left no marker: its task runs it.
	}
	for _, e := range spared {
		if _, fan := w.consumerOf(e.Topic).(*fanout); fan && pipeErr != nil {
			tasks = append(tasks, e)
			continue
		}
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "idle").Inc()
		delivered = append(delivered, e.ID)
	}
	if err := w.markAll(ctx, delivered); err != nil {
		// The lease runs out and they are delivered again: at least once.
		w.log.Warn("outbox: mark delivered", "entries", len(delivered), "err", err)
	}
	for _, e := range tasks {
		r, _ := w.route(e.Topic)
		result, err := w.enqueue(e, r)
		if err != nil {
			metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
			w.retryEntry(ctx, e, err)
			continue
		}
		metrics.OutboxDispatched.WithLabelValues(e.Topic, result).Inc()
	}
}

// spare asks the Idler of each topic in idle, once per claim, which of
// its entries need no task: those are returned as spared, the others are
// added to tasks. An Idler's error leaves its entries to their tasks.
func (w *Worker) spare(ctx context.Context, idle map[string][]*ent.OutboxEntry, tasks []*ent.OutboxEntry) (spared, more []*ent.OutboxEntry) {
	for topic, es := range idle {
		q, _ := w.consumerOf(topic).(Idler)
		in := make([]Entry, len(es))
		for i, e := range es {
			in[i] = entryOf(e, 1, false)
		}
		var flags []bool
		var err error
		if q != nil {
			flags, err = q.Idle(ctx, in)
		}
		if err != nil || len(flags) != len(es) {
			if err != nil && ctx.Err() == nil {
				w.log.Warn("outbox: find idle entries", "topic", topic, "entries", len(es), "err", err)
			}
			tasks = append(tasks, es...)
			continue
		}
		for i, e := range es {
			if flags[i] {
				spared = append(spared, e)
			} else {
				tasks = append(tasks, e)
			}
		}
	}
	return spared, tasks
}

// consumerOf is topic's consumer, nil for none.
func (w *Worker) consumerOf(topic string) Consumer {
	r, _ := w.route(topic)
	return r.consumer
}

// inlineFailed deals with an inline consumer's error: a permanent one sets
// the entry aside, another makes it due again soon. It reports whether
// there was one.
func (w *Worker) inlineFailed(ctx context.Context, e *ent.OutboxEntry, err error) bool {
	switch {
	case err == nil:
		return false
	case isPermanent(err):
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
		w.log.Error("outbox: entry set aside: its consumer cannot apply it", "id", e.ID, "topic", e.Topic, "err", err)
		w.markDelivered(ctx, e.ID, err.Error())
	default:
		metrics.OutboxDispatched.WithLabelValues(e.Topic, "failed").Inc()
		w.retryEntry(ctx, e, err)
	}
	return true
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

// updateLag refreshes the pending count and the age of the oldest
// undelivered entry of the topics the relay delivers: one walk of the
// undelivered entries for the count, and the first of them for the age,
// whatever the number of topics.
func (w *Worker) updateLag(ctx context.Context) {
	topics := w.topics()
	if len(topics) == 0 {
		return
	}
	q := w.d.Store.Ent.OutboxEntry.Query().Where(outboxentry.DeliveredAtIsNil(), outboxentry.TopicIn(topics...))
	pending, err := q.Clone().Count(ctx)
	if err != nil {
		return
	}
	metrics.OutboxPending.Set(float64(pending))
	if pending == 0 {
		metrics.OutboxLag.Set(0)
		return
	}
	first, err := q.Order(ent.Asc(outboxentry.FieldID)).First(ctx)
	if err != nil {
		return
	}
	metrics.OutboxLag.Set(time.Since(first.CreatedAt).Seconds())
}

func entryOf(e *ent.OutboxEntry, attempt int, last bool) Entry {
	payload, id := e.Payload, ""
	if _, ok := payload[outbox.RequestIDKey]; ok {
		// A copy: the row may be handed out again (fan-out parts, then
		// the task).
		payload = maps.Clone(payload)
		id = outbox.TakeRequestID(payload)
	}
	return Entry{ID: e.ID, TenantID: e.TenantID, Topic: e.Topic, Payload: payload, Created: e.CreatedAt,
		Attempt: attempt, LastAttempt: last, RequestID: id}
}
