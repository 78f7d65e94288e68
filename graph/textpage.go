package graph

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// A text filter (ILIKE '%…%') has no index in the list's order: a common
// text is found quickly by walking the ordered index, a rare one only
// through its trigram index, and the planner tells them apart from
// sampled statistics that can be wrong either way (a rare device name
// taken for a common word walks the whole tenant). So a text page on
// PostgreSQL does not leave the choice to the planner:
//
//  1. it reads the newest textWindow rows after the cursor on the
//     ordered index and keeps the matches: a common text's page is there;
//  2. when the window was full and held too few matches but some, the
//     density seen says how many more rows in order would hold the rest:
//     up to maxTextWalk, it reads them the same way;
//  3. otherwise it finds the rest among older rows through bitmap scans
//     alone (index and sequential scans turned off for that statement's
//     transaction), so the trigram indexes bound the rows read by the
//     matches, not by the table.

// textWindow is how many of the newest rows a text page reads first.
const textWindow = 500

// querier runs a query (a *sql.DB or *sql.Tx).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// textPageIDs is pageIDs for a text-filtered list on PostgreSQL.
func (q listQuery) textPageIDs(ctx context.Context, db *sql.DB, after []any, limit int) ([]int, error) {
	var ids []int
	size := textWindow
	for round := 0; round < 2 && size > 0; round++ {
		w, err := q.readWindow(ctx, db, after, limit-len(ids), size)
		if err != nil {
			return nil, err
		}
		ids = append(ids, w.ids...)
		if len(ids) >= limit || w.rows < size {
			return ids, nil
		}
		after = w.last
		// The first window's matches say how far the ordered walk would
		// go for the rest; past maxTextWalk rows, or with none seen, the
		// trigram indexes are cheaper.
		size = walkFor(limit-len(ids), len(ids), w.rows)
	}
	rest, err := q.searchOlder(ctx, db, after, limit-len(ids))
	if err != nil {
		return nil, err
	}
	return append(ids, rest...), nil
}

// maxTextWalk is the most rows a text page reads in order after its
// first window before it searches the trigram indexes.
const maxTextWalk = 32 * textWindow

// walkFor is the next window's size for need more matches when found
// matches were among read rows: twice the rows expected to hold them,
// rounded up to a doubling of textWindow (a few distinct statements);
// zero when that passes maxTextWalk or nothing was found.
func walkFor(need, found, read int) int {
	if found == 0 {
		return 0
	}
	want := 2 * need * read / found
	for size := 2 * textWindow; size <= maxTextWalk; size *= 2 {
		if want <= size {
			return size
		}
	}
	return 0
}

// window is what the first step read: the matching ids, newest first,
// how many rows it read, and the keys of the oldest.
type window struct {
	ids  []int
	rows int
	last []any
}

// readWindow reads the newest size rows after the cursor and keeps up
// to limit matches.
func (q listQuery) readWindow(ctx context.Context, db *sql.DB, after []any, limit, size int) (window, error) {
	query, args := q.windowSQL(after, limit, size)
	if err := spendStatement(ctx); err != nil {
		return window{}, err
	}
	var (
		w    window
		ids  sql.NullString
		last = make([]any, len(q.keys))
		dest = []any{&w.rows, &ids}
	)
	for i := range last {
		dest = append(dest, &last[i])
	}
	if err := db.QueryRowContext(ctx, query, args...).Scan(dest...); err != nil {
		return window{}, fmt.Errorf("%s text window: %w", q.table, err)
	}
	w.last = last
	if ids.Valid {
		for _, s := range strings.Split(ids.String, ",") {
			id, err := strconv.Atoi(s)
			if err != nil {
				return window{}, fmt.Errorf("%s text window: id %q: %w", q.table, s, err)
			}
			w.ids = append(w.ids, id)
		}
	}
	return w, nil
}

// windowSQL reads the newest size rows after the cursor, one
// ordered index range per branch, and returns in one row: how many it
// read, the first limit matching ids (comma-separated, newest first) and
// the oldest row's keys.
func (q listQuery) windowSQL(after []any, limit, size int) (string, []any) {
	keys := strings.Join(q.keys, ", ")
	orderBy := " ORDER BY " + q.descending()
	hit := "(" + strings.Join(q.text.sql, " AND ") + ") AS hit"
	var args []any
	parts := []string{}
	for i, c := range q.branchConds(q.where, after) {
		parts = append(parts, fmt.Sprintf("SELECT * FROM (SELECT %s, %s FROM %s%s%s LIMIT %d) b%d",
			keys, hit, q.table, c.where(), orderBy, size, i))
		args = append(args, q.text.args...)
		args = append(args, c.args...)
	}
	asc := make([]string, len(q.keys))
	last := make([]string, len(q.keys))
	for i, k := range q.keys {
		asc[i], last[i] = k+" ASC", "l."+k
	}
	query := "WITH w AS (SELECT * FROM (" + strings.Join(parts, " UNION ALL ") + ") u" + orderBy +
		" LIMIT " + strconv.Itoa(size) + "), " +
		"l AS (SELECT " + keys + " FROM w ORDER BY " + strings.Join(asc, ", ") + " LIMIT 1) " +
		"SELECT (SELECT count(*) FROM w), " +
		"(SELECT string_agg(id::text, ','" + orderBy + ") FROM (SELECT " + keys + " FROM w WHERE hit" + orderBy +
		" LIMIT " + strconv.Itoa(limit) + ") m), " + strings.Join(last, ", ") +
		" FROM (SELECT 1) one LEFT JOIN l ON true"
	return q.bind(query), args
}

// searchOlder is step 2: the newest limit matches older than the window,
// by bitmap scans only.
func (q listQuery) searchOlder(ctx context.Context, db *sql.DB, before []any, limit int) ([]int, error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("%s text search: %w", q.table, err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, bitmapOnly); err != nil {
		return nil, fmt.Errorf("%s text search: %w", q.table, err)
	}
	query, args := q.olderSQL(before, limit)
	ids, err := q.queryIDs(ctx, tx, query, args)
	if err != nil {
		return nil, err
	}
	return ids, tx.Commit()
}

// bitmapOnly leaves the planner bitmap scans alone for the rest of the
// transaction.
const bitmapOnly = `SELECT set_config('enable_indexscan', 'off', true), set_config('enable_indexonlyscan', 'off', true), set_config('enable_seqscan', 'off', true)`

// olderSQL is searchOlder's query.
func (q listQuery) olderSQL(before []any, limit int) (string, []any) {
	c := q.matching().and(q.before(before))
	return q.bind("SELECT id FROM " + q.table + c.where() + " ORDER BY " + q.descending() + " LIMIT " + strconv.Itoa(limit)), c.args
}
