package graph

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/alertdesk/alertdesk/ent"
)

// inTx runs fn in a transaction of the tenant-scoped client: committed when
// fn returns nil, rolled back otherwise, so invalid input changes nothing.
// Inside fn use tx only: on SQLite the pool has one connection.
func (r *Resolver) inTx(ctx context.Context, fn func(tx *ent.Tx) error) (err error) {
	tx, err := r.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("graph: begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil && !errors.Is(rerr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("graph: rollback: %w", rerr))
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("graph: commit: %w", err)
	}
	return nil
}

// lockKeys serializes concurrent changes of one thing (PostgreSQL advisory
// locks; SQLite runs one transaction at a time anyway).
func (r *Resolver) lockKeys(ctx context.Context, tx *ent.Tx, keys ...string) error {
	return r.store.LockKeys(ctx, tx, keys...)
}
