package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/alertdesk/alertdesk/ent"
)

// A Statement is one statement sent in a batch: its SQL in the store's
// dialect, its arguments, and what reads its rows.
type Statement struct {
	// Name prefixes the statement's errors ("pipeline: lock").
	Name string
	SQL  string
	Args []any
	// Read reads the statement's rows; nil discards them.
	Read func(Rows) error
}

// Rows are a statement's result rows as Statement.Read gets them: the part
// of *sql.Rows that rows read from a batch have too.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
}

// A Batch holds the writes of a BatchTx transaction whose results nobody
// reads, so that PostgreSQL gets them with the next round trip.
type Batch struct {
	pg *connTx // PostgreSQL
	tx *ent.Tx // SQLite: statements run at once
}

// Defer queues st (its Read is ignored). On PostgreSQL it goes to the
// server with COMMIT, or before the transaction's next statement, and its
// error, wrapped with st.Name, is the commit's or that statement's; on
// SQLite it runs at once.
func (b *Batch) Defer(ctx context.Context, st Statement) error {
	if b.pg != nil {
		st.Read = nil
		b.pg.deferred = append(b.pg.deferred, st)
		return nil
	}
	if _, err := b.tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
		return fmt.Errorf("%s: %w", st.Name, err)
	}
	return nil
}

// Send runs stmts in the transaction and reads their rows: on PostgreSQL
// in one round trip, after the statements deferred so far.
func (b *Batch) Send(ctx context.Context, stmts ...Statement) error {
	if b.pg == nil {
		for _, st := range stmts {
			if err := runStatement(ctx, b.tx, st); err != nil {
				return err
			}
		}
		return nil
	}
	all := append(b.pg.deferred, stmts...)
	b.pg.deferred = nil
	return b.pg.send(ctx, "", all, "")
}

// BatchTx runs fn in a transaction like Tx, in fewer round trips on
// PostgreSQL: BEGIN and the first statements go to the server together and
// are read before fn runs, and what fn defers on the Batch goes with
// COMMIT. Statements fn runs through tx take a round trip each, as in Tx.
// (database/sql sends one statement per round trip; this runs on pgx's own
// pipeline through a connection of the pool.) On SQLite, in process, the
// first statements and deferred ones simply run in order.
func (s *Store) BatchTx(ctx context.Context, first []Statement, fn func(tx *ent.Tx, b *Batch) error) error {
	if !s.IsPostgres() {
		return s.Tx(ctx, func(tx *ent.Tx) error {
			for _, st := range first {
				if err := runStatement(ctx, tx, st); err != nil {
					return err
				}
			}
			return fn(tx, &Batch{tx: tx})
		})
	}
	done, err := s.turn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	defer done()
	conn, err := s.DB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("store: begin transaction: %w", err)
	}
	t := &connTx{ctx: ctx, db: s.DB, conn: conn, first: first}
	// A connection given back inside a transaction (a failed ROLLBACK) is
	// closed by the driver, not reused.
	defer func() { t.conn.Close() }()
	t.Conn = entsql.Conn{ExecQuerier: t}
	// connTx.Tx retries BEGIN itself, on a connection of its choosing.
	return withTx(ctx, ent.NewClient(ent.Driver(t)), false, func(tx *ent.Tx) error {
		return fn(tx, &Batch{pg: t})
	})
}

// Run runs st alone in tx, a round trip.
func (st Statement) Run(ctx context.Context, tx *ent.Tx) error { return runStatement(ctx, tx, st) }

// runStatement runs st in tx and hands its rows to st.Read.
func runStatement(ctx context.Context, tx *ent.Tx, st Statement) error {
	if st.Read == nil {
		if _, err := tx.ExecContext(ctx, st.SQL, st.Args...); err != nil {
			return fmt.Errorf("%s: %w", st.Name, err)
		}
		return nil
	}
	rows, err := tx.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		return fmt.Errorf("%s: %w", st.Name, err)
	}
	defer rows.Close()
	if err := st.Read(rows); err != nil {
		return fmt.Errorf("%s: %w", st.Name, err)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return fmt.Errorf("%s: %w", st.Name, err)
	}
	return nil
}

// connTx is a PostgreSQL transaction on one connection, serving both as
// the ent driver a BatchTx client is opened on and as the transaction it
// begins. Statements from ent and from tx.ExecContext/QueryContext go
// through database/sql; BEGIN with the first statements, and the deferred
// statements with COMMIT, go as pgx batches.
type connTx struct {
	entsql.Conn // Exec and Query for ent, through the methods below
	ctx         context.Context
	db          *sql.DB // for a second connection, see Tx
	conn        *sql.Conn
	first       []Statement
	deferred    []Statement
}

var (
	_ dialect.Driver = (*connTx)(nil)
	_ dialect.Tx     = (*connTx)(nil)
)

// Tx begins the transaction (ent's Client.Tx calls it once). When the
// connection turns out dead, BEGIN and the first statements go once more
// on another one: a dead connection's transaction cannot commit, and fn
// has not run (see retryBegin).
func (t *connTx) Tx(ctx context.Context) (dialect.Tx, error) {
	err := t.send(ctx, "begin", t.first, "")
	if err != nil && retryBegin(ctx, err) {
		_ = t.conn.Close()
		conn, cerr := t.db.Conn(ctx)
		if cerr != nil {
			return nil, errors.Join(err, fmt.Errorf("store: begin transaction again: %w", cerr))
		}
		t.conn = conn
		err = t.send(ctx, "begin", t.first, "")
	}
	if err != nil {
		return nil, t.abort(err)
	}
	t.first = nil
	return t, nil
}

// Close implements dialect.Driver; the connection is BatchTx's to close.
func (*connTx) Close() error { return nil }

// Dialect implements dialect.Driver.
func (*connTx) Dialect() string { return dialect.Postgres }

// ExecContext runs a statement after the deferred ones.
func (t *connTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.conn.ExecContext(ctx, query, args...)
}

// QueryContext runs a query after the deferred statements.
func (t *connTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.conn.QueryContext(ctx, query, args...)
}

func (t *connTx) flush(ctx context.Context) error {
	if len(t.deferred) == 0 {
		return nil
	}
	err := t.send(ctx, "", t.deferred, "")
	t.deferred = nil
	return err
}

// Commit sends the deferred statements and COMMIT in one round trip.
func (t *connTx) Commit() error {
	err := t.send(t.ctx, "", t.deferred, "commit")
	t.deferred = nil
	if err != nil {
		return t.abort(err)
	}
	return nil
}

// Rollback drops the deferred statements and rolls back.
func (t *connTx) Rollback() error {
	t.deferred = nil
	return t.rollback()
}

// rollback runs even when the transaction's context is done: a connection
// left inside a transaction would be closed instead of reused. Outside a
// transaction it is a no-op (PostgreSQL warns, nothing fails).
func (t *connTx) rollback() error {
	_, err := t.conn.ExecContext(context.WithoutCancel(t.ctx), "rollback")
	return err
}

// abort ends a transaction that BEGIN or COMMIT's batch left failed.
func (t *connTx) abort(err error) error {
	if rerr := t.rollback(); rerr != nil {
		return errors.Join(err, fmt.Errorf("store: rollback: %w", rerr))
	}
	return err
}

// send runs head, stmts and tail (head and tail without arguments or
// rows; "" for none) as one pgx batch, in one round trip once the
// connection has prepared them. If a statement fails, PostgreSQL skips the
// rest and the transaction stays aborted until rolled back.
func (t *connTx) send(ctx context.Context, head string, stmts []Statement, tail string) error {
	return t.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: batch: driver connection is %T, want pgx", dc)
		}
		b := &pgx.Batch{}
		if head != "" {
			b.Queue(head)
		}
		for _, st := range stmts {
			b.Queue(st.SQL, st.Args...)
		}
		if tail != "" {
			b.Queue(tail)
		}
		br := c.Conn().SendBatch(ctx, b)
		err := readBatch(br, head, stmts, tail)
		if cerr := br.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("store: batch: %w", cerr)
		}
		return err
	})
}

// readBatch reads the results of a batch sent by send, in order, and
// returns the first error.
func readBatch(br pgx.BatchResults, head string, stmts []Statement, tail string) error {
	if head != "" {
		if _, err := br.Exec(); err != nil {
			return failed("store: "+head, stmts, err)
		}
	}
	for _, st := range stmts {
		if err := readResult(br, st); err != nil {
			return failed(st.Name, stmts, err)
		}
	}
	if tail != "" {
		if _, err := br.Exec(); err != nil {
			return failed("store: "+tail, stmts, err)
		}
	}
	return nil
}

// failed names the statement err is about: a batch whose statements
// could not be prepared fails on its first result, whichever was at fault.
func failed(name string, stmts []Statement, err error) error {
	var pe pgx.ErrPreprocessingBatch
	if errors.As(err, &pe) {
		for _, st := range stmts {
			if st.SQL == pe.SQL() {
				name = st.Name
				break
			}
		}
	}
	return fmt.Errorf("%s: %w", name, err)
}

func readResult(br pgx.BatchResults, st Statement) error {
	if st.Read == nil {
		_, err := br.Exec()
		return err
	}
	rows, err := br.Query()
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := st.Read(rows); err != nil {
		return err
	}
	rows.Close()
	return rows.Err()
}
