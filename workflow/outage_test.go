package workflow_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/eventdelivery"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/embedredis"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// TestEventsQueuedInRedisSurviveItsLoss: workflow events whose delivery
// tasks were in Redis when it died (restarting empty) reach the receiver
// soon after it returns, not when their two-minute lease runs out, and
// each once; the two whose deliveries were under way when it died finish
// those and are not sent again.
func TestEventsQueuedInRedisSurviveItsLoss(t *testing.T) {
	const alerts, concurrency = 6, 2
	for _, dialect := range storetest.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			srv, err := embedredis.Start("127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := srv.Addr()
			t.Cleanup(func() { srv.Close() })
			h := newHarnessAt(t, dialect, addr, func(d *worker.Deps) {
				d.Lease = 2 * time.Minute
				d.Concurrency = concurrency
			})
			recv := newGatedReceiver(t)
			if _, err := h.Svc.CreateSubscription(h.Ctx, h.Demo.TenantID, workflow.SubscriptionInput{
				URL: recv.URL, EventTypes: []string{outbox.AlertTriggered}}); err != nil {
				t.Fatal(err)
			}

			for i := range alerts {
				r := h.Post(event.NinjaOne, apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"), map[string]any{
					"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", 100+i),
					"deviceId":  100 + i,
					"device":    map[string]any{"id": 100 + i, "organizationId": 2, "displayName": fmt.Sprintf("WS-%d", i)},
				}))
				if r.Status != 200 {
					t.Fatalf("webhook answered %d %q", r.Status, r.Error)
				}
			}
			triggered := outboxentry.Topic(outbox.AlertTriggered)
			// Every event is handed to Redis: two deliveries under way at
			// the receiver, the rest queued.
			eventually(t, 20*time.Second, "deliveries queued in Redis", func() bool {
				info, err := h.Worker.Inspector().GetQueueInfo(h.Queue)
				leased := h.DB.OutboxEntry.Query().Where(triggered, outboxentry.AttemptsGTE(1), outboxentry.DeliveredAtIsNil()).CountX(h.Ctx)
				return err == nil && info.Pending+info.Active >= alerts && leased == alerts && recv.waiting() == concurrency
			})

			srv.Close()
			time.Sleep(time.Second) // the relay sees it gone
			srv2, err := embedredis.Start(addr)
			if err != nil {
				t.Fatalf("restart Redis on %s: %v", addr, err)
			}
			t.Cleanup(srv2.Close)
			back := time.Now()
			recv.open()

			eventually(t, 60*time.Second, "every event delivered", func() bool {
				return h.DB.OutboxEntry.Query().Where(triggered, outboxentry.DeliveredAtIsNil()).CountX(h.Ctx) == 0 &&
					len(recv.deliveries()) == alerts
			})
			// The bound the product promises; the lease would take 2 min.
			took := time.Since(back)
			t.Logf("every event delivered %v after Redis returned", took)
			if took > 15*time.Second {
				t.Errorf("events delivered %v after Redis returned, want ≤ 15 s", took)
			}
			time.Sleep(2 * time.Second) // nothing more arrives
			for id, n := range recv.deliveries() {
				if n != 1 {
					t.Errorf("delivery %s received %d times, want once", id, n)
				}
			}
			if n := h.DB.EventDelivery.Query().Where(eventdelivery.Success(true)).CountX(h.Ctx); n != alerts {
				t.Errorf("%d successful deliveries logged, want %d", n, alerts)
			}
		})
	}
}

// gatedReceiver holds requests until opened, then answers 200 to all,
// counting them by delivery id.
type gatedReceiver struct {
	*httptest.Server
	gate     chan struct{}
	once     sync.Once
	mu       sync.Mutex
	held     int
	received map[string]int
}

func newGatedReceiver(t *testing.T) *gatedReceiver {
	r := &gatedReceiver{gate: make(chan struct{}), received: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		r.mu.Lock()
		r.held++
		r.mu.Unlock()
		select {
		case <-r.gate:
		case <-req.Context().Done():
			return
		}
		r.mu.Lock()
		r.held--
		r.received[req.Header.Get(workflow.HeaderID)]++
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(func() { r.open(); r.Close() })
	return r
}

func (r *gatedReceiver) open() { r.once.Do(func() { close(r.gate) }) }

func (r *gatedReceiver) waiting() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.held
}

func (r *gatedReceiver) deliveries() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.received))
	for k, v := range r.received {
		out[k] = v
	}
	return out
}
