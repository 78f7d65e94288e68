package pipeline

import (
	"slices"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// lockAll takes the locks of every alert of evs, then of every condition
// (PostgreSQL; evs share tenant and integration). That is the order
// Process takes its two in, so work holding them never waits on an event
// that waits on it; each group is sorted, so two of them sharing keys
// take those in one order.
func lockAll(name string, evs []event.Event) store.Statement {
	tenantID, integrationID := evs[0].TenantID, evs[0].IntegrationID
	alertIDs, dedupKeys := keysOf(evs)
	keys := make([]string, 0, len(alertIDs)+len(dedupKeys))
	for _, id := range alertIDs {
		keys = append(keys, alertLockKey(tenantID, integrationID, id))
	}
	n := len(keys)
	for _, k := range dedupKeys {
		keys = append(keys, dedupLockKey(tenantID, integrationID, k))
	}
	slices.Sort(keys[:n])
	slices.Sort(keys[n:])
	return store.Statement{
		Name: name,
		SQL:  `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS u(k)`,
		Args: []any{keys},
	}
}

// keysOf returns the distinct alert ids and dedup keys of evs, sorted.
func keysOf(evs []event.Event) (alertIDs, dedupKeys []string) {
	for _, ev := range evs {
		alertIDs = append(alertIDs, ev.ExternalAlertID)
		dedupKeys = append(dedupKeys, ev.DedupKey())
	}
	slices.Sort(alertIDs)
	slices.Sort(dedupKeys)
	return slices.Compact(alertIDs), slices.Compact(dedupKeys)
}
