package webhook

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alertdesk/alertdesk/ent/integration"
)

// arrivalEvery is how often a webhook's arrival is written to its
// integration's last_webhook_at: integration health needs minutes, not
// a write per webhook.
const arrivalEvery = time.Minute

// arrivals remembers, per integration, when this process last wrote an
// arrival.
type arrivals struct {
	mu   sync.Mutex
	last map[int]time.Time
}

// due reports whether an arrival at now should be written, and if so
// counts it as written.
func (a *arrivals) due(id int, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.last[id]; ok && now.Sub(t) < arrivalEvery {
		return false
	}
	if a.last == nil {
		a.last = map[int]time.Time{}
	}
	a.last[id] = now
	return true
}

// arrived records that an authenticated webhook of the integration was
// taken: the RMM knows its URL and secret. At most one write a minute per
// integration and process, and none when another replica wrote one within
// the minute; a failure is logged, never the webhook's.
func (h *Handler) arrived(ctx context.Context, log *slog.Logger, cr credentials) {
	now := time.Now().UTC()
	if !h.arrivals.due(cr.integrationID, now) {
		return
	}
	err := h.DB.Integration.Update().
		Where(integration.TenantID(cr.tenantID), integration.ID(cr.integrationID),
			integration.Or(integration.LastWebhookAtIsNil(), integration.LastWebhookAtLT(now.Add(-arrivalEvery)))).
		SetLastWebhookAt(now).
		Exec(ctx)
	if err != nil {
		log.WarnContext(ctx, "webhook: record arrival", "integration", cr.integrationID, "err", err)
	}
}
