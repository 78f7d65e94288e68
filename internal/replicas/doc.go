// Package replicas holds the multi-replica test: it builds the alertdesk
// binary and runs it as two API and two worker processes on one PostgreSQL
// database and one Redis, drives webhooks of both providers, GraphQL
// mutations, live-feed subscribers on both API replicas, poll schedules and
// outbound resets against fake RMMs, kills one worker and one API replica
// with SIGKILL mid-run and restarts them, and checks that nothing was
// doubled or lost. The package has no code of its own besides the test.
package replicas
