package graph

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/store"
)

// inTx runs fn in a transaction of the tenant-scoped client: committed when
// fn returns nil, rolled back otherwise, so invalid input changes nothing.
// Inside fn use tx only: on SQLite the pool has one connection. A
// transaction that failed for a transient reason without committing (a
// deadlock, say) runs again, a bounded number of times (store.Retry): fn
// must set its results anew on each run and leave everything outside the
// database until after inTx returns.
func (r *Resolver) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.Retry(ctx, func(err error, attempt int, wait time.Duration) {
		r.log.WarnContext(ctx, "graph: transient database error, running the transaction again",
			"path", graphql.GetPath(ctx).String(), "attempt", attempt, "wait", wait, "err", err)
	}, func() error { return store.WithTx(ctx, r.db, fn) })
}

// lockKeys serializes concurrent changes of one thing (PostgreSQL advisory
// locks; SQLite runs one transaction at a time anyway).
func (r *Resolver) lockKeys(ctx context.Context, tx *ent.Tx, keys ...string) error {
	return r.store.LockKeys(ctx, tx, keys...)
}
