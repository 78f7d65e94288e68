package graph

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/store"
)

// inTx runs fn in a transaction of the tenant-scoped client: committed when
// fn returns nil, rolled back otherwise, so invalid input changes nothing.
// Inside fn use tx only: on SQLite the pool has one connection.
func (r *Resolver) inTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	return store.WithTx(ctx, r.db, fn)
}

// lockKeys serializes concurrent changes of one thing (PostgreSQL advisory
// locks; SQLite runs one transaction at a time anyway).
func (r *Resolver) lockKeys(ctx context.Context, tx *ent.Tx, keys ...string) error {
	return r.store.LockKeys(ctx, tx, keys...)
}
