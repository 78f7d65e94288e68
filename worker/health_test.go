package worker_test

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/health"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

// TestHealthChangeRecordedOnce: replicas that evaluate a changed health at
// once record it once and request one notification; evaluating again
// while nothing changed requests none.
func TestHealthChangeRecordedOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		id := h.Integration(ninja).ID
		since := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
		h.DB.Integration.UpdateOneID(id).SetConnectionState(integration.ConnectionStateError).SetPollingEnabled(true).
			SetPollFailures(5).SetPollFailingSince(since).SetLastPollError("fetch active alerts: HTTP 502").ExecX(h.Ctx)

		const replicas = 8
		var (
			wg      sync.WaitGroup
			changed atomic.Int32
			start   = make(chan struct{})
		)
		for range replicas {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				c, err := h.Worker.EvaluateHealth(h.Ctx, h.Demo.TenantID, id)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Report.State != health.Failing {
					t.Errorf("state %s, want failing", c.Report.State)
				}
				if c.Changed {
					changed.Add(1)
				}
			}()
		}
		close(start)
		wg.Wait()
		requests := func() int {
			return h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.NotificationRequest)).CountX(h.Ctx)
		}
		if c, n := changed.Load(), requests(); c != 1 || n != 1 {
			t.Fatalf("%d replicas recorded the change, %d notification requests; want 1 and 1", c, n)
		}
		in := h.DB.Integration.GetX(h.Ctx, id)
		if in.HealthState != integration.HealthStateFailing || in.HealthVersion != 1 || len(in.HealthReasons) != 1 ||
			in.HealthReasons[0].Code != health.PollFailing || !in.HealthReasons[0].Since.Equal(since) {
			t.Fatalf("stored: %s v%d %+v", in.HealthState, in.HealthVersion, in.HealthReasons)
		}
		p := h.outboxPayloads(outbox.NotificationRequest)[0]
		if p["category"] != worker.CategoryIntegrationHealth || len(p["userIds"].([]any)) != 1 {
			t.Errorf("request: %v", p)
		}

		// One more failed cycle moves the message, not the state: stored,
		// nobody told.
		h.DB.Integration.UpdateOneID(id).SetPollFailures(6).ExecX(h.Ctx)
		c, err := h.Worker.EvaluateHealth(h.Ctx, h.Demo.TenantID, id)
		if err != nil || c.Changed {
			t.Fatalf("unchanged evaluation: %+v, %v", c, err)
		}
		if n := requests(); n != 1 {
			t.Errorf("%d notification requests after an unchanged evaluation, want 1", n)
		}
		if in := h.DB.Integration.GetX(h.Ctx, id); in.HealthVersion != 1 || !strings.Contains(in.HealthReasons[0].Message, "6 poll cycles") {
			t.Errorf("stored after one more failure: v%d %+v", in.HealthVersion, in.HealthReasons)
		}
	})
}
