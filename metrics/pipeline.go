package metrics

import (
	"context"
	"time"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/pipeline"
)

// Processor runs events through the pipeline; *pipeline.Pipeline is one.
type Processor interface {
	Process(ctx context.Context, ev event.Event, opts ...pipeline.Option) (pipeline.Result, error)
}

// TimedProcessor observes pipeline latency around another Processor.
type TimedProcessor struct{ Next Processor }

// Process implements Processor.
func (t TimedProcessor) Process(ctx context.Context, ev event.Event, opts ...pipeline.Option) (pipeline.Result, error) {
	start := time.Now()
	res, err := t.Next.Process(ctx, ev, opts...)
	outcome := string(res.Outcome)
	if err != nil {
		outcome = "error"
	}
	origin := ev.Origin
	if origin == "" {
		origin = "webhook"
	}
	PipelineDuration.WithLabelValues(origin, string(ev.Kind), outcome).Observe(time.Since(start).Seconds())
	// Committed by now: from the webhook's arrival to its ticket made or
	// joined.
	if at, ok := receipt(ctx); ok && err == nil && (res.Outcome == pipeline.Created || res.Outcome == pipeline.Joined) {
		WebhookToTicket.WithLabelValues(string(ev.Provider), string(res.Outcome)).Observe(time.Since(at).Seconds())
	}
	return res, err
}

// ObservePage observes the events of a page run together
// (pipeline.ProcessPage): each with its outcome and its share of the
// page's time.
func ObservePage(evs []event.Event, res []pipeline.Result, errs []error, took time.Duration) {
	if len(evs) == 0 {
		return
	}
	share := took.Seconds() / float64(len(evs))
	for i, ev := range evs {
		outcome := string(res[i].Outcome)
		if errs[i] != nil {
			outcome = "error"
		}
		origin := ev.Origin
		if origin == "" {
			origin = "webhook"
		}
		PipelineDuration.WithLabelValues(origin, string(ev.Kind), outcome).Observe(share)
	}
}
