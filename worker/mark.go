package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
)

// markAllSQL marks entries delivered in one statement (PostgreSQL).
const markAllSQL = `UPDATE outbox_entries SET delivered_at = $1, last_error = ''
WHERE id = ANY($2) AND delivered_at IS NULL`

// markAll records that the consumers of the entries finished, in one
// statement.
func (w *Worker) markAll(ctx context.Context, ids []int) error {
	if len(ids) == 0 {
		return nil
	}
	now := time.Now()
	if w.d.Store.IsPostgres() {
		ids64 := make([]int64, len(ids))
		for i, id := range ids {
			ids64[i] = int64(id)
		}
		if _, err := w.d.Store.DB.ExecContext(ctx, markAllSQL, now, ids64); err != nil {
			return fmt.Errorf("worker: mark %d outbox entries delivered: %w", len(ids), err)
		}
		return nil
	}
	if err := w.d.Store.Ent.OutboxEntry.Update().
		Where(outboxentry.IDIn(ids...), outboxentry.DeliveredAtIsNil()).
		SetDeliveredAt(now).SetLastError("").
		Exec(ctx); err != nil {
		return fmt.Errorf("worker: mark %d outbox entries delivered: %w", len(ids), err)
	}
	return nil
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

// completions marks the entries of finished delivery tasks: tasks that
// finish while a mark is on its way are marked together by the next one
// (group commit), so a busy worker sends one statement per batch and an
// idle one adds no wait.
type completions struct {
	mark func(ctx context.Context, ids []int) error

	mu      sync.Mutex
	queue   []completion
	leading bool
}

type completion struct {
	id   int
	done chan error
}

// completeBatch bounds one statement's entries.
const completeBatch = 500

// done returns once the entry is marked delivered (or the mark failed).
func (c *completions) done(ctx context.Context, id int) error {
	me := completion{id: id, done: make(chan error, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, me)
	if c.leading {
		c.mu.Unlock()
		select {
		case err := <-me.done:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// The first to arrive marks for everyone queued until the queue is
	// empty; its own entry goes in the first batch.
	c.leading = true
	for len(c.queue) > 0 {
		batch := c.queue[:min(len(c.queue), completeBatch)]
		c.queue = c.queue[len(batch):]
		if len(c.queue) == 0 {
			c.queue = nil
		}
		c.mu.Unlock()
		ids := make([]int, len(batch))
		for i, b := range batch {
			ids[i] = b.id
		}
		// Not the leader's ctx: the others' entries depend on it too.
		mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err := c.mark(mctx, ids)
		cancel()
		for _, b := range batch {
			b.done <- err
		}
		c.mu.Lock()
	}
	c.leading = false
	c.mu.Unlock()
	return <-me.done
}
