package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/pipeline"
)

// TypeRetryTickets is the periodic task that retries failed ticket creation.
const TypeRetryTickets = "alerts:retry-tickets"

// OriginRetry marks alerts reprocessed by the ticket retry.
const OriginRetry = "retry"

// TicketRetryKey is the alert metadata key of the retry's backoff:
// {"attempts", "nextAt", "lastAt"}; removed once the alert needs no retry.
const TicketRetryKey = "ticketRetry"

// ticketRetryPage is how many failed alerts one query reads.
const ticketRetryPage = 200

// ticketRetryMax bounds the reprocessing of one run, so a run stays short;
// the rest wait for the next.
const ticketRetryMax = 100

func (w *Worker) handleRetryTickets(ctx context.Context, _ *asynq.Task) error {
	n, err := w.RetryFailedTickets(ctx)
	if n > 0 {
		w.log.InfoContext(ctx, "ticket retry made tickets", "count", n)
	}
	return err
}

// RetryFailedTickets reprocesses the alerts whose ticket could not be made
// (ticket_error set) that are still active and unlinked, each when its
// backoff allows (TicketRetryBackoff: 1 min doubling up to 1 h), so a
// configuration that stays broken costs one attempt an hour per alert.
// It returns how many alerts got a ticket. It reads every tenant's alerts
// by design, as the poll schedules do; each reprocess stays in its tenant.
func (w *Worker) RetryFailedTickets(ctx context.Context) (int, error) {
	now := time.Now().UTC()
	var (
		made, tried int
		errs        []error
		after       int
	)
	for tried < ticketRetryMax {
		rows, err := w.d.Store.Ent.Alert.Query().
			Where(entalert.TicketErrorNEQ(""), entalert.StatusEQ(entalert.StatusActive),
				entalert.TicketIDIsNil(), entalert.IDGT(after)).
			Order(ent.Asc(entalert.FieldID)).Limit(ticketRetryPage).All(ctx)
		if err != nil {
			return made, fmt.Errorf("worker: ticket retry: load alerts: %w", err)
		}
		for _, a := range rows {
			after = a.ID
			st := retryStateOf(a.Metadata)
			if now.Before(st.NextAt) || tried >= ticketRetryMax {
				continue
			}
			tried++
			ok, err := w.retryTicket(ctx, a, st, now)
			if err != nil {
				errs = append(errs, err)
			}
			if ok {
				made++
			}
		}
		if len(rows) < ticketRetryPage {
			break
		}
	}
	return made, errors.Join(errs...)
}

// retryTicket reprocesses one alert and records the outcome's backoff.
func (w *Worker) retryTicket(ctx context.Context, a *ent.Alert, st retryState, now time.Time) (bool, error) {
	log := w.log.With("tenant", a.TenantID, "alert", a.ID)
	res, err := w.d.Pipeline.Reprocess(ctx, a.TenantID, a.ID, OriginRetry)
	switch {
	case errors.Is(err, pipeline.ErrAlreadyLinked), errors.Is(err, pipeline.ErrNotActive), errors.Is(err, pipeline.ErrAlertNotFound):
		return false, w.clearRetry(ctx, a)
	case err == nil && res.Outcome != pipeline.TicketFailed:
		log.InfoContext(ctx, "ticket retry resolved the alert's ticket error", "outcome", res.Outcome, "attempts", st.Attempts+1)
		return res.TicketID != nil, w.clearRetry(ctx, a)
	}
	st.Attempts++
	st.LastAt = now
	st.NextAt = now.Add(w.d.TicketRetryBackoff(st.Attempts))
	if err != nil {
		log.WarnContext(ctx, "ticket retry failed", "attempts", st.Attempts, "err", err)
	} else {
		log.InfoContext(ctx, "ticket still cannot be created; backing off", "attempts", st.Attempts, "next", st.NextAt)
	}
	if serr := w.d.Pipeline.StampMetadata(ctx, a.TenantID, a.ID, TicketRetryKey, st.asMap()); serr != nil {
		return false, errors.Join(err, fmt.Errorf("worker: ticket retry: stamp alert %d: %w", a.ID, serr))
	}
	if err != nil {
		return false, fmt.Errorf("worker: ticket retry: alert %d: %w", a.ID, err)
	}
	return false, nil
}

func (w *Worker) clearRetry(ctx context.Context, a *ent.Alert) error {
	if _, ok := a.Metadata[TicketRetryKey]; !ok {
		return nil
	}
	if err := w.d.Pipeline.StampMetadata(ctx, a.TenantID, a.ID, TicketRetryKey, nil); err != nil && !errors.Is(err, pipeline.ErrAlertNotFound) {
		return fmt.Errorf("worker: ticket retry: clear stamp of alert %d: %w", a.ID, err)
	}
	return nil
}

// retryState is the backoff kept in the alert's metadata.
type retryState struct {
	Attempts int
	NextAt   time.Time
	LastAt   time.Time
}

func retryStateOf(meta map[string]any) retryState {
	m, _ := meta[TicketRetryKey].(map[string]any)
	st := retryState{Attempts: outbox.Int(m["attempts"])}
	st.NextAt, _ = time.Parse(time.RFC3339Nano, outbox.String(m["nextAt"]))
	st.LastAt, _ = time.Parse(time.RFC3339Nano, outbox.String(m["lastAt"]))
	return st
}

func (st retryState) asMap() map[string]any {
	return map[string]any{
		"attempts": st.Attempts,
		"nextAt":   st.NextAt.UTC().Format(time.RFC3339Nano),
		"lastAt":   st.LastAt.UTC().Format(time.RFC3339Nano),
	}
}

// TicketRetryBackoff is the default wait after the nth failed retry:
// 1 min doubling, at most 1 h.
func TicketRetryBackoff(n int) time.Duration {
	return min(time.Minute<<min(max(n-1, 0), 6), time.Hour)
}

// retryConfig is the periodic task of the ticket retry.
func retryConfig(queue string, every time.Duration) *asynq.PeriodicTaskConfig {
	return &asynq.PeriodicTaskConfig{
		Cronspec: "@every " + every.String(),
		Task:     asynq.NewTask(TypeRetryTickets, nil),
		Opts: []asynq.Option{
			asynq.Queue(queue),
			// One run at a time across replicas.
			asynq.Unique(max(every-time.Second, time.Second)),
			asynq.MaxRetry(0),
			asynq.Timeout(5 * time.Minute),
		},
	}
}

// schedules serves the poll schedules plus the fixed periodic tasks.
type schedules struct {
	polls *ScheduleProvider
	fixed []*asynq.PeriodicTaskConfig
}

// GetConfigs implements asynq.PeriodicTaskConfigProvider.
func (s schedules) GetConfigs() ([]*asynq.PeriodicTaskConfig, error) {
	cs, err := s.polls.GetConfigs()
	if err != nil {
		return nil, err
	}
	return append(cs, s.fixed...), nil
}
