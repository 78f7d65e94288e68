package worker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/ent"
)

// fanoutMemo is how long a part's success is remembered: past the last
// retry of any topic.
const fanoutMemo = 7 * 24 * time.Hour

// Part is one consumer of a fanned-out topic.
type Part struct {
	// Name identifies the part in its success marker; keep it stable.
	Name     string
	Consumer Consumer
}

// Fanout makes several consumers share one topic, since the relay has one
// consumer per topic. Each part that applied an entry is remembered in
// Redis, so a retry caused by one part (a failing outbound webhook) does
// not repeat the others (the live feed). A part's permanent error sets
// only that part aside. Parts that are Pipers (the live feed) are run by
// the relay itself when it first claims an entry, batched with the rest
// of its claim, so they need not wait for the task.
func (w *Worker) Fanout(parts ...Part) Consumer {
	return &fanout{w: w, parts: parts}
}

type fanout struct {
	w     *Worker
	parts []Part
}

// Consume implements Consumer.
func (f *fanout) Consume(ctx context.Context, e Entry) error {
	w := f.w
	var retry, final []error
	for _, p := range f.parts {
		key := w.fanoutKey(e.ID, p.Name)
		// The marker holds "ok", or the error that set the part aside.
		if v, err := w.d.Redis.Get(ctx, key).Result(); err == nil {
			if v != "ok" {
				final = append(final, errors.New(v))
			}
			continue
		}
		err := p.Consumer.Consume(ctx, e)
		mark := "ok"
		switch {
		case err == nil:
		case isPermanent(err):
			// %v: a permanent part must not make the retry permanent.
			err = fmt.Errorf("%s: %v", p.Name, err)
			final, mark = append(final, err), err.Error()
		default:
			retry = append(retry, fmt.Errorf("%s: %w", p.Name, err))
			continue
		}
		if err := w.d.Redis.Set(ctx, key, mark, fanoutMemo).Err(); err != nil {
			// Worst case the part runs again; consumers are idempotent.
			w.log.WarnContext(ctx, "outbox: remember fanout part", "id", e.ID, "part", p.Name, "err", err)
		}
	}
	if len(retry) > 0 {
		return errors.Join(append(retry, final...)...)
	}
	if len(final) > 0 {
		return Permanent(errors.Join(final...))
	}
	return nil
}

// pipeParts queues, on an entry's first claim, the pipelined parts of its
// fan-out with their success markers, so the task finds them done. Later
// claims (after a lost task or a failed dispatch) leave every part to the
// task, which checks the markers. It reports whether every pipelined part
// was queued, so that the pipe's success applies them all.
func (w *Worker) pipeParts(ctx context.Context, pipe redis.Pipeliner, e *ent.OutboxEntry, r route) bool {
	f, ok := r.consumer.(*fanout)
	if !ok || e.Attempts != 1 {
		return false
	}
	all := true
	for _, p := range f.parts {
		pp, ok := p.Consumer.(Piper)
		if !ok {
			continue
		}
		err := pp.Pipe(ctx, pipe, entryOf(e, 1, false))
		switch {
		case err == nil:
			pipe.Set(ctx, w.fanoutKey(e.ID, p.Name), "ok", fanoutMemo)
		case isPermanent(err):
			pipe.Set(ctx, w.fanoutKey(e.ID, p.Name), fmt.Sprintf("%s: %v", p.Name, err), fanoutMemo)
			all = false
		default:
			all = false
		}
	}
	return all
}

// Idle implements Idler: an entry whose pipelined parts the relay ran is
// idle when every other part is idle for it. A part that cannot tell
// leaves every entry to the task.
func (f *fanout) Idle(ctx context.Context, entries []Entry) ([]bool, error) {
	idle := make([]bool, len(entries))
	for i := range idle {
		idle[i] = true
	}
	for _, p := range f.parts {
		if _, ok := p.Consumer.(Piper); ok {
			continue
		}
		q, ok := p.Consumer.(Idler)
		if !ok {
			return make([]bool, len(entries)), nil
		}
		pi, err := q.Idle(ctx, entries)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.Name, err)
		}
		for i := range idle {
			idle[i] = idle[i] && pi[i]
		}
	}
	return idle, nil
}

// fanoutKey is per queue, so tests sharing a Redis stay apart.
func (w *Worker) fanoutKey(entryID int, part string) string {
	return "alertdesk:fanout:" + w.d.Queue + ":" + strconv.Itoa(entryID) + ":" + part
}
