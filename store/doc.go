// Package store opens alertdesk's database: PostgreSQL (through pgx) when a
// URL is configured, otherwise an embedded SQLite file (pure Go, no cgo).
// It owns the ent client, migrations on open, transactions and the
// advisory locks that serialize concurrent work.
//
// # Pools and deadlines
//
// On PostgreSQL a replica has four pools on one database: the main one
// (API, workers), webhook ingest's ([Store.Ingest]), health and token
// checks' ([Store.Control]) and a small one for ticket-number sequences, so
// API load never takes every connection from webhooks or /readyz. Every
// connection carries statement_timeout and lock_timeout (advisory locks
// included). [WithTx] and [Store.BatchTx] send BEGIN once more when
// the pooled connection turns out dead, and a plain SELECT that meets one is
// sent once more ([Driver]); writes are never repeated.
//
// # Transient errors
//
// [Unavailable] says a request failed for now, not for good: a deadline
// (the caller's, statement_timeout, lock_timeout), a deadlock or
// serialization failure, too many connections, a lost connection. Such a
// request is answered 503 with Retry-After (webhooks, sign-in) or
// UNAVAILABLE (GraphQL), never 500. [Retryable] is the part of it worth
// running again at once, inside the server: the database refused the
// transaction, so nothing of it committed. A connection lost while COMMIT
// was under way is not (the transaction may have committed), nor is the
// caller's own deadline. [Retry] runs a transaction again on those, at
// most [RetryAttempts] times in all with random pauses (full jitter, up to
// 400 ms); the event path (pipeline.Process, the stored-alert actions)
// and GraphQL mutations run through it.
//
// # Batches
//
// [Store.BatchTx] runs a transaction on one pooled connection: BEGIN and the
// first statements (the pipeline's locks and lookup) go as one pgx batch,
// and statements deferred with [Batch.Defer] go with COMMIT, or before the
// transaction's next statement so later reads see them. PostgreSQL runs a
// batch's statements in order, so a lookup after the locks sees what the
// locks' previous holder committed.
package store
