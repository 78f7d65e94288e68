package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgLog reads the PostgreSQL server log: directly when this process may,
// else through pg_read_binary_file (superuser).
type pgLog struct {
	path string
	conn *pgx.Conn // admin connection, for the pg_read_binary_file fallback
}

// findPGLog locates the server's log file: override, else
// pg_current_logfile() (logging collector), else the Debian/Ubuntu
// default for the cluster (/var/log/postgresql/postgresql-15-main.log).
func findPGLog(ctx context.Context, conn *pgx.Conn, override string) (*pgLog, error) {
	l := &pgLog{path: override, conn: conn}
	if l.path == "" {
		var cur *string
		if err := conn.QueryRow(ctx, "SELECT pg_current_logfile()").Scan(&cur); err != nil {
			return nil, fmt.Errorf("pg_current_logfile: %w", err)
		}
		if cur != nil && *cur != "" {
			l.path = *cur
			if !strings.HasPrefix(l.path, "/") {
				var dataDir string
				if err := conn.QueryRow(ctx, "SHOW data_directory").Scan(&dataDir); err != nil {
					return nil, fmt.Errorf("show data_directory: %w", err)
				}
				l.path = dataDir + "/" + l.path
			}
		} else {
			var cluster string
			if err := conn.QueryRow(ctx, "SHOW cluster_name").Scan(&cluster); err != nil {
				return nil, fmt.Errorf("show cluster_name: %w", err)
			}
			if cluster == "" {
				return nil, errors.New("cannot locate the PostgreSQL log (no logging collector, no cluster_name): pass -pglog")
			}
			l.path = "/var/log/postgresql/postgresql-" + strings.ReplaceAll(cluster, "/", "-") + ".log"
		}
	}
	if _, err := l.size(ctx); err != nil {
		return nil, fmt.Errorf("PostgreSQL log %s: %w (pass -pglog)", l.path, err)
	}
	return l, nil
}

// size is the log's current length.
func (l *pgLog) size(ctx context.Context) (int64, error) {
	fi, err := os.Stat(l.path)
	if err == nil {
		return fi.Size(), nil
	}
	var n int64
	if qerr := l.conn.QueryRow(ctx, "SELECT size FROM pg_stat_file($1)", l.path).Scan(&n); qerr != nil {
		return 0, errors.Join(err, qerr)
	}
	return n, nil
}

// readFrom returns the log from offset to its end.
func (l *pgLog) readFrom(ctx context.Context, offset int64) ([]byte, error) {
	f, err := os.Open(l.path)
	if err == nil {
		defer f.Close()
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			return nil, fmt.Errorf("seek log: %w", err)
		}
		b, err := io.ReadAll(io.LimitReader(f, 64<<20))
		if err != nil {
			return nil, fmt.Errorf("read log: %w", err)
		}
		return b, nil
	}
	end, serr := l.size(ctx)
	if serr != nil {
		return nil, errors.Join(err, serr)
	}
	var b []byte
	if qerr := l.conn.QueryRow(ctx, "SELECT pg_read_binary_file($1, $2, $3)", l.path, offset, end-offset).Scan(&b); qerr != nil {
		return nil, errors.Join(err, qerr)
	}
	return b, nil
}

// logEntry is one message of the server log.
type logEntry struct {
	PID   int
	DB    string
	Level string // LOG, DETAIL, ERROR, …
	Msg   string // continuation lines joined with "\n"
}

// logLine matches the start of a message under the Debian default
// log_line_prefix '%m [%p] %q%u@%d ': time, pid, user@db for sessions.
var logLine = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? \S+ \[(\d+)\] (?:(\S*)@(\S*) )?([A-Z]+):  (.*)$`)

// parseLog returns the messages of database db. PostgreSQL writes a
// multi-line message with a tab after each newline; those lines are joined
// back.
func parseLog(data []byte, db string) []logEntry {
	var (
		out []logEntry
		cur = -1 // index in out of the message being continued; -1: none or not ours
	)
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "\t"); ok {
			if cur >= 0 {
				out[cur].Msg += "\n" + rest
			}
			continue
		}
		m := logLine.FindStringSubmatch(line)
		if m == nil || m[3] != db {
			cur = -1
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		out = append(out, logEntry{PID: pid, DB: m[3], Level: m[4], Msg: m[5]})
		cur = len(out) - 1
	}
	return out
}

// stmt is one statement as the server executed it.
type stmt struct {
	PID int // backend that ran it
	SQL string
	// Params are the bind values, nil for NULL; empty for statements sent
	// with the simple protocol (literals inline).
	Params []*string
	// Extended says the statement came through the extended protocol
	// ("execute <name>: …"), with Params bound to $1…$n.
	Extended bool
	// Types are the parameters' type names, from describing SQL.
	Types []string
}

// statementsFrom turns log messages into the statements executed, in
// order, with their parameters. pgx's ping ("-- ping") is dropped. Errors
// logged meanwhile are returned apart, for the caller to judge.
func statementsFrom(entries []logEntry) ([]stmt, []logEntry, error) {
	var errs []logEntry
	var out []stmt
	last := map[int]int{} // pid -> index in out of its latest statement
	for _, e := range entries {
		switch {
		case e.Level == "LOG" && strings.HasPrefix(e.Msg, "statement: "):
			sql := strings.TrimSpace(strings.TrimPrefix(e.Msg, "statement: "))
			if sql == "" || sql == ";" || sql == "-- ping" {
				delete(last, e.PID)
				continue
			}
			out = append(out, stmt{PID: e.PID, SQL: sql})
			last[e.PID] = len(out) - 1
		case e.Level == "LOG" && strings.HasPrefix(e.Msg, "execute "):
			_, sql, ok := strings.Cut(e.Msg, ": ")
			if !ok {
				return nil, nil, fmt.Errorf("unexpected log message %q", e.Msg)
			}
			out = append(out, stmt{PID: e.PID, SQL: strings.TrimSpace(sql), Extended: true})
			last[e.PID] = len(out) - 1
		case e.Level == "DETAIL" && strings.HasPrefix(e.Msg, "parameters: "):
			i, ok := last[e.PID]
			if !ok || !out[i].Extended || out[i].Params != nil {
				return nil, nil, fmt.Errorf("parameters without a statement: %q", e.Msg)
			}
			ps, err := parseParams(strings.TrimPrefix(e.Msg, "parameters: "))
			if err != nil {
				return nil, nil, err
			}
			out[i].Params = ps
		case e.Level == "ERROR" || e.Level == "FATAL" || e.Level == "PANIC":
			errs = append(errs, e)
		}
	}
	for i, s := range out {
		if s.Extended && len(s.Params) != countPlaceholders(s.SQL) {
			return nil, nil, fmt.Errorf("statement %d has %d parameters logged for %d placeholders: %s",
				i+1, len(s.Params), countPlaceholders(s.SQL), s.SQL)
		}
	}
	return out, errs, nil
}

// parseParams parses the DETAIL of a logged execute, e.g.
// $1 = 'a', $2 = NULL, with quotes inside values doubled.
func parseParams(s string) ([]*string, error) {
	var out []*string
	for i := 1; s != ""; i++ {
		head := "$" + strconv.Itoa(i) + " = "
		if !strings.HasPrefix(s, head) {
			return nil, fmt.Errorf("parameters: want %q at %.40q", head, s)
		}
		s = s[len(head):]
		switch {
		case strings.HasPrefix(s, "NULL"):
			out = append(out, nil)
			s = s[len("NULL"):]
		case strings.HasPrefix(s, "'"):
			var b strings.Builder
			j := 1
			for {
				k := strings.IndexByte(s[j:], '\'')
				if k < 0 {
					return nil, fmt.Errorf("parameters: unterminated value for $%d", i)
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == '\'' {
					b.WriteByte('\'')
					j++
					continue
				}
				break
			}
			v := b.String()
			out = append(out, &v)
			s = s[j:]
		default:
			return nil, fmt.Errorf("parameters: bad value for $%d at %.40q", i, s)
		}
		if s == "" {
			break
		}
		if !strings.HasPrefix(s, ", ") {
			return nil, fmt.Errorf("parameters: want \", \" after $%d at %.40q", i, s)
		}
		s = s[2:]
	}
	return out, nil
}

// countPlaceholders returns the highest $n outside quotes in sql.
func countPlaceholders(sql string) int {
	n := 0
	_ = replacePlaceholders(sql, func(i int) string {
		n = max(n, i)
		return ""
	})
	return n
}

// replacePlaceholders replaces each $n outside quoted literals and
// identifiers with repl(n).
func replacePlaceholders(sql string, repl func(n int) string) string {
	var b strings.Builder
	var quote byte
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '$' && i+1 < len(sql) && isDigit(sql[i+1]) && (i == 0 || !isWordByte(sql[i-1])):
			j := i + 1
			for j < len(sql) && isDigit(sql[j]) {
				j++
			}
			n, _ := strconv.Atoi(sql[i+1 : j])
			b.WriteString(repl(n))
			i = j - 1
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c >= 0x80
}

// describeTypes fills in the parameter types of extended statements by
// preparing each on conn (unnamed statement; nothing is executed).
func describeTypes(ctx context.Context, conn *pgx.Conn, stmts []stmt) error {
	names := map[uint32]string{}
	for i := range stmts {
		s := &stmts[i]
		if !s.Extended || len(s.Params) == 0 {
			continue
		}
		d, err := conn.Prepare(ctx, "", s.SQL)
		if err != nil {
			return fmt.Errorf("describe statement %d: %w", i+1, err)
		}
		s.Types = make([]string, len(d.ParamOIDs))
		for j, oid := range d.ParamOIDs {
			name, ok := names[oid]
			if !ok {
				if err := conn.QueryRow(ctx, "SELECT format_type($1::oid, NULL)", oid).Scan(&name); err != nil {
					return fmt.Errorf("type name of oid %d: %w", oid, err)
				}
				names[oid] = name
			}
			s.Types[j] = name
		}
		if len(s.Types) != len(s.Params) {
			return fmt.Errorf("statement %d: %d parameter types for %d values", i+1, len(s.Types), len(s.Params))
		}
	}
	return nil
}

// markCapture gives the rows made from here on distinctive ids (starts,
// by table) and ticket numbers (from number; 0 leaves them).
func markCapture(ctx context.Context, bench *pgx.Conn, starts map[string]int64, number int64) error {
	if number > 0 {
		// The tenant's ticket-number sequence is made by its first ticket.
		var tenantID int64
		if err := bench.QueryRow(ctx, `SELECT tenant_id FROM tickets ORDER BY id DESC LIMIT 1`).Scan(&tenantID); err != nil {
			return fmt.Errorf("ticket numbers: no tenant with tickets: %w", err)
		}
		if _, err := bench.Exec(ctx, "SELECT setval($1::regclass, $2)", fmt.Sprintf("ticket_numbers_%d", tenantID), number-1); err != nil {
			return fmt.Errorf("ticket numbers: %w", err)
		}
	}
	for table, start := range starts {
		var maxID int64
		if err := bench.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM "+pgx.Identifier{table}.Sanitize()).Scan(&maxID); err != nil {
			return fmt.Errorf("max id of %s: %w", table, err)
		}
		if maxID >= start {
			return fmt.Errorf("%s already has id %d ≥ %d: use a smaller -n", table, maxID, start)
		}
		if _, err := bench.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, 'id'), $2, false)", table, start); err != nil {
			return fmt.Errorf("restart id sequence of %s: %w", table, err)
		}
	}
	return nil
}

// captureSpec is the request captureIngest records.
type captureSpec struct {
	// Warm is a request of the same kind, on other rows, that fills the
	// fresh server's caches; Body is the captured one, whose seriesUid
	// is Key.
	Warm, Body request
	Key        string
	// Starts and Number are given to markCapture just before Body.
	Starts map[string]int64
	Number int64
}

// firstSeenCapture is the classic capture: a new alert and ticket.
func firstSeenCapture(fx fixtures, starts map[string]int64, number int64) (captureSpec, error) {
	warm, err := webhookBody(fx, firing{SeriesPrefix: captureSeriesPrefix, Series: 777777777776, Device: 888888888887, ID: 888888888887})
	if err != nil {
		return captureSpec{}, err
	}
	body, err := webhookBody(fx, firing{SeriesPrefix: captureSeriesPrefix, Series: 777777777777, Device: 888888888888, ID: 888888888888})
	if err != nil {
		return captureSpec{}, err
	}
	return captureSpec{Warm: request{warm, []string{outcomeCreated}}, Body: request{body, []string{outcomeCreated}},
		Key: captureSeriesPrefix + captureSeriesToken, Starts: starts, Number: number}, nil
}

// captureIngest records the statements of one ingest in the steady state:
// it turns log_statement on for the scratch database only, starts a fresh
// server (a fresh pool, so every connection sees the setting), posts one
// webhook to warm the server's caches, gives the capture's rows
// distinctive ids, posts the captured webhook and reads the log from
// after the warm-up.
func captureIngest(ctx context.Context, cfg serverConfig, spec captureSpec, admin, bench *pgx.Conn, pglog *pgLog, db string, log *slog.Logger) ([]stmt, error) {
	ident := pgx.Identifier{db}.Sanitize()
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+ident+" SET log_statement = 'all'"); err != nil {
		return nil, fmt.Errorf("turn statement logging on: %w", err)
	}
	logging := true
	resetLogging := func() error {
		if !logging {
			return nil
		}
		cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer ccancel()
		if _, err := admin.Exec(cctx, "ALTER DATABASE "+ident+" RESET log_statement"); err != nil {
			return fmt.Errorf("turn statement logging off: %w", err)
		}
		logging = false
		return nil
	}
	defer func() {
		if err := resetLogging(); err != nil {
			log.Warn("reset log_statement", "err", err)
		}
	}()

	// The API role only: no background worker statements in the log. The
	// request runs the same code in every role.
	cfg.Role = "api"
	srv, err := startServer(cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil {
			log.Warn("stop server", "err", serr)
		}
	}()
	if err := srv.waitReady(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	in, err := readDemo(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	client := newClient(1)
	defer client.CloseIdleConnections()
	t := target{URL: fmt.Sprintf("%s/webhooks/ninjaone/%d", srv.baseURL(), in.ID), SecretHeader: in.SecretHeader, Secret: in.Secret}
	// A fresh server loads each tenant's routing configuration on its first
	// event; every later event reads it from the cache. Capture a later one.
	if err := postOne(ctx, client, t, spec.Warm); err != nil {
		return nil, fmt.Errorf("warm-up webhook: %w", err)
	}
	if err := markCapture(ctx, bench, spec.Starts, spec.Number); err != nil {
		return nil, err
	}
	offset, err := pglog.size(ctx)
	if err != nil {
		return nil, err
	}
	if err := postOne(ctx, client, t, spec.Body); err != nil {
		return nil, fmt.Errorf("capture webhook: %w", err)
	}
	log.Info("captured one ingest; reading the PostgreSQL log", "log", pglog.path)

	// The backend logs COMMIT before it answers, but give the file a moment.
	var entries []logEntry
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, err := pglog.readFrom(ctx, offset)
		if err != nil {
			return nil, err
		}
		entries = parseLog(data, db)
		if hasCaptureCommit(entries, spec.Key) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := srv.stop(); err != nil {
		return nil, err
	}
	if err := resetLogging(); err != nil {
		return nil, err
	}
	stmts, errs, err := statementsFrom(entries)
	if err != nil {
		return nil, err
	}
	stmts, err = oneIngest(stmts, spec.Key)
	if err != nil {
		return nil, fmt.Errorf("%w (log %s from byte %d)", err, pglog.path, offset)
	}
	for _, e := range errs {
		for _, s := range stmts {
			if s.PID == e.PID {
				return nil, fmt.Errorf("the captured ingest's backend logged %s: %s", e.Level, e.Msg)
			}
		}
	}

	if spec.Key != captureSeriesPrefix+captureSeriesToken {
		return stmts, nil
	}
	var alertID, ticketID, number int64
	if err := bench.QueryRow(ctx, `SELECT a.id, t.id, t.number FROM alerts a JOIN tickets t ON t.id = a.ticket_id
		WHERE a.external_alert_id = $1`, spec.Key).Scan(&alertID, &ticketID, &number); err != nil {
		return nil, fmt.Errorf("find the captured alert and ticket: %w", err)
	}
	if alertID != spec.Starts["alerts"] || ticketID != spec.Starts["tickets"] || number != spec.Number {
		return nil, fmt.Errorf("captured alert %d, ticket %d number %d: want %d, %d, %d",
			alertID, ticketID, number, spec.Starts["alerts"], spec.Starts["tickets"], spec.Number)
	}
	return stmts, nil
}

// hasCaptureCommit says whether the log shows the capture's transaction
// committed: a COMMIT after the lock on its alert key, by that backend.
func hasCaptureCommit(entries []logEntry, key string) bool {
	stmts, _, err := statementsFrom(entries)
	if err != nil {
		return false
	}
	_, err = oneIngest(stmts, key)
	return err == nil
}

// oneIngest picks the captured ingest out of everything the database
// logged: its transaction is the one whose backend took the advisory lock
// on the capture's alert key, from that backend's BEGIN to its COMMIT;
// the statements logged before that BEGIN outside other transactions (the
// integration lookup, on whichever pooled connection) come first.
func oneIngest(stmts []stmt, alertKey string) ([]stmt, error) {
	lock := -1
	for i, s := range stmts {
		if strings.Contains(s.SQL, "pg_advisory_xact_lock") && slices.ContainsFunc(s.Params, func(p *string) bool {
			return p != nil && strings.Contains(*p, alertKey)
		}) {
			lock = i
			break
		}
	}
	if lock < 0 {
		return nil, fmt.Errorf("no advisory lock on %q among the %d statements captured", alertKey, len(stmts))
	}
	pid := stmts[lock].PID
	begin, commit := -1, -1
	for i := lock - 1; i >= 0 && begin < 0; i-- {
		if stmts[i].PID == pid && isBegin(stmts[i].SQL) {
			begin = i
		}
	}
	for i := lock + 1; i < len(stmts) && commit < 0; i++ {
		if stmts[i].PID == pid && strings.EqualFold(stmts[i].SQL, "commit") {
			commit = i
		}
	}
	if begin < 0 || commit < 0 {
		return nil, fmt.Errorf("the capture's transaction (backend %d) has no BEGIN or COMMIT in the log", pid)
	}
	// Before the BEGIN: statements outside any other backend's
	// transaction (the lookup runs on its own; background work, when the
	// role has any, runs in transactions).
	var out []stmt
	inTx := map[int]bool{}
	for _, s := range stmts[:begin] {
		switch {
		case isBegin(s.SQL):
			inTx[s.PID] = true
		case strings.EqualFold(s.SQL, "commit") || strings.EqualFold(s.SQL, "rollback"):
			inTx[s.PID] = false
		case !inTx[s.PID]:
			out = append(out, s)
		}
	}
	for _, s := range stmts[begin : commit+1] {
		if s.PID == pid {
			out = append(out, s)
		}
	}
	return out, nil
}

func isBegin(sql string) bool {
	switch strings.ToLower(sql) {
	case "begin", "begin transaction", "start transaction":
		return true
	}
	return false
}
