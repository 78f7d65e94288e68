package main

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Sequence starts set before the capture, so the ids the captured ingest
// creates are distinctive values that cannot be mistaken for anything
// else in its statements.
var captureIDStarts = map[string]int64{
	"alerts":         7000001,
	"tickets":        7100001,
	"comments":       7200001,
	"outbox_entries": 7300001,
	"assets":         7500001, // a new device's
}

// captureTicketNumber is the number the captured ticket gets: a marker
// ticket numbered one less is inserted before the capture.
const captureTicketNumber = 7400001

// Unique parts of the captured webhook: its seriesUid ends in
// captureSeriesToken and its device id is captureDeviceToken. In the
// first-seen script both become the per-transaction random :n.
const (
	captureSeriesPrefix = "ca9c0000-0000-4000-8000-"
	captureSeriesToken  = "777777777777"
	captureDeviceToken  = "888888888888"
)

// freshHeader draws :n, a new seriesUid's last group and device id per
// transaction.
const freshHeader = "\\set n random(100000000000, 999999999999)\n"

// freshBinds are the first-seen capture's unique values, bound to :n.
var freshBinds = []binding{{captureSeriesToken, "n"}, {captureDeviceToken, "n"}}

// scriptPlan is what is known about the captured ingest beyond its
// statements.
type scriptPlan struct {
	// IDStarts are the first ids the capture's inserts got, by table.
	IDStarts map[string]int64
	// TicketNumber is the number of the captured ticket.
	TicketNumber int64
	// Header are the script's first lines (\set …), Binds the captured
	// values they stand for; nil: freshHeader and freshBinds.
	Header string
	Binds  []binding
	// Title is the script's first comment line.
	Title string
}

// scriptStmt is one statement of the generated script.
type scriptStmt struct {
	Label string // short description, e.g. "INSERT alerts"
	Text  string // as written to the script, terminated
}

// binding replaces a captured value by a pgbench variable.
type binding struct {
	Token string // the captured value
	Var   string // the pgbench variable
}

var (
	insertReturningID = regexp.MustCompile(`(?is)^INSERT INTO "?(\w+)"? .* RETURNING "?id"?$`)
	// The next ticket number: a tenant's sequence on PostgreSQL (older
	// versions advanced a counter row).
	nextTicketNumber = regexp.MustCompile(`(?is)^(SELECT\s+nextval\(.*\)|INSERT\s+INTO\s+"?ticket_counters"?\s.*RETURNING\s+last_number)\s*$`)
	// A lookup that draws the id of the row a later statement inserts.
	drawsID = regexp.MustCompile(`(?is)nextval\(pg_get_serial_sequence\('(\w+)'`)
	// A ticket that draws its own number (nextval in its INSERT), alone
	// or with its initial comment in a data-modifying CTE.
	ticketWithNumber = regexp.MustCompile(`(?is)^(?:WITH\s+\w+\s+AS\s+\()?INSERT\s+INTO\s+"?tickets"?\s.*RETURNING\s+id,\s*number(?:\).*SELECT\s+id,\s*number\s+FROM\s+\w+)?\s*$`)
	// A statement that finds a device's asset or makes it (one row, the
	// asset's id first): its id is the asset the alert and ticket name.
	findsOrMakesAsset = regexp.MustCompile(`(?is)^WITH\s.*\bINSERT\s+INTO\s+"?assets"?\s.*\bRETURNING\s+id\b.*\bSELECT\s+id\b`)
)

// buildScript turns the captured statements into a pgbench script:
// parameters inlined as typed literals; the per-ingest unique values
// replaced by expressions of :n (drawn per transaction); ids returned by
// INSERT … RETURNING and the next ticket number captured with \gset and
// substituted where the capture used them.
func buildScript(stmts []stmt, plan scriptPlan) (string, []scriptStmt, error) {
	type producer struct {
		prefix string
		binds  []binding
		// meta is \gset, or \aset for a lookup that draws an id: it
		// returns a row per thing found too, the drawn id last, and
		// \aset keeps the last row where \gset wants exactly one.
		meta string
	}
	producers := make(map[int]producer)
	inserts := map[string]int{}
	sqlOf := make([]string, len(stmts))
	for i, s := range stmts {
		sqlOf[i] = s.SQL
		if !s.Extended {
			continue
		}
		table, meta := "", "\\gset"
		if m := insertReturningID.FindStringSubmatch(s.SQL); m != nil {
			table = m[1]
		} else if ticketWithNumber.MatchString(s.SQL) {
			table = "tickets"
		} else if findsOrMakesAsset.MatchString(s.SQL) {
			table = "assets"
		} else if m := drawsID.FindStringSubmatch(s.SQL); m != nil {
			table, meta = m[1], "\\aset"
		}
		if start, ok := plan.IDStarts[table]; ok {
			k := inserts[table]
			inserts[table]++
			prefix := table + "_"
			if k > 0 {
				prefix = table + strconv.Itoa(k+1) + "_"
			}
			p := producer{prefix, []binding{{strconv.FormatInt(start+int64(k), 10), prefix + "id"}}, meta}
			if ticketWithNumber.MatchString(s.SQL) {
				if plan.TicketNumber <= 0 {
					return "", nil, fmt.Errorf("statement %d draws the ticket number but the captured ticket's number is unknown", i+1)
				}
				p.binds = append(p.binds, binding{strconv.FormatInt(plan.TicketNumber, 10), prefix + "number"})
			}
			producers[i] = p
			continue
		}
		if nextTicketNumber.MatchString(s.SQL) {
			if plan.TicketNumber <= 0 {
				return "", nil, fmt.Errorf("statement %d reads the next ticket number but the captured ticket's number is unknown", i+1)
			}
			v := "ticket_last_number"
			if strings.Contains(strings.ToLower(s.SQL), "nextval") {
				v = "ticket_nextval" // \gset names it after the column
			}
			producers[i] = producer{"ticket_", []binding{{strconv.FormatInt(plan.TicketNumber, 10), v}}, "\\gset"}
		}
	}

	active := append([]binding(nil), plan.Binds...)
	if plan.Binds == nil {
		active = append(active, freshBinds...)
	}
	used := map[string]bool{}
	rendered := make([]string, len(stmts))
	for i, s := range stmts {
		if !s.Extended {
			rendered[i] = sqlOf[i]
		} else {
			if len(s.Types) != len(s.Params) {
				return "", nil, fmt.Errorf("statement %d: parameter types not described", i+1)
			}
			rendered[i] = replacePlaceholders(sqlOf[i], func(n int) string {
				if n < 1 || n > len(s.Params) {
					return "$" + strconv.Itoa(n)
				}
				return renderValue(s.Params[n-1], s.Types[n-1], active, used)
			})
		}
		if p, ok := producers[i]; ok {
			active = append(active, p.binds...)
		}
	}
	// A produced value seen before it was produced would mean the tokens
	// are not distinctive after all.
	for j, p := range producers {
		for i := 0; i <= j; i++ {
			for _, v := range stmts[i].Params {
				for _, bd := range p.binds {
					if v != nil && indexToken(*v, bd.Token, 0) >= 0 {
						return "", nil, fmt.Errorf("statement %d uses %s before statement %d produces it", i+1, bd.Token, j+1)
					}
				}
			}
		}
	}

	var b strings.Builder
	title := plan.Title
	if title == "" {
		title = "One alertdesk webhook ingest (NinjaOne TRIGGERED, new alert, new ticket)"
	}
	b.WriteString("-- " + title + ",\n")
	b.WriteString("-- captured from the PostgreSQL statement log and generated by internal/bench/ingest.\n")
	if plan.Binds == nil {
		b.WriteString("-- n makes the alert id, device id and dedup key unique per transaction.\n")
		b.WriteString(freshHeader)
	} else {
		b.WriteString(plan.Header)
	}
	out := make([]scriptStmt, len(stmts))
	for i, s := range stmts {
		text := rendered[i]
		if p, ok := producers[i]; ok && slices.ContainsFunc(p.binds, func(bd binding) bool { return used[bd.Var] }) {
			text += " " + p.meta + " " + p.prefix
		} else {
			text += ";"
		}
		out[i] = scriptStmt{Label: label(s), Text: text}
		fmt.Fprintf(&b, "\n-- %d %s\n%s\n", i+1, strings.ReplaceAll(out[i].Label, ":", " "), text)
	}
	return b.String(), out, nil
}

// renderValue writes one parameter as a typed SQL expression: a literal,
// or a concatenation of literals and pgbench variables where the value
// contains bound tokens. Timestamps never contain tokens.
func renderValue(v *string, typ string, binds []binding, used map[string]bool) string {
	if v == nil {
		return "NULL::" + typ
	}
	if strings.HasPrefix(typ, "timestamp") || typ == "date" || strings.HasPrefix(typ, "time ") {
		return sqlLiteral(*v) + "::" + typ
	}
	parts := splitTokens(*v, binds)
	if len(parts) == 1 && parts[0].Var == "" {
		return sqlLiteral(*v) + "::" + typ
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, p := range parts {
		if i > 0 {
			b.WriteString(" || ")
		}
		if p.Var != "" {
			used[p.Var] = true
			b.WriteString(":" + p.Var)
		} else {
			b.WriteString(sqlLiteral(p.Lit))
		}
	}
	b.WriteString(")::" + typ)
	return b.String()
}

// part is a literal piece of a value, or a variable.
type part struct {
	Lit string
	Var string
}

// splitTokens cuts v at every whole-word occurrence of a bound token.
func splitTokens(v string, binds []binding) []part {
	binds = append([]binding(nil), binds...)
	sort.SliceStable(binds, func(i, j int) bool { return len(binds[i].Token) > len(binds[j].Token) })
	var out []part
	for v != "" {
		at, which := -1, -1
		for k, bd := range binds {
			if i := indexToken(v, bd.Token, 0); i >= 0 && (at < 0 || i < at) {
				at, which = i, k
			}
		}
		if at < 0 {
			out = append(out, part{Lit: v})
			break
		}
		if at > 0 {
			out = append(out, part{Lit: v[:at]})
		}
		out = append(out, part{Var: binds[which].Var})
		v = v[at+len(binds[which].Token):]
	}
	if len(out) == 0 {
		out = append(out, part{Lit: ""})
	}
	return out
}

// indexToken finds tok in s from byte from on, as a whole word: not
// preceded or followed by a letter or digit.
func indexToken(s, tok string, from int) int {
	for from <= len(s) {
		i := strings.Index(s[from:], tok)
		if i < 0 {
			return -1
		}
		i += from
		end := i + len(tok)
		if (i == 0 || !isAlnum(s[i-1])) && (end == len(s) || !isAlnum(s[end])) {
			return i
		}
		from = i + 1
	}
	return -1
}

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// sqlLiteral quotes s as an SQL string literal that pgbench leaves alone:
// pgbench treats ":name" as a variable even inside quotes (always with
// -M prepared), so a colon before a letter or underscore is written as an
// escape in an E-string literal.
func sqlLiteral(s string) string {
	needE := false
	for i := 0; i+1 < len(s); i++ {
		if s[i] == ':' && isVarStart(s[i+1]) {
			needE = true
			break
		}
	}
	if !needE {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var b strings.Builder
	b.WriteString("E'")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			b.WriteString("''")
		case c == '\\':
			b.WriteString(`\\`)
		case c == ':' && i+1 < len(s) && isVarStart(s[i+1]):
			b.WriteString(`\x3a`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

func isVarStart(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

var (
	reInsert = regexp.MustCompile(`(?i)^INSERT INTO "?(\w+)"?`)
	// every table a data-modifying CTE statement inserts into, in order
	reInsertInto = regexp.MustCompile(`(?i)\bINSERT\s+INTO\s+"?(\w+)"?`)
	reUpdate     = regexp.MustCompile(`(?i)^UPDATE "?(\w+)"? SET (.*?) WHERE`)
	reSetCol     = regexp.MustCompile(`"?(\w+)"?\s*=\s*\$\d+`)
	reFrom       = regexp.MustCompile(`(?i)\bFROM "?(\w+)"?`)
	reWhere      = regexp.MustCompile(`(?is)\bWHERE (.*?)(?:ORDER BY|LIMIT|$)`)
	reWhereCl    = regexp.MustCompile(`"?(\w+)"?(?:\s*=\s*\$\d+|\s+IS\s+(?:NOT\s+)?NULL|\s+IN\s*\()`)
)

// label is a short description of a statement for tables and comments.
func label(s stmt) string {
	sql := s.SQL
	switch {
	case !s.Extended:
		return truncate(sql, 50)
	case strings.Contains(sql, "pg_advisory_xact_lock"):
		var keys []string
		for _, p := range s.Params {
			if k, _, ok := strings.Cut(deref(p), ":"); ok {
				keys = append(keys, k+":…")
			}
		}
		return "advisory lock " + strings.Join(keys, ", ")
	case nextTicketNumber.MatchString(sql) && strings.Contains(strings.ToLower(sql), "nextval"):
		return "nextval of the tenant's ticket-number sequence"
	case nextTicketNumber.MatchString(sql):
		return "UPSERT ticket_counters (own statement, outside the transaction)"
	case strings.HasPrefix(strings.ToUpper(sql), "WITH") && reInsertInto.MatchString(sql):
		var tables []string
		for _, m := range reInsertInto.FindAllStringSubmatch(sql, -1) {
			t := m[1]
			if t == "tickets" && ticketWithNumber.MatchString(sql) {
				t += " (numbered by nextval)"
			}
			tables = append(tables, t)
		}
		return "INSERT " + strings.Join(tables, " and ")
	case ticketWithNumber.MatchString(sql):
		return "INSERT tickets (numbered by nextval)"
	}
	if m := reInsert.FindStringSubmatch(sql); m != nil {
		return "INSERT " + m[1]
	}
	if m := reUpdate.FindStringSubmatch(sql); m != nil {
		var cols []string
		for _, c := range reSetCol.FindAllStringSubmatch(m[2], -1) {
			cols = append(cols, c[1])
		}
		return truncate("UPDATE "+m[1]+" SET "+strings.Join(cols, ", "), 70)
	}
	if u := strings.ToUpper(sql); strings.HasPrefix(u, "SELECT") || strings.HasPrefix(u, "WITH") {
		l := "SELECT"
		if m := reFrom.FindStringSubmatch(sql); m != nil {
			l += " " + m[1]
		}
		if m := reWhere.FindStringSubmatch(sql); m != nil {
			var cols []string
			seen := map[string]bool{}
			for _, c := range reWhereCl.FindAllStringSubmatch(m[1], -1) {
				if c[1] == "tenant_id" || seen[c[1]] {
					continue
				}
				seen[c[1]] = true
				cols = append(cols, c[1])
			}
			if len(cols) > 0 {
				l += " by " + strings.Join(cols, ", ")
			}
		}
		return truncate(l, 70)
	}
	return truncate(sql, 50)
}

func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
