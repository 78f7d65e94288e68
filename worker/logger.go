package worker

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/metrics"
)

// asynqLogger routes asynq's logs to slog.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...), "source", "asynq") }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...), "source", "asynq") }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...), "source", "asynq") }
func (a asynqLogger) Error(args ...any) {
	msg := fmt.Sprint(args...)
	// The scheduler tries to close the Redis client it shares with the
	// app on shutdown; the app closes it instead.
	if strings.Contains(msg, "connection is shared") {
		return
	}
	a.l.Error(msg, "source", "asynq")
}
func (a asynqLogger) Fatal(args ...any) {
	a.l.Error(fmt.Sprint(args...), "source", "asynq", "fatal", true)
}

// instrument counts task outcomes and durations by task type.
func instrument(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		start := time.Now()
		err := next.ProcessTask(ctx, t)
		outcome := "ok"
		if err != nil {
			outcome = "retry"
			if n, _ := asynq.GetRetryCount(ctx); n >= maxRetry(ctx) {
				outcome = "failed"
			}
		}
		metrics.Tasks.WithLabelValues(t.Type(), outcome).Inc()
		metrics.TaskDuration.WithLabelValues(t.Type()).Observe(time.Since(start).Seconds())
		return err
	})
}

func maxRetry(ctx context.Context) int {
	n, _ := asynq.GetMaxRetry(ctx)
	return n
}
