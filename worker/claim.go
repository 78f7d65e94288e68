package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
)

// claimSQL leases up to $4 due entries of the topics $3 in one statement:
// the subquery locks the rows, skipping those another relay is claiming,
// and the UPDATE moves them one lease ahead. A row another relay leased
// meanwhile is re-checked against the new available_at and left out.
const claimSQL = `UPDATE outbox_entries SET available_at = $1, attempts = attempts + 1
WHERE id IN (SELECT id FROM outbox_entries
	WHERE delivered_at IS NULL AND available_at <= $2 AND topic = ANY($3)
	ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED)
RETURNING id, tenant_id, topic, payload, created_at, attempts`

// claim leases up to n due entries of topics with a consumer: their
// available_at moves one lease ahead and attempts grows, so no other
// relay takes them meanwhile. On PostgreSQL it is one statement; SQLite's
// single connection serializes claims anyway.
func (w *Worker) claim(ctx context.Context, n int) ([]*ent.OutboxEntry, error) {
	topics := w.topics()
	if len(topics) == 0 {
		return nil, nil
	}
	now := time.Now()
	if w.d.Store.IsPostgres() {
		return w.claimPostgres(ctx, now, topics, n)
	}
	var rows []*ent.OutboxEntry
	err := w.d.Store.Tx(ctx, func(tx *ent.Tx) error {
		var err error
		rows, err = tx.OutboxEntry.Query().
			Where(outboxentry.DeliveredAtIsNil(), outboxentry.AvailableAtLTE(now), outboxentry.TopicIn(topics...)).
			Order(ent.Asc(outboxentry.FieldID)).
			Limit(n).
			All(ctx)
		if err != nil {
			return fmt.Errorf("worker: claim outbox entries: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		ids := make([]int, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
			r.Attempts++
		}
		if err := tx.OutboxEntry.Update().Where(outboxentry.IDIn(ids...)).
			SetAvailableAt(now.Add(w.d.Lease)).AddAttempts(1).Exec(ctx); err != nil {
			return fmt.Errorf("worker: lease outbox entries: %w", err)
		}
		return nil
	})
	return rows, err
}

func (w *Worker) claimPostgres(ctx context.Context, now time.Time, topics []string, n int) ([]*ent.OutboxEntry, error) {
	rows, err := w.d.Store.DB.QueryContext(ctx, claimSQL, now.Add(w.d.Lease), now, topics, n)
	if err != nil {
		return nil, fmt.Errorf("worker: claim outbox entries: %w", err)
	}
	defer rows.Close()
	var out []*ent.OutboxEntry
	for rows.Next() {
		e := &ent.OutboxEntry{}
		var payload []byte
		if err := rows.Scan(&e.ID, &e.TenantID, &e.Topic, &payload, &e.CreatedAt, &e.Attempts); err != nil {
			return nil, fmt.Errorf("worker: read claimed entry: %w", err)
		}
		if err := json.Unmarshal(payload, &e.Payload); err != nil {
			// Leased all the same: a consumer sets it aside as unreadable.
			w.log.Error("outbox: entry payload is not JSON", "id", e.ID, "err", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("worker: claim outbox entries: %w", err)
	}
	// RETURNING has no order; deliver in commit order as before.
	slices.SortFunc(out, func(a, b *ent.OutboxEntry) int { return a.ID - b.ID })
	return out, nil
}
