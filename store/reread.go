package store

import (
	"context"
	"database/sql"
	"strings"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
)

// Driver is the ent driver of db: on PostgreSQL, a read outside a
// transaction that finds its pooled connection dead (the server ended the
// backend after it was last checked) is sent once more, on a live or
// fresh connection. A SELECT changes nothing, so running it twice is
// safe; writes are not repeated, as their first try may have committed.
// (pgx already retries any statement that never left the client.)
// Transactions retry their BEGIN instead (see WithTx).
func Driver(dialectName string, db *sql.DB) dialect.Driver {
	drv := entsql.OpenDB(dialectName, db)
	if dialectName != dialect.Postgres {
		return drv
	}
	return rereading{drv}
}

type rereading struct{ *entsql.Driver }

func (d rereading) Query(ctx context.Context, query string, args, v any) error {
	err := d.Driver.Query(ctx, query, args, v)
	if err != nil && isRead(query) && retryBegin(ctx, err) {
		err = d.Driver.Query(ctx, query, args, v)
	}
	return err
}

func (d rereading) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := d.Driver.QueryContext(ctx, query, args...)
	if err != nil && isRead(query) && retryBegin(ctx, err) {
		rows, err = d.Driver.QueryContext(ctx, query, args...)
	}
	return rows, err
}

// isRead reports whether query is a plain SELECT (not one that locks rows,
// which only means something inside a transaction).
func isRead(query string) bool {
	q := strings.TrimSpace(query)
	if len(q) < 6 || !strings.EqualFold(q[:6], "SELECT") {
		return false
	}
	return !strings.Contains(strings.ToUpper(q), " FOR UPDATE")
}
