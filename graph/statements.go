package graph

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"

	"entgo.io/ent/dialect"
)

// DefaultMaxStatements bounds the SQL statements one response may run.
const DefaultMaxStatements = 200

// CodeStatementLimit is the code of a field refused because its response
// has run as many statements as it may.
const CodeStatementLimit = "STATEMENT_LIMIT_EXCEEDED"

// statementBudget counts the statements of one response (an operation, or
// one event of a subscription). Complexity estimates a request before it
// runs; the budget bounds what it actually does, whatever the estimate
// missed: once spent, every further statement fails at once, so the
// response ends quickly instead of running on.
type statementBudget struct {
	max  int64
	used atomic.Int64
}

type budgetKey struct{}

func withStatementBudget(ctx context.Context, max int) context.Context {
	return context.WithValue(ctx, budgetKey{}, &statementBudget{max: int64(max)})
}

// spendStatement takes one statement from the budget of ctx, if it has one.
func spendStatement(ctx context.Context) error {
	b, ok := ctx.Value(budgetKey{}).(*statementBudget)
	if !ok {
		return nil
	}
	if b.used.Add(1) > b.max {
		return coded(CodeStatementLimit,
			"the request needs more than %d database statements, which exceeds the limit; select fewer lists, counts or aliases", b.max)
	}
	return nil
}

// countingDriver spends a statement of the context's budget on each
// statement sent through it, in or outside transactions.
type countingDriver struct{ dialect.Driver }

func (d countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	if err := spendStatement(ctx); err != nil {
		return err
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func (d countingDriver) Query(ctx context.Context, query string, args, v any) error {
	if err := spendStatement(ctx); err != nil {
		return err
	}
	return d.Driver.Query(ctx, query, args, v)
}

func (d countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return countingTx{tx}, nil
}

// BeginTx is the underlying driver's, counted like Tx.
func (d countingDriver) BeginTx(ctx context.Context, opts *sql.TxOptions) (dialect.Tx, error) {
	drv, ok := d.Driver.(interface {
		BeginTx(context.Context, *sql.TxOptions) (dialect.Tx, error)
	})
	if !ok {
		return nil, fmt.Errorf("graph: driver %T does not support BeginTx", d.Driver)
	}
	tx, err := drv.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return countingTx{tx}, nil
}

type countingTx struct{ dialect.Tx }

func (t countingTx) Exec(ctx context.Context, query string, args, v any) error {
	if err := spendStatement(ctx); err != nil {
		return err
	}
	return t.Tx.Exec(ctx, query, args, v)
}

func (t countingTx) Query(ctx context.Context, query string, args, v any) error {
	if err := spendStatement(ctx); err != nil {
		return err
	}
	return t.Tx.Query(ctx, query, args, v)
}

// ExecContext and QueryContext pass raw statements through (ent's
// ExecContext, store.LockKeys), counted.
func (d countingDriver) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, d.Driver, query, args)
}

func (d countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, d.Driver, query, args)
}

func (t countingTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return execContext(ctx, t.Tx, query, args)
}

func (t countingTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return queryContext(ctx, t.Tx, query, args)
}

func execContext(ctx context.Context, under any, query string, args []any) (sql.Result, error) {
	ex, ok := under.(interface {
		ExecContext(context.Context, string, ...any) (sql.Result, error)
	})
	if !ok {
		return nil, fmt.Errorf("graph: %T does not support ExecContext", under)
	}
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	return ex.ExecContext(ctx, query, args...)
}

func queryContext(ctx context.Context, under any, query string, args []any) (*sql.Rows, error) {
	q, ok := under.(interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	})
	if !ok {
		return nil, fmt.Errorf("graph: %T does not support QueryContext", under)
	}
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	return q.QueryContext(ctx, query, args...)
}
