package worker_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
)

// plan is a consumer that fails its first calls as planned.
type plan struct {
	mu    sync.Mutex
	fails []error
	calls int
}

func (p *plan) Consume(_ context.Context, _ worker.Entry) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls++
	if len(p.fails) > 0 {
		err := p.fails[0]
		p.fails = p.fails[1:]
		return err
	}
	return nil
}

func (p *plan) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls
}

// TestFanoutRetriesOnlyTheFailingPart: a part that fails retries the
// entry, and the parts that already applied it are not run again; a
// permanent failure sets only its own part aside.
func TestFanoutRetriesOnlyTheFailingPart(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		steady := &counter{next: &plan{}, seen: map[int]int{}}
		flaky := &plan{fails: []error{errors.New("down"), errors.New("still down")}}
		broken := &plan{fails: []error{worker.Permanent(errors.New("cannot"))}}
		h.Worker.Handle(outbox.AlertTriggered, h.Worker.Fanout(
			worker.Part{Name: "steady", Consumer: steady},
			worker.Part{Name: "flaky", Consumer: flaky},
			worker.Part{Name: "broken", Consumer: broken},
		))
		h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		h.drained(outbox.AlertTriggered)

		e := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.AlertTriggered)).OnlyX(h.Ctx)
		if got := steady.counts()[e.ID]; got != 1 {
			t.Errorf("steady part applied %d times, want 1", got)
		}
		if flaky.count() != 3 || broken.count() != 1 {
			t.Errorf("flaky ran %d times (want 3), broken %d (want 1)", flaky.count(), broken.count())
		}
		if e.LastError == "" {
			t.Error("the broken part's error is not recorded on the entry")
		}
	})
}
