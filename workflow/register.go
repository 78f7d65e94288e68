package workflow

import (
	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

// MaxRetry is how often an undelivered event is retried (with the worker's
// backoff, about an hour in all) before it is given up and left in the log.
const MaxRetry = 12

// Register makes the worker deliver the workflow events to subscriptions.
// The topics already feed the live feed, and the relay has one consumer
// per topic, so both become parts of one fan-out: a failing webhook
// retries only itself.
func Register(w *worker.Worker, rdb redis.UniversalClient, d *Deliverer) {
	for _, topic := range []string{outbox.AlertTriggered, outbox.AlertResolved} {
		w.Handle(topic, w.Fanout(
			worker.Part{Name: "feed", Consumer: worker.FeedConsumer{Redis: rdb}},
			worker.Part{Name: "webhooks", Consumer: d},
		), worker.WithMaxRetry(MaxRetry))
	}
}
