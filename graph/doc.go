// Package graph is alertdesk's GraphQL API: schema in graph/schema, the
// generated executor in graph/generated, resolvers here (one file per
// concept), served by NewHandler at /graphql.
//
// # Tenancy
//
// A request's bearer token or sign-in session (package auth) becomes a
// tenancy.Viewer (tenant, user, role). Resolvers read and write only through
// tenancy's scoped ent client, which adds tenant_id = <viewer's tenant> to
// every query, eager load and edge traversal, and sets or checks it on every
// write; without a viewer it refuses to run. Another tenant's row is not
// found, with the same answer as an id that exists nowhere. Ticket
// operations run in transactions of that client, through the desk.
//
// Boards, statuses, priorities, clients and assets are retired
// (retired_at), never deleted, since tickets refer to them; pickers leave
// them out and rule validation refuses them. Admin changes that keep an
// invariant (one default board; an open default, an open and a closed live
// status per board) take an advisory lock and check inside the transaction.
//
// # Bounds
//
// Before an operation runs: the body (413 over 1 MiB), the token's rate
// (package ratelimit, a GCRA in Redis shared by replicas; 429), the
// document's text on a parse alone (size, fragments, spreads, fields,
// nesting), list arguments, depth, complexity (lists, lookups and counts
// charged as the statements they run), and a lower bound of its statements
// against the budget (statementestimate.go). While it runs, a per-response
// statement budget is spent by every statement of the scoped client and the
// raw keyset and count queries. A replica runs at most
// ALERTDESK_API_MAX_CONCURRENT operations at once over HTTP (admission.go;
// others wait up to 5 s, then 503), so large pages cannot fill every run
// queue while webhooks wait.
//
// # Lists
//
// A page is a keyset query on the index of its order (keyset.go), and
// totalCount is exact up to a cap, then the planner's estimate, marked as
// such. A text filter on PostgreSQL reads a window of the newest rows first
// and searches the trigram indexes only when the window holds too few
// matches (textpage.go). plan_test.go holds every list to a bounded number
// of rows read at 100,000 alerts. Relations are batched per response
// (loaders.go). A live-feed message's alert is read once per process for
// all its subscribers (feedloads.go), and its response is executed once per
// operation, tenant and role and shared (feedrender.go; a response with
// errors is not): its graphql-transport-ws "next" frame is encoded once and
// each subscription writes it to its socket with its own id, one write,
// without gqlgen's per-response work (wsconn.go).
package graph
