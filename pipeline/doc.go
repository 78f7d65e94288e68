// Package pipeline turns normalized alert events into alert records and
// ticket decisions. One event runs inside one transaction, makes no external
// calls, and writes its side effects to the outbox.
//
// # Stages
//
// [Pipeline.Process] runs a MultiStage chosen by the event's kind:
//
//	triggered:    upsert → scope → maintenance → rules → dedup → ticket → publish
//	reset:        load → resolve → ticket-sync → publish
//	acknowledged: acknowledge
//
// Each stage appends to the alert's decision trace and queues its changes;
// finish writes them.
//
//   - upsert (upsert.go): a new alert is inserted by finish, once, with
//     everything routing decided; a replay of a live alert changes nothing;
//     an event older than the last applied one is ignored; a resolved alert
//     that fires again starts a new life.
//   - scope (scope.go, directory.go): the asset from the device mapping,
//     the client from the asset, else from the organization mapping, both
//     read for this event (on PostgreSQL with its locks), never the whole
//     inventory. An unknown client with an unmapped organization stops
//     here (kept for reprocessing). A device of a mapped organization that
//     no mapping lists gets its asset made here, under a per-device
//     advisory lock, after a fresh lookup.
//   - maintenance (maintenance.go): the first active window in scope that
//     covers the event time suppresses the alert.
//   - rules (rules.go): the first active rule by priority that matches, on
//     the integration's compiled rule.Set; a rule that fails to evaluate is
//     skipped; createTicket false records only.
//   - dedup (dedup.go, condition.go, storm.go): the condition's row in
//     alert_conditions (unique on tenant, integration, dedup key) names its
//     open ticket; the alert is linked and counted. A burst's first few
//     firings (rule setting stormComments) get a comment each, the rest one
//     summary comment rewritten per firing until the condition is quiet for
//     stormQuietMinutes.
//   - ticket (ticket.go): a routed ticket. A configuration failure (no
//     board, no open status, unknown priority or assignee) is found from the
//     cached Config before the first write and recorded on the alert
//     (ticket_error), so nothing half-made remains.
//   - publish (publish.go): outbox entries for the workflow event and the
//     notification requests, written by finish after the alert they name.
//   - ticket-sync (reset.go, resetlookup.go): comment on the open ticket;
//     close it when the rule auto-resolves, nobody touched it
//     (tickets.touched_at) and no other linked alert is active (counted up
//     to 100).
//
// [Pipeline.ProcessPage] and [Pipeline.ResetPage] run a poll cycle's
// triggers and resets by pages (page.go, resetpage.go): the same stages,
// one transaction and a constant number of statements a page.
//
// [Config.Scope] and [Config.Decide] are the routing decisions without a
// transaction; package simulate replays stored alerts through them.
//
// # Concurrency
//
// Every event takes two transaction-scoped advisory locks in one statement,
// always in the same order: the alert (tenant, integration, external id),
// then the condition (tenant, integration, dedup key). Concurrent deliveries
// of one alert make one row; concurrent firings of one condition make one
// ticket and an exact count. Ticket operations lock the ticket the same
// way, always after the pipeline's locks, and a reset takes the ticket's
// lock before deciding whether it is untouched, so a touch cannot slip in
// between the decision and the close. Ticket numbers come from a sequence
// per tenant on PostgreSQL (no lock past nextval); SQLite advances a
// ticket_counters row in the transaction.
//
// A storm would run one transaction at a time behind its condition's lock,
// each waiting for the one before to flush its commit. Webhooks therefore
// go through a Combiner (combine.go): a firing that arrives while its
// condition is busy in this process waits, and so, while most firings
// join open tickets, does any firing that arrives with GroupsInFlight
// groups in flight (joins are bound by the commit and the locks they
// share, not by CPU). Resets always are, and so is a firing of a
// condition whose last firing in the process left its ticket open: such
// a light event that arrives with GroupsInFlight light groups in flight
// waits too. Waiting resets run together as a page (ResetPage,
// resetpage.go: their alerts written in one statement, so two groups
// take the rollup rows in one order). Waiting firings run together, up
// to MaxCombined
// (together.go: all their locks first, in lockAll's order, with every
// firing's lookup; then, in one round trip, the assets of their new
// devices and the ids and numbers of the tickets routing foresees,
// togetherprep.go; then each event's stages as Process runs them, on what
// was read, its condition's open ticket carried over from the events
// before it; and their writes with the one COMMIT, a statement per kind,
// see togetherwrites.go). If that transaction fails, each runs alone. A
// reset or acknowledgement waits for the events of its alert that wait
// or run before it.
//
// # Transient failures
//
// [Pipeline.Process] and the stored-alert actions ([Pipeline.Reprocess],
// [Pipeline.CreateTicketForAlert], [Pipeline.CreateTicketFrom],
// [Pipeline.StampMetadata]) run their transaction again when it failed
// without committing for a reason that may not recur (store.Retryable: a
// deadlock, a serialization failure, a lock or statement timeout, a
// connection lost before COMMIT), at most store.RetryAttempts times with
// jittered pauses, each run logged at warn. What still fails that way is
// store.Unavailable, which the webhook answers 503 with Retry-After: the
// RMM sends it again, and a delivery that did commit is a replay then.
// A poll page that fails as a whole runs its events through Process.
//
// The noise rollups' triggers (migrations 0020 and 0021, once per
// statement) lock rollup rows in key order within a statement, so two
// transactions that write their alerts in one statement each never
// deadlock on them. Every path writes its alerts so (the INSERT of a new
// alert, a page's alerts in one INSERT or UPDATE, finish's UPDATE; the
// head alert's count is no rollup column) except two, which
// write one alert in two statements: a resolved alert that fires again
// (upsert's new life, then finish) and Reprocess (reopen, then finish).
// Two of those whose routing changed in opposite ways on one day (say
// rule A to B and B to A) can deadlock on the rollup rows; PostgreSQL ends
// one and it runs again, as above.
//
// # Round trips on PostgreSQL
//
// A new alert that opens a ticket is seven statements in three round trips:
// BEGIN with the lock statement, the lookup (lookup.go) and the device's
// and organization's mappings (directory.go); the ticket with
// its comment (desk/insert.go); the alert with its outbox entries and the
// condition's row, sent with COMMIT (insert.go, store.Batch.Defer). On a
// device nobody knew, one round trip more: the device's lock with the
// statement that finds or makes its asset (deviceasset.go). A firing
// that joins an open ticket is three; a reset that closes one is two
// (resetlookup.go reads alert, ticket and live alerts under the locks, the
// alert without its metadata and trace, which its UPDATE merges in SQL,
// storedjson.go; the desk's comment and close, one statement, are
// deferred to COMMIT, desk/deferred.go). Tests compare these hand-written
// statements' rows with ent's and count round trips and statements
// through a TCP proxy.
// plan_test.go runs every event path on 100,000 alerts with auto_explain
// and fails on a statement that reads more than 400 rows, with and without
// statistics (BenchmarkEventPlans: a million).
//
// # Routing configuration
//
// Config holds a tenant's rules, windows, priorities, boards and starting
// statuses and users, built once per integration and configuration
// version (config.go, configcache.go). The device and organization
// mappings grow with the inventory and are not in it: each event reads
// its own, a page or a simulation those of its alerts (Directory), so the
// cache's size does not depend on how many assets a tenant has, and an
// inventory sync leaves it good. tenants.config_version is advanced by
// database triggers on every write to the tables a Config is built from
// ([ConfigTables], migration 0004; the inventory's were dropped in 0023),
// in the writing transaction, so no write path can leave a cache stale;
// each event reads the version in its lock statement, and events that
// need a version another is loading wait for that load (up to a second)
// rather than all loading it after a change. A table added to LoadConfig
// needs its triggers too (TestConfigVersionTriggers, both dialects).
package pipeline
