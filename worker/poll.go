package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/maintenancewindow"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers"
)

// TypePoll is the reconciliation task of one integration.
const TypePoll = "rmm:poll"

// OriginPoller marks events the poller synthesizes.
const OriginPoller = "poller"

// pollPayload is the TypePoll task body.
type pollPayload struct {
	TenantID      int `json:"tenantId"`
	IntegrationID int `json:"integrationId"`
	// Now is set by pollNow: poll even if a cycle ran moments ago.
	Now bool `json:"now,omitempty"`
}

// PollCounts are what one cycle did; they are stored on the integration.
type PollCounts struct {
	Fetched      int `json:"fetched"`
	Ingested     int `json:"ingested"`
	Reset        int `json:"reset"`
	Unsuppressed int `json:"unsuppressed"`
	Failed       int `json:"failed"`
}

func (c PollCounts) asMap() map[string]int {
	return map[string]int{"fetched": c.Fetched, "ingested": c.Ingested, "reset": c.Reset, "unsuppressed": c.Unsuppressed, "failed": c.Failed}
}

// handlePoll runs one reconciliation cycle. Problems with the RMM are
// recorded on the integration, not retried: the next cycle is the retry,
// and a task that ends without error leaves nothing behind in Redis (no
// uniqueness lock outliving it), so pollNow works at once after a failure.
func (w *Worker) handlePoll(ctx context.Context, t *asynq.Task) error {
	var p pollPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.TenantID == 0 || p.IntegrationID == 0 {
		return fmt.Errorf("worker: bad poll payload %q: %w", t.Payload(), asynq.SkipRetry)
	}
	_, err := w.Poll(ctx, p.TenantID, p.IntegrationID, p.Now)
	var ce cycleError
	if errors.Is(err, errPollSkipped) {
		return nil
	}
	// Every cycle that ran (the first one right after connecting too)
	// brings the inventory up to date, in a task of its own.
	if ierr := w.SyncInventoryNow(ctx, p.TenantID, p.IntegrationID); ierr != nil {
		w.log.WarnContext(ctx, "inventory sync not queued", "tenant", p.TenantID, "integration", p.IntegrationID, "err", ierr)
	}
	if errors.As(err, &ce) {
		return nil
	}
	return err
}

// cycleError is a cycle that ran and whose error is recorded on the
// integration.
type cycleError struct{ error }

func (e cycleError) Unwrap() error { return e.error }

// unreachableError is a cycle that could not get the RMM's list: the
// adapter could not be built or the fetch failed. Enough of them in a row
// turn the integration's state to error.
type unreachableError struct{ error }

func (e unreachableError) Unwrap() error { return e.error }

// errPollSkipped: the integration is not pollable now, or another replica
// just polled it.
var errPollSkipped = errors.New("worker: poll skipped")

// PollNowGap is how soon after a cycle started a requested one may start,
// so that a double click makes one cycle.
const PollNowGap = 5 * time.Second

// minGap is how soon after a cycle another may start: scheduled cycles
// leave a minute of slack for replicas whose schedules tick at different
// moments; pollNow only debounces.
func minGap(in *ent.Integration, now bool, minute time.Duration) time.Duration {
	if now {
		return PollNowGap
	}
	return time.Duration(in.PollingIntervalMinutes-1) * minute
}

// Poll runs one reconciliation cycle of an integration, unless it is
// disconnected, has polling off (a pollNow still polls), or was polled too
// recently (a requested cycle, pollNow's, runs even so). The cycle's
// time, counts and error are stored on the integration; a failed fetch is
// returned as the error and changes no alert. PollErrorAfter cycles in a
// row that cannot reach the RMM make the state ERROR; the next one that
// does makes it CONNECTED again.
func (w *Worker) Poll(ctx context.Context, tenantID, integrationID int, now bool) (PollCounts, error) {
	in, err := w.d.Store.Ent.Integration.Query().
		Where(integration.TenantID(tenantID), integration.ID(integrationID)).Only(ctx)
	if ent.IsNotFound(err) {
		return PollCounts{}, errPollSkipped
	}
	if err != nil {
		return PollCounts{}, fmt.Errorf("worker: poll: load integration %d: %w", integrationID, err)
	}
	if in.ConnectionState == integration.ConnectionStateDisconnected || (!now && !in.PollingEnabled) {
		return PollCounts{}, errPollSkipped
	}
	start := time.Now().UTC()
	// Claim the cycle: only one replica passes for a given slot. It
	// answers any poll requested before it, which it clears.
	due := integration.Or(integration.LastPolledAtIsNil(), integration.LastPolledAtLTE(start.Add(-minGap(in, now, w.d.PollMinute))))
	if now {
		due = integration.Or(due, integration.PollRequestedAtNotNil())
	}
	n, err := w.d.Store.Ent.Integration.Update().
		Where(integration.TenantID(tenantID), integration.ID(integrationID), due).
		SetLastPolledAt(start).
		ClearPollRequestedAt().
		Save(ctx)
	if err != nil {
		return PollCounts{}, fmt.Errorf("worker: poll: claim integration %d: %w", integrationID, err)
	}
	if n == 0 {
		return PollCounts{}, errPollSkipped
	}
	log := w.log.With("tenant", tenantID, "integration", integrationID, "provider", in.Provider)

	var counts PollCounts
	ad, err := w.adapters(ctx, in)
	if err != nil {
		err = unreachableError{fmt.Errorf("connect to the RMM: %w", err)}
	} else {
		counts, err = w.reconcile(ctx, in, ad, start)
	}
	result := "ok"
	msg := ""
	if err != nil {
		result, msg = "error", err.Error()
		if len(msg) > 1000 {
			msg = msg[:1000]
		}
		log.WarnContext(ctx, "poll cycle had errors", "err", err, "counts", counts)
	} else {
		log.InfoContext(ctx, "poll cycle done", "counts", counts)
	}
	provider := string(in.Provider)
	metrics.PollCycles.WithLabelValues(provider, result).Inc()
	metrics.PollAlerts.WithLabelValues(provider, "ingested").Add(float64(counts.Ingested))
	metrics.PollAlerts.WithLabelValues(provider, "reset").Add(float64(counts.Reset))
	metrics.PollAlerts.WithLabelValues(provider, "unsuppressed").Add(float64(counts.Unsuppressed))
	metrics.PollAlerts.WithLabelValues(provider, "failed").Add(float64(counts.Failed))
	if uerr := w.record(ctx, in, start, msg, counts, err); uerr != nil {
		return counts, errors.Join(err, fmt.Errorf("worker: poll: record result: %w", uerr))
	}
	if _, herr := w.EvaluateHealth(ctx, in.TenantID, in.ID); herr != nil {
		log.WarnContext(ctx, "integration health not evaluated", "err", herr)
	}
	if err != nil {
		return counts, cycleError{err}
	}
	return counts, nil
}

// record stores a cycle's outcome on the integration and moves its
// connection state: a cycle that reached the RMM clears the failures and
// makes an ERROR integration CONNECTED; one that did not counts a failure
// and, at PollErrorAfter in a row, makes a CONNECTED one ERROR. Each step
// is a conditional statement, so a disconnect meanwhile is not undone.
func (w *Worker) record(ctx context.Context, in *ent.Integration, start time.Time, msg string, counts PollCounts, cycleErr error) error {
	one := func() *ent.IntegrationUpdate {
		return w.d.Store.Ent.Integration.Update().Where(integration.TenantID(in.TenantID), integration.ID(in.ID))
	}
	var unreachable unreachableError
	failed := errors.As(cycleErr, &unreachable)
	u := one().SetLastPollError(msg).SetLastPollCounts(counts.asMap())
	if failed {
		u.AddPollFailures(1)
	} else {
		u.SetPollFailures(0).ClearPollFailingSince()
	}
	if !failed {
		// The RMM took the credentials.
		u.ClearCredentialsRejectedAt()
	}
	if err := u.Exec(ctx); err != nil {
		return err
	}
	if err := w.observeCycle(ctx, in, start, counts, cycleErr, failed); err != nil {
		return err
	}
	log := w.log.With("tenant", in.TenantID, "integration", in.ID, "provider", in.Provider)
	if !failed {
		n, err := one().Where(integration.ConnectionStateEQ(integration.ConnectionStateError)).
			SetConnectionState(integration.ConnectionStateConnected).Save(ctx)
		if n > 0 {
			log.InfoContext(ctx, "integration reaches its RMM again: state CONNECTED")
		}
		return err
	}
	if err := one().Where(integration.PollFailingSinceIsNil()).SetPollFailingSince(start).Exec(ctx); err != nil {
		return err
	}
	n, err := one().Where(integration.ConnectionStateEQ(integration.ConnectionStateConnected),
		integration.PollFailuresGTE(w.d.PollErrorAfter)).
		SetConnectionState(integration.ConnectionStateError).Save(ctx)
	if n > 0 {
		log.WarnContext(ctx, "integration cannot reach its RMM: state ERROR", "failures", w.d.PollErrorAfter, "err", cycleErr)
	}
	return err
}

// observeCycle records what a cycle tells of the integration's health:
// credentials the RMM rejected, and alerts the RMM lists that no webhook
// brought (each conditional, so replicas and webhooks meanwhile agree).
func (w *Worker) observeCycle(ctx context.Context, in *ent.Integration, start time.Time, counts PollCounts, cycleErr error, failed bool) error {
	one := func() *ent.IntegrationUpdate {
		return w.d.Store.Ent.Integration.Update().Where(integration.TenantID(in.TenantID), integration.ID(in.ID))
	}
	if failed && providers.CredentialsRejected(cycleErr) {
		if err := one().Where(integration.CredentialsRejectedAtIsNil()).SetCredentialsRejectedAt(start).Exec(ctx); err != nil {
			return err
		}
	}
	if failed || counts.Ingested == 0 {
		// No evidence either way about the webhooks.
		return nil
	}
	n, err := one().Where(missedRunStarts()).SetWebhookMissedPolls(1).SetWebhookMissedSince(start).Save(ctx)
	if err != nil || n > 0 {
		return err
	}
	return one().AddWebhookMissedPolls(1).Exec(ctx)
}

// reconcile brings local alerts in line with the RMM's active list, all
// through the pipeline: (1) active alerts missing locally are triggered;
// (2) live local alerts the RMM no longer lists are reset; (3) suppressed
// alerts still active whose window has ended are reprocessed. A failed
// fetch stops before any change; one failing alert is counted and the
// cycle goes on.
func (w *Worker) reconcile(ctx context.Context, in *ent.Integration, ad providers.Adapter, start time.Time) (PollCounts, error) {
	var c PollCounts
	events, err := ad.FetchActive(ctx)
	if err != nil {
		return c, unreachableError{fmt.Errorf("fetch active alerts: %w", err)}
	}
	c.Fetched = len(events)
	active := make(map[string]bool, len(events))
	for _, ev := range events {
		active[ev.ExternalAlertID] = true
	}
	live, err := w.d.Store.Ent.Alert.Query().
		Where(entalert.TenantID(in.TenantID), entalert.IntegrationID(in.ID),
			entalert.StatusIn(entalert.StatusActive, entalert.StatusAcknowledged, entalert.StatusSuppressed)).
		All(ctx)
	if err != nil {
		return c, fmt.Errorf("load live alerts: %w", err)
	}
	known := make(map[string]*ent.Alert, len(live))
	for _, a := range live {
		known[a.ExternalAlertID] = a
	}
	var (
		mu       sync.Mutex
		failures []string
	)
	fail := func(what string, err error) {
		mu.Lock()
		defer mu.Unlock()
		c.Failed++
		if len(failures) < 5 {
			failures = append(failures, what+": "+err.Error())
		}
	}
	count := func(n *int) {
		mu.Lock()
		*n++
		mu.Unlock()
	}

	// (1) RMM-active alerts that are not live here, and (2) live alerts
	// the RMM no longer lists, except very recent ones the list may not
	// show yet (the integration's poll_grace_seconds): in pages,
	// PollConcurrency at a time (events of one alert or condition
	// serialize on their locks).
	cutoff := start.Add(-time.Duration(in.PollGraceSeconds) * time.Second)
	jobs := make(chan func(), w.d.PollConcurrency)
	var wg sync.WaitGroup
	for range w.d.PollConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for job := range jobs {
				job()
			}
		}()
	}
	// Triggers go in pages (see pipeline.ProcessPage): a page's alerts
	// are read, decided and written together.
	var missed []event.Event
	for _, ev := range events {
		if known[ev.ExternalAlertID] != nil {
			continue
		}
		ev.TenantID, ev.IntegrationID, ev.Origin = in.TenantID, in.ID, OriginPoller
		missed = append(missed, ev)
	}
	for lo := 0; lo < len(missed); lo += w.d.PollPageSize {
		page := missed[lo:min(lo+w.d.PollPageSize, len(missed))]
		jobs <- func() {
			start := time.Now()
			results, errs := w.d.Pipeline.ProcessPage(ctx, page)
			metrics.ObservePage(page, results, errs, time.Since(start))
			for i, err := range errs {
				switch res := results[i]; {
				case err != nil:
					fail("trigger "+page[i].ExternalAlertID, err)
				case res.Outcome != pipeline.Replay && res.Outcome != pipeline.Stale:
					count(&c.Ingested)
				}
			}
		}
	}
	// Stale alerts go in pages too (see pipeline.ResetPage), as many at
	// once: pages of one day share their noise rollup rows, which a page
	// holds only from its alerts' UPDATE, its last statement, to COMMIT.
	var stale []*ent.Alert
	for _, a := range live {
		if active[a.ExternalAlertID] || a.CreatedAt.After(cutoff) || a.LastEventAt.After(cutoff) {
			continue
		}
		stale = append(stale, a)
	}
	for lo := 0; lo < len(stale); lo += w.d.PollPageSize {
		page := stale[lo:min(lo+w.d.PollPageSize, len(stale))]
		jobs <- func() { w.resetPage(ctx, page, fail, func() { count(&c.Reset) }) }
	}
	close(jobs)
	wg.Wait()

	// (3) Suppressed alerts still active in the RMM whose window is over.
	var (
		windows []maintenance.Window
		loaded  bool
	)
	for _, a := range live {
		if a.Status != entalert.StatusSuppressed || !active[a.ExternalAlertID] {
			continue
		}
		if !loaded {
			if windows, err = w.windows(ctx, in.TenantID); err != nil {
				return c, err
			}
			loaded = true
		}
		if win, _ := maintenance.FirstCovering(windows, in.ID, a.ClientID, a.AssetID, time.Now()); win != nil {
			continue
		}
		res, err := w.d.Pipeline.Reprocess(ctx, in.TenantID, a.ID, OriginPoller)
		if errors.Is(err, pipeline.ErrAlreadyLinked) || errors.Is(err, pipeline.ErrNotActive) {
			continue
		}
		if err != nil {
			fail("reprocess "+a.ExternalAlertID, err)
			continue
		}
		if res.Outcome != pipeline.Suppressed {
			c.Unsuppressed++
		}
	}
	if len(failures) > 0 {
		return c, fmt.Errorf("%d alert(s) failed: %s", c.Failed, strings.Join(failures, "; "))
	}
	return c, nil
}

// resetPage resets stale alerts of one page, counting each resolved.
func (w *Worker) resetPage(ctx context.Context, alerts []*ent.Alert, fail func(string, error), resolved func()) {
	start := time.Now()
	page := make([]event.Event, len(alerts))
	for i, a := range alerts {
		page[i] = resetEvent(a, OriginPoller, start)
	}
	results, errs := w.d.Pipeline.ResetPage(ctx, page)
	metrics.ObservePage(page, results, errs, time.Since(start))
	for i, err := range errs {
		switch {
		case err != nil:
			fail("reset "+page[i].ExternalAlertID, err)
		case results[i].Outcome == pipeline.Resolved:
			resolved()
		}
	}
}

// process runs an event through the pipeline, timed.
func (w *Worker) process(ctx context.Context, ev event.Event) (pipeline.Result, error) {
	return metrics.TimedProcessor{Next: w.d.Pipeline}.Process(ctx, ev)
}

func (w *Worker) windows(ctx context.Context, tenantID int) ([]maintenance.Window, error) {
	rows, err := w.d.Store.Ent.MaintenanceWindow.Query().
		Where(maintenancewindow.TenantID(tenantID), maintenancewindow.IsActive(true)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load maintenance windows: %w", err)
	}
	ws := make([]maintenance.Window, len(rows))
	for i, r := range rows {
		ws[i] = pipeline.WindowOf(r)
	}
	return ws, nil
}
