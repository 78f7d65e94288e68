package worker

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Entry is one outbox entry handed to its consumer.
type Entry struct {
	ID       int
	TenantID int
	Topic    string
	Payload  map[string]any
	Created  time.Time
	// Attempt counts tries of this delivery round, from 1.
	Attempt int
	// LastAttempt is set on the last try before the task gives up; a
	// consumer that must not lose the entry records the failure and
	// returns nil then.
	LastAttempt bool
	// RequestID is the request id of the work that wrote the entry (a
	// webhook, an API call), "" for none; a task's context carries it.
	RequestID string
}

// A Consumer applies the outbox entries of one topic. Delivery is at least
// once, so Consume must be idempotent: an entry may arrive again after a
// crash or an outage. An error retries the entry with backoff.
type Consumer interface {
	Consume(ctx context.Context, e Entry) error
}

// A Piper is a consumer whose effect is Redis commands: Pipe queues an
// entry's commands on p instead of sending them, so the relay sends a
// whole claim's worth in one round trip. The entry counts as applied once
// p is executed without error. An error (Permanent, or one to retry)
// means nothing was queued.
type Piper interface {
	Consumer
	Pipe(ctx context.Context, p redis.Pipeliner, e Entry) error
}

// An Idler is a task consumer that can tell, for a whole claim in one
// look-up, which entries it has nothing to do for (the tenant subscribes
// to no webhook, the closed ticket has no live alert): the relay marks
// those delivered with the claim's other entries instead of running a task
// for each. Idle returns one flag per entry; an error leaves every entry
// to its task.
type Idler interface {
	Consumer
	Idle(ctx context.Context, entries []Entry) ([]bool, error)
}

// ConsumerFunc adapts a function to Consumer.
type ConsumerFunc func(ctx context.Context, e Entry) error

// Consume implements Consumer.
func (f ConsumerFunc) Consume(ctx context.Context, e Entry) error { return f(ctx, e) }

// route is how a topic is delivered.
type route struct {
	consumer Consumer
	inline   bool
	maxRetry int
	timeout  time.Duration
}

// Option tunes a topic's delivery.
type Option func(*route)

// WithMaxRetry sets how often a failed entry is retried in one round.
func WithMaxRetry(n int) Option { return func(r *route) { r.maxRetry = n } }

// WithTimeout bounds one consume call.
func WithTimeout(d time.Duration) Option { return func(r *route) { r.timeout = d } }

// Handle makes c the consumer of topic, run as an asynq task per entry:
// the entry counts as delivered once c returns nil. It replaces any
// previous consumer; call it before Start.
func (w *Worker) Handle(topic string, c Consumer, opts ...Option) {
	w.register(topic, route{consumer: c, maxRetry: 10, timeout: 5 * time.Minute}, opts)
}

// HandleInline makes c the consumer of topic, run by the relay itself
// (for quick, Redis-only effects such as the live feed).
func (w *Worker) HandleInline(topic string, c Consumer, opts ...Option) {
	w.register(topic, route{consumer: c, inline: true, timeout: 10 * time.Second}, opts)
}

func (w *Worker) register(topic string, r route, opts []Option) {
	for _, o := range opts {
		o(&r)
	}
	w.mu.Lock()
	w.consumers[topic] = r
	w.mu.Unlock()
}

func (w *Worker) route(topic string) (route, bool) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	r, ok := w.consumers[topic]
	return r, ok
}

func (w *Worker) topics() []string {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]string, 0, len(w.consumers))
	for t := range w.consumers {
		out = append(out, t)
	}
	return out
}

// permanentError is a consumer failure that no retry can fix.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// Permanent marks a consumer error as final: the entry is set aside as
// delivered with the error recorded, instead of being retried forever.
func Permanent(err error) error { return permanentError{err} }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
