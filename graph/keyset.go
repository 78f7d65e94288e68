package graph

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/graph/model"
)

// A list page is read in two steps: the page's ids by keyset over an index
// that matches the list's order and filter (listQuery), then the rows with
// ent, eager-loaded for the fields asked. The first step reads the page's
// index entries and no more, whatever the list's size or the page's depth;
// a filter of several values (status, severity) reads one index range per
// value and merges the few rows found.

// totalCountCap is how far totalCount counts exactly; beyond it the
// answer is the planner's estimate, marked as such.
const totalCountCap = 10_000

// textCountCap is totalCountCap for a list filtered by text: a common word
// is found all over the table, and counting 10,000 of its matches reads
// tens of thousands of rows, where 1,000 read a few thousand.
const textCountCap = 1_000

// conds is a conjunction of SQL conditions with ? placeholders.
type conds struct {
	sql  []string
	args []any
}

func (c *conds) add(cond string, args ...any) {
	c.sql = append(c.sql, cond)
	c.args = append(c.args, args...)
}

// and returns c and o together.
func (c conds) and(o conds) conds {
	return conds{sql: append(append([]string{}, c.sql...), o.sql...), args: append(append([]any{}, c.args...), o.args...)}
}

func (c conds) where() string {
	if len(c.sql) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(c.sql, " AND ")
}

// anyOf returns one conds per value: column = value.
func anyOf[T any](column string, values []T) []conds {
	out := make([]conds, len(values))
	for i, v := range values {
		out[i].add(column+" = ?", v)
	}
	return out
}

// cross returns every combination of one conds of each list (none of an
// empty list); nil when every list is empty.
func cross(lists ...[]conds) []conds {
	var out []conds
	for _, l := range lists {
		if len(l) > 0 && out == nil {
			out = []conds{{}}
		}
		if len(l) == 0 {
			continue
		}
		var next []conds
		for _, o := range out {
			for _, c := range l {
				next = append(next, o.and(c))
			}
		}
		out = next
	}
	return out
}

// listQuery is the keyset query of a list: rows of table matching where
// and one of branches, by keys descending (the last key is the unique
// id).
type listQuery struct {
	postgres bool
	table    string
	keys     []string
	where    conds
	branches []conds
	// text is a text match, kept apart from where because no index
	// orders its matches: see textPageIDs.
	text conds
	// countCap is how far total counts exactly; zero is totalCountCap.
	countCap int
}

func (q listQuery) cap() int {
	if q.countCap > 0 {
		return q.countCap
	}
	return totalCountCap
}

// pageIDs returns up to limit ids after the cursor (the keys' values of
// the last row of the previous page; nil for the first page).
func (q listQuery) pageIDs(ctx context.Context, db *sql.DB, after []any, limit int) ([]int, error) {
	if q.postgres && len(q.text.sql) > 0 {
		return q.textPageIDs(ctx, db, after, limit)
	}
	query, args := q.pageSQL(after, limit)
	return q.queryIDs(ctx, db, query, args)
}

// queryIDs runs a query of ids.
func (q listQuery) queryIDs(ctx context.Context, db querier, query string, args []any) ([]int, error) {
	if err := spendStatement(ctx); err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s page: %w", q.table, err)
	}
	defer rows.Close()
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("%s page: %w", q.table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s page: %w", q.table, err)
	}
	return ids, nil
}

// pageSQL is pageIDs' query, placeholders bound for the dialect.
func (q listQuery) pageSQL(after []any, limit int) (string, []any) {
	orderBy := " ORDER BY " + q.descending()
	lim := " LIMIT " + strconv.Itoa(limit)
	keys := strings.Join(q.keys, ", ")
	branches := q.branchConds(q.filter(), after)
	if len(branches) == 1 {
		c := branches[0]
		return q.bind("SELECT id FROM " + q.table + c.where() + orderBy + lim), c.args
	}
	var args []any
	parts := make([]string, len(branches))
	for i, c := range branches {
		parts[i] = fmt.Sprintf("SELECT %s FROM (SELECT %s FROM %s%s%s%s) b%d", keys, keys, q.table, c.where(), orderBy, lim, i)
		args = append(args, c.args...)
	}
	return q.bind("SELECT id FROM (" + strings.Join(parts, " UNION ALL ") + ") u" + orderBy + lim), args
}

// branchConds returns base, after the cursor, and each branch: one
// condition per index range a page reads.
func (q listQuery) branchConds(base conds, after []any) []conds {
	base = base.and(q.before(after))
	if len(q.branches) == 0 {
		return []conds{base}
	}
	out := make([]conds, len(q.branches))
	for i, b := range q.branches {
		out[i] = base.and(b)
	}
	return out
}

// before is the condition of rows after the cursor in the list's order
// (none without a cursor): a row value compares as the order does, and
// is an index bound.
func (q listQuery) before(after []any) conds {
	var c conds
	if after != nil {
		c.add("("+strings.Join(q.keys, ", ")+") < ("+placeholders(len(after))+")", after...)
	}
	return c
}

// descending is the list's order: its keys, descending.
func (q listQuery) descending() string {
	order := make([]string, len(q.keys))
	for i, k := range q.keys {
		order[i] = k + " DESC"
	}
	return strings.Join(order, ", ")
}

// placeholders is n comma-separated ? marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// filter is where and the text match.
func (q listQuery) filter() conds { return q.where.and(q.text) }

// matching is the list's condition without a cursor: where, the text
// match and any branch.
func (q listQuery) matching() conds {
	c := q.filter()
	if len(q.branches) > 0 {
		ors := make([]string, len(q.branches))
		var args []any
		for i, b := range q.branches {
			ors[i] = "(" + strings.Join(b.sql, " AND ") + ")"
			args = append(args, b.args...)
		}
		c.add("("+strings.Join(ors, " OR ")+")", args...)
	}
	return c
}

// total counts the matching rows up to the list's cap; past it, on
// PostgreSQL, it returns the planner's estimate (at least the cap) and
// true. SQLite, for small embedded installations, always counts.
func (q listQuery) total(ctx context.Context, db *sql.DB) (model.Total, error) {
	c := q.matching()
	if err := spendStatement(ctx); err != nil {
		return model.Total{}, err
	}
	if !q.postgres {
		var n int
		err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+q.table+c.where(), c.args...).Scan(&n)
		if err != nil {
			return model.Total{}, fmt.Errorf("%s count: %w", q.table, err)
		}
		return model.Total{Count: n}, nil
	}
	countSQL, args := q.countSQL()
	var n int
	if err := db.QueryRowContext(ctx, countSQL, args...).Scan(&n); err != nil {
		return model.Total{}, fmt.Errorf("%s count: %w", q.table, err)
	}
	if n <= q.cap() {
		return model.Total{Count: n}, nil
	}
	var plan []byte
	if err := spendStatement(ctx); err != nil {
		return model.Total{}, err
	}
	if err := db.QueryRowContext(ctx, q.bind("EXPLAIN (FORMAT JSON) SELECT 1 FROM "+q.table+c.where()), c.args...).Scan(&plan); err != nil {
		return model.Total{}, fmt.Errorf("%s estimate: %w", q.table, err)
	}
	var p []struct {
		Plan struct {
			Rows float64 `json:"Plan Rows"`
		}
	}
	if err := json.Unmarshal(plan, &p); err != nil || len(p) == 0 {
		return model.Total{}, fmt.Errorf("%s estimate: unreadable plan: %v", q.table, err)
	}
	return model.Total{Count: max(int(p[0].Plan.Rows), q.cap()+1), Estimate: true}, nil
}

// countSQL counts the matching rows, up to one past the list's cap
// (PostgreSQL).
func (q listQuery) countSQL() (string, []any) {
	c := q.matching()
	return q.bind("SELECT count(*) FROM (SELECT 1 FROM " + q.table + c.where() + " LIMIT " + strconv.Itoa(q.cap()+1) + ") c"), c.args
}

// bind numbers the placeholders for PostgreSQL ($1, $2, …).
func (q listQuery) bind(query string) string {
	if !q.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// likeOp is the case-insensitive LIKE of the dialect (SQLite's LIKE
// already ignores ASCII case).
func (q listQuery) likeOp() string {
	if q.postgres {
		return "ILIKE"
	}
	return "LIKE"
}

// containsPattern is a LIKE pattern matching text anywhere, with the
// wildcards of text escaped (ESCAPE '\').
func containsPattern(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(text) + "%"
}

// inOrder returns rows ordered as ids (rows missing from ids are dropped).
func inOrder[T any](ids []int, rows []T, id func(T) int) []T {
	pos := make(map[int]int, len(ids))
	for i, v := range ids {
		pos[v] = i
	}
	out := make([]T, len(ids))
	found := make([]bool, len(ids))
	for _, r := range rows {
		if i, ok := pos[id(r)]; ok {
			out[i], found[i] = r, true
		}
	}
	// A row deleted between the two reads leaves a hole.
	kept := out[:0]
	for i, r := range out {
		if found[i] {
			kept = append(kept, r)
		}
	}
	return kept
}
