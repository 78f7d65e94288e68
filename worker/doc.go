// Package worker runs everything that leaves the request path as asynq
// tasks on Redis: the outbox relay and its consumers, the per-integration
// reconciliation polls with their schedules, inventory syncs, and the retry
// of failed ticket creation. `alertdesk serve` runs the API and the workers
// together; --role api|worker splits them. The webhook path never touches
// Redis.
//
// # Relay
//
//	commit that wrote entries ──desk.OnCommit──▶ Worker.Wake (same process)
//	   │                          └─▶ outbox.Announcer: NOTIFY after the commit, ≤ 1 per 5 ms
//	   │  other replicas: outbox.Listener (LISTEN on its own connection) ─▶ Worker.Wake
//	   ▼
//	outbox_entries ──relay (woken: 10 ms later; else every 1 s)──▶ claim ≤ 100 due rows in ONE
//	   │  UPDATE … SET available_at += 2 min (lease), attempts += 1 WHERE id IN
//	   │  (SELECT … FOR UPDATE SKIP LOCKED) RETURNING …   (SQLite: a short transaction)
//	   ├─ ALERT_FEED ─▶ the batch's feed messages in one Redis pipeline ─▶ one UPDATE marks them
//	   └─ other topics ─▶ asynq task outbox:deliver, TaskID outbox-<id> (re-dispatch deduplicated)
//	        ─▶ Consumer.Consume ─▶ delivered_at, group-committed with other finished tasks
//
// The poll stays as the safety net under the wake-ups. A lease that runs out
// (task lost with Redis) makes the row due again; when Redis comes back (it
// failed to answer, its run_id changed, or the relay's marker key is gone)
// every leased, undelivered row is due at once. The NOTIFY is sent after
// the commit, not inside it, where it would serialize commits on
// PostgreSQL's notification lock (outbox BenchmarkCommitNotify).
//
// Consumers are idempotent (delivery is at least once); [Permanent] sets an
// entry aside with its error instead of retrying it forever:
//
//   - FeedConsumer (ALERT_FEED, RMM_ALERT_TRIGGERED/RESOLVED): the live feed
//     message, published to the tenant's Redis channel (package feed).
//   - ResetConsumer (TICKET_CLOSED): each active alert of the closed ticket
//     whose rule keeps resetAlertOnTicketClose is reset in the RMM, then
//     resolved through the pipeline ("ticket closed").
//   - workflow.Deliverer (RMM_ALERT_TRIGGERED/RESOLVED): a POST to each
//     active subscription, signed per Standard Webhooks; one
//     event_deliveries row per attempt.
//   - notify.Consumer (NOTIFICATION_REQUESTED): a notifications row per
//     user and channel, and an email (sent-marker per entry and user).
//
// # Polling
//
// ScheduleProvider turns connected integrations with polling on into asynq
// periodic tasks, re-read every 30 s on every replica. A rmm:poll task
// claims the cycle on the integration row (last_polled_at), so a schedule
// runs once per interval whatever the replicas, fetches the RMM's active
// alerts and reconciles them through the pipeline (origin "poller"):
// missed triggers in pages of up to 500 (pipeline.ProcessPage: one
// transaction and a constant number of statements a page on PostgreSQL),
// and resets of alerts the RMM no longer lists (older than
// poll_grace_seconds) in pages too (pipeline.ResetPage). A cycle that cannot reach the RMM counts in
// poll_failures; at ALERTDESK_POLL_ERROR_AFTER the integration becomes
// ERROR, and the next cycle that reaches the RMM makes it CONNECTED. pollNow
// ([Enqueuer.PollNow]) records the request on the row with a conditional
// UPDATE, so concurrent requests make one task.
//
// # Health
//
// At each cycle's end the integration's observations (webhook silence while
// polls find alerts no webhook brought, failing polls, rejected
// credentials, unmapped organizations sending alerts) go through the pure
// health.Evaluate. A change of state or reasons is one UPDATE conditional on
// health_version, with the admins' NOTIFICATION_REQUESTED in the same
// transaction, so of replicas evaluating at once exactly one records and
// tells. Integrations no cycle evaluates (polling off, not connected, a
// provider without polling) are evaluated by a sweep every 5 minutes.
//
// # Inventory
//
// Each cycle that ran queues rmm:inventory (one per integration at a time;
// also syncInventory). It lists the RMM's organizations and devices
// (providers.Inventory), keeps the organizations in rmm_organizations, and
// in one transaction creates, updates and retires (rmm_gone_at) the
// integration's assets in batches of 500. A failed page fails the sync
// before any asset is touched.
//
// # Failed tickets
//
// alerts:retry-tickets runs every minute and reprocesses active, unlinked
// alerts with a ticket_error (origin "retry"), each backing off from 1 min
// to 1 h.
package worker
