package worker_test

import (
	"errors"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/outbox"
)

// TestFailedDeliveryKeepsItsError: while a consumer fails (a receiver
// that is down), the entry stays undelivered and says why, for operators.
func TestFailedDeliveryKeepsItsError(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		down := &plan{fails: []error{errors.New("receiver down"), errors.New("receiver down"),
			errors.New("receiver down"), errors.New("receiver down")}}
		h.Worker.Handle(outbox.AlertTriggered, down)
		h.PostFixture(ninja, "ninjaone-condition-triggered.json")
		eventually(t, 20*time.Second, "the failure recorded on the entry", func() bool {
			e, err := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.AlertTriggered)).Only(h.Ctx)
			return err == nil && e.DeliveredAt == nil && e.LastError == "receiver down"
		})
	})
}
