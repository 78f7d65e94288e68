// Package plancheck reads PostgreSQL's JSON plans, from EXPLAIN (ANALYZE,
// FORMAT JSON) or from auto_explain, and says how many rows a statement
// read: the figure that grows with a table when a plan scans.
package plancheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
)

// A Plan is one statement's plan as it ran.
type Plan struct {
	Query string `json:"Query Text"`
	Root  Node   `json:"Plan"`
}

// A Node is a plan node with the figures ANALYZE adds.
type Node struct {
	Type      string  `json:"Node Type"`
	Operation string  `json:"Operation"`
	Parent    string  `json:"Parent Relationship"`
	Relation  string  `json:"Relation Name"`
	Index     string  `json:"Index Name"`
	Rows      float64 `json:"Actual Rows"`
	Loops     float64 `json:"Actual Loops"`
	Filtered  float64 `json:"Rows Removed by Filter"`
	Rechecked float64 `json:"Rows Removed by Index Recheck"`
	// Buffers (EXPLAIN's BUFFERS, auto_explain.log_buffers): a node's
	// figures include its children's.
	SharedHit  float64 `json:"Shared Hit Blocks"`
	SharedRead float64 `json:"Shared Read Blocks"`
	Plans      []Node  `json:"Plans"`
}

// Buffers is the shared buffers the plan touched, found in the cache or
// read: a statement that only probes indexes touches a few per index
// level, whatever the table's size.
func (n Node) Buffers() float64 { return n.SharedHit + n.SharedRead }

// RowsRead is the rows the plan's scans read from tables and indexes,
// those their filters dropped included, over every loop. A bitmap's heap
// scan counts its rows, not its index scan's too.
func (n Node) RowsRead() float64 {
	var read float64
	switch n.Type {
	case "Seq Scan", "Index Scan", "Index Only Scan", "Bitmap Heap Scan", "Tid Scan", "Sample Scan":
		read = (n.Rows + n.Filtered + n.Rechecked) * max(n.Loops, 1)
	}
	for _, c := range n.Plans {
		read += c.RowsRead()
	}
	return read
}

// UpdateWrites is the most buffers one UPDATE node of the plan touched
// itself, past the scan that found its rows: a version that stays on its
// page (a HOT update) touches the page and little else; one that moves
// adds an entry to every index of the table, a few buffers each.
func (n Node) UpdateWrites() float64 {
	var most float64
	if n.Type == "ModifyTable" && n.Operation == "Update" {
		// Less every child's: the scan that found the rows, and an
		// InitPlan such as a data-modifying CTE, another table's writes,
		// which EXPLAIN counts in its parent's too (a joined firing's
		// ticket update counted its comment's insert: 10 buffers, 1 own).
		own := n.Buffers()
		for _, c := range n.Plans {
			own -= c.Buffers()
		}
		most = own
	}
	for _, c := range n.Plans {
		most = max(most, c.UpdateWrites())
	}
	return most
}

// SortInput is the largest input one Sort node of the plan sorted: a
// page that sorts every match grows with the table.
func (n Node) SortInput() float64 {
	var in float64
	if n.Type == "Sort" || n.Type == "Incremental Sort" {
		for _, c := range n.Plans {
			in += c.Rows * max(c.Loops, 1)
		}
	}
	for _, c := range n.Plans {
		in = max(in, c.SortInput())
	}
	return in
}

// Scans describes the plan's scans, for a failure message.
func (n Node) Scans() string {
	var b strings.Builder
	n.scans(&b)
	return strings.TrimSuffix(b.String(), "; ")
}

func (n Node) scans(b *strings.Builder) {
	if n.Relation != "" || n.Index != "" {
		fmt.Fprintf(b, "%s on %s %s: %.0f rows (+%.0f filtered) x %.0f loops; ",
			n.Type, n.Relation, n.Index, n.Rows, n.Filtered+n.Rechecked, n.Loops)
	}
	for _, c := range n.Plans {
		c.scans(b)
	}
}

// ParseExplain reads EXPLAIN (ANALYZE, FORMAT JSON)'s output.
func ParseExplain(out []byte) (Plan, error) {
	var plans []Plan
	if err := json.Unmarshal(out, &plans); err != nil || len(plans) != 1 {
		return Plan{}, fmt.Errorf("plancheck: not one JSON plan: %v", err)
	}
	return plans[0], nil
}

// AutoExplain is the runtime parameters that make a connection report the
// plan of every statement it runs, nested ones included, as a notice
// (auto_explain, which loading per session needs a superuser for).
var AutoExplain = map[string]string{
	"session_preload_libraries":          "auto_explain",
	"auto_explain.log_min_duration":      "0",
	"auto_explain.log_analyze":           "on",
	"auto_explain.log_buffers":           "on",
	"auto_explain.log_format":            "json",
	"auto_explain.log_level":             "notice",
	"auto_explain.log_nested_statements": "on",
	"auto_explain.log_timing":            "off",
}

// A Recorder keeps the plans auto_explain reports; its OnNotice goes in a
// pgx connection's configuration.
type Recorder struct {
	mu    sync.Mutex
	on    bool
	plans []Plan
	err   error
}

// OnNotice records a notice that carries a plan while recording is on.
func (r *Recorder) OnNotice(_ *pgconn.PgConn, n *pgconn.Notice) {
	i := strings.Index(n.Message, "{")
	if i < 0 || !strings.Contains(n.Message[:i], "plan:") {
		return
	}
	var p Plan
	err := json.Unmarshal([]byte(n.Message[i:]), &p)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case !r.on:
	case err != nil:
		r.err = fmt.Errorf("plancheck: read auto_explain plan: %w", err)
	default:
		r.plans = append(r.plans, p)
	}
}

// Record runs fn with recording on and returns the plans of the statements
// it ran.
func (r *Recorder) Record(fn func()) ([]Plan, error) {
	r.mu.Lock()
	r.on, r.plans, r.err = true, nil, nil
	r.mu.Unlock()
	fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.plans, r.err
}
