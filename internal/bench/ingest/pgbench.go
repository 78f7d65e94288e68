package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgConn is where pgbench connects, from the admin URL.
type pgConn struct {
	Host, Port, User, Password string
}

func pgConnFrom(raw string) (pgConn, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return pgConn{}, fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	c := pgConn{Host: u.Hostname(), Port: u.Port(), User: u.User.Username()}
	c.Password, _ = u.User.Password()
	if c.Port == "" {
		c.Port = "5432"
	}
	return c, nil
}

// withDatabase returns the URL raw with its database replaced by db.
func withDatabase(raw, db string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse PostgreSQL URL: %w", err)
	}
	u.Path = "/" + db
	return u.String(), nil
}

// pgbenchRun is one pgbench invocation.
type pgbenchRun struct {
	Mode     string        // -M
	Clients  int           // -c
	Jobs     int           // -j
	Duration time.Duration // -T; 0 with Transactions
	// Transactions is -t per client, when Duration is 0.
	Transactions int
	PerStatement bool // -r
	// LogPrefix turns on the per-transaction log (-l) into files named
	// LogPrefix.<pid>[.<thread>], read and deleted after the run.
	LogPrefix string
}

// args are the command-line arguments for the run on db with scripts
// (each a file, optionally with @weight).
func (r pgbenchRun) args(c pgConn, db string, scripts ...string) []string {
	a := []string{"-n", "-h", c.Host, "-p", c.Port}
	if c.User != "" {
		a = append(a, "-U", c.User)
	}
	a = append(a, "-M", r.Mode, "-c", strconv.Itoa(r.Clients), "-j", strconv.Itoa(r.Jobs))
	if r.Duration > 0 {
		a = append(a, "-T", strconv.Itoa(int(r.Duration.Round(time.Second)/time.Second)))
	} else {
		a = append(a, "-t", strconv.Itoa(r.Transactions))
	}
	if r.PerStatement {
		a = append(a, "-r")
	}
	if r.LogPrefix != "" {
		a = append(a, "-l", "--log-prefix", r.LogPrefix)
	}
	for _, s := range scripts {
		a = append(a, "-f", s)
	}
	return append(a, db)
}

// pgbenchResult is what a run reported.
type pgbenchResult struct {
	Run       pgbenchRun
	Command   string // as a shell would run it (relative script name)
	TPS       float64
	Latency   time.Duration // average
	Processed int
	Failed    int
	// Statements are -r's per-command average latencies, in script order
	// (the \set meta-command included).
	Statements []stmtLatency
	// Latencies are every transaction's latency from the -l log, sorted;
	// nil without LogPrefix.
	Latencies []time.Duration
	Output    string
}

// stmtLatency is one line of pgbench -r.
type stmtLatency struct {
	Latency time.Duration
	Command string // first line of the command
}

// runPgbench runs pgbench and parses its report. A run in which any
// client aborted or any transaction failed is an error.
func runPgbench(ctx context.Context, bin string, c pgConn, db string, scripts []string, r pgbenchRun) (pgbenchResult, error) {
	args := r.args(c, db, scripts...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = os.Environ()
	if c.Password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+c.Password)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := pgbenchResult{Run: r, Output: out.String()}
	shown := append([]string{"pgbench"}, args...)
	shown[len(shown)-1] = "<db>"
	for i := range shown {
		switch {
		case i > 0 && shown[i-1] == "-f":
			shown[i] = filepath.Base(shown[i])
		case i > 0 && shown[i-1] == "--log-prefix":
			shown[i] = "<tmp>/" + filepath.Base(shown[i])
		}
	}
	res.Command = strings.Join(shown, " ")
	if err != nil {
		if r.LogPrefix != "" {
			removeTxnLogs(r.LogPrefix)
		}
		return res, fmt.Errorf("pgbench -M %s: %w\n%s", r.Mode, err, tail(res.Output, 3000))
	}
	var tl txnLog
	if r.LogPrefix != "" {
		if tl, err = readTxnLogs(r.LogPrefix); err != nil {
			return res, fmt.Errorf("pgbench -M %s: %w", r.Mode, err)
		}
		res.Latencies = tl.Latencies
	}
	if err := parsePgbench(res.Output, &res); err != nil {
		return res, fmt.Errorf("pgbench -M %s: %w\n%s", r.Mode, err, tail(res.Output, 3000))
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("pgbench -M %s: %d failed transactions\n%s", r.Mode, res.Failed, tail(res.Output, 3000))
	}
	// The percentiles stand for the whole run only if the log holds
	// exactly the transactions pgbench counted.
	if r.LogPrefix != "" && (len(tl.Latencies) != res.Processed || tl.Failed+tl.Skipped > 0) {
		return res, fmt.Errorf("pgbench -M %s: its log holds %d transactions with a latency and %d without, but it reported %d processed",
			r.Mode, len(tl.Latencies), tl.Failed+tl.Skipped, res.Processed)
	}
	return res, nil
}

var (
	rePgTPS       = regexp.MustCompile(`(?m)^tps = ([\d.]+) \(without initial connection time\)`)
	rePgLatency   = regexp.MustCompile(`(?m)^latency average = ([\d.]+) ms`)
	rePgProcessed = regexp.MustCompile(`(?m)^number of transactions actually processed: (\d+)`)
	rePgFailed    = regexp.MustCompile(`(?m)^number of failed transactions: (\d+)`)
	rePgStmtLine  = regexp.MustCompile(`^\s+([\d.]+)\s+(?:(\d+)\s+)?(\S.*)$`)
)

// parsePgbench reads tps, latency, counts and -r's statement latencies.
func parsePgbench(out string, res *pgbenchResult) error {
	m := rePgTPS.FindStringSubmatch(out)
	if m == nil {
		return errors.New("no tps in pgbench output")
	}
	var err error
	if res.TPS, err = strconv.ParseFloat(m[1], 64); err != nil {
		return fmt.Errorf("parse tps: %w", err)
	}
	if m := rePgLatency.FindStringSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		res.Latency = time.Duration(ms * float64(time.Millisecond))
	}
	if m := rePgProcessed.FindStringSubmatch(out); m != nil {
		res.Processed, _ = strconv.Atoi(m[1])
	}
	if m := rePgFailed.FindStringSubmatch(out); m != nil {
		res.Failed, _ = strconv.Atoi(m[1])
	}
	if strings.Contains(out, "aborted") && res.Processed == 0 {
		return errors.New("pgbench clients aborted")
	}
	in := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "statement latencies in milliseconds") {
			in = true
			continue
		}
		if !in {
			continue
		}
		m := rePgStmtLine.FindStringSubmatch(line)
		if m == nil {
			in = false
			continue
		}
		ms, _ := strconv.ParseFloat(m[1], 64)
		res.Statements = append(res.Statements, stmtLatency{
			Latency: time.Duration(ms * float64(time.Millisecond)),
			Command: strings.TrimSpace(m[3]),
		})
	}
	return nil
}

// pgbenchVersion is the first line of `pgbench --version`.
func pgbenchVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %w", bin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// pgbencher runs pgbench on the scratch database with the server stopped.
type pgbencher struct {
	o       options
	bench   *pgx.Conn // scratch database, for checks and VACUUM
	conn    pgConn
	db      string
	scripts []string // -f arguments
	logDir  string   // where timed runs' per-transaction logs go
	log     *slog.Logger

	linked    int64 // alert+ticket pairs made by pgbench so far, plus the capture's
	processed int   // transactions reported by the timed runs
	slack     int   // clients of the timed runs: each may finish one uncounted transaction
	runs      int   // timed runs so far, to name their logs
	checks    []string
}

// countLinked counts alerts of the capture's kind linked to their ticket.
func (p *pgbencher) countLinked(ctx context.Context) (int64, error) {
	var n int64
	err := p.bench.QueryRow(ctx, `SELECT count(*) FROM alerts a JOIN tickets t ON t.id = a.ticket_id
		WHERE a.external_alert_id LIKE $1 AND t.source_reference = a.external_alert_id`, captureSeriesPrefix+"%").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count pgbench tickets: %w", err)
	}
	return n, nil
}

// validate runs the script once per mode and checks each transaction made
// one alert linked to one new ticket.
func (p *pgbencher) validate(ctx context.Context) error {
	var err error
	if p.linked, err = p.countLinked(ctx); err != nil {
		return err
	}
	for _, mode := range p.o.Modes {
		r := pgbenchRun{Mode: mode, Clients: 1, Jobs: 1, Transactions: 1}
		if _, err := runPgbench(ctx, p.o.Pgbench, p.conn, p.db, p.scripts, r); err != nil {
			return fmt.Errorf("validate script: %w", err)
		}
		n, err := p.countLinked(ctx)
		if err != nil {
			return err
		}
		if n != p.linked+1 {
			return fmt.Errorf("validate script (-M %s): one transaction made %d linked alert+ticket pairs, want 1", mode, n-p.linked)
		}
		p.linked = n
		p.checks = append(p.checks, fmt.Sprintf("pgbench -M %s -t 1 made one alert linked to one new ticket", mode))
	}
	return nil
}

// timed runs pgbench for d in mode with clients and jobs, logging every
// transaction's latency.
func (p *pgbencher) timed(ctx context.Context, mode string, clients, jobs int, d time.Duration) (pgbenchPhase, error) {
	var ph pgbenchPhase
	if err := settle(ctx, p.o, p.bench); err != nil {
		return ph, err
	}
	p.log.Info("running pgbench", "mode", mode, "clients", clients, "duration", d)
	p.runs++
	r := pgbenchRun{Mode: mode, Clients: clients, Jobs: jobs, Duration: d,
		LogPrefix: filepath.Join(p.logDir, fmt.Sprintf("pgbench-%s-c%d-%d", mode, clients, p.runs))}
	stopSampling, waits, err := startSampler(ctx, p.o, p.db)
	if err != nil {
		return ph, err
	}
	cpu, err := watchCPU(ctx, 0, p.db, cpuPoll)
	if err != nil {
		stopSampling()
		return ph, err
	}
	res, err := runPgbench(ctx, p.o.Pgbench, p.conn, p.db, p.scripts, r)
	use, cerr := cpu.stop()
	stopSampling()
	if err = errors.Join(err, cerr); err != nil {
		return ph, err
	}
	ph = pgbenchPhase{Result: res, CPU: use}
	if ph.Waits, err = waits(); err != nil {
		return ph, err
	}
	p.processed += res.Processed
	p.slack += clients
	// pgbench pays nothing for delivering its outbox entries; settle them
	// so the next round's relay starts without pgbench's backlog.
	if _, err := p.bench.Exec(ctx, "UPDATE outbox_entries SET delivered_at = now() WHERE delivered_at IS NULL"); err != nil {
		return ph, fmt.Errorf("settle pgbench's outbox entries: %w", err)
	}
	p.log.Info("pgbench done", "mode", mode, "clients", clients, "tps", fmt.Sprintf("%.1f", res.TPS),
		"p50", percentile(res.Latencies, 0.50), "p99", percentile(res.Latencies, 0.99))
	return ph, nil
}

// checkTotals compares the transactions pgbench reported with the rows
// made. Transactions still running when -T ends complete uncounted.
func (p *pgbencher) checkTotals(ctx context.Context) (string, error) {
	n, err := p.countLinked(ctx)
	if err != nil {
		return "", err
	}
	made := n - p.linked
	if extra := made - int64(p.processed); extra < 0 || extra > int64(p.slack) {
		return fmt.Sprintf("MISMATCH: timed pgbench runs reported %d transactions but made %d linked alert+ticket pairs", p.processed, made), nil
	}
	return fmt.Sprintf("timed pgbench runs reported %d transactions and made %d linked alert+ticket pairs", p.processed, made), nil
}

// restartTotals makes the next checkTotals cover only the timed runs from
// here on.
func (p *pgbencher) restartTotals(ctx context.Context) error {
	n, err := p.countLinked(ctx)
	if err != nil {
		return err
	}
	p.linked, p.processed, p.slack = n, 0, 0
	return nil
}

// profile runs pgbench -r -M prepared for per-statement latencies.
func (p *pgbencher) profile(ctx context.Context) (*pgbenchResult, error) {
	if err := settle(ctx, p.o, p.bench); err != nil {
		return nil, err
	}
	p.log.Info("running pgbench -r for per-statement latencies", "duration", p.o.ProfileTime)
	r := pgbenchRun{Mode: "prepared", Clients: p.o.C, Jobs: p.o.PgbenchJobs, Duration: p.o.ProfileTime, PerStatement: true}
	res, err := runPgbench(ctx, p.o.Pgbench, p.conn, p.db, p.scripts, r)
	if err != nil {
		return nil, err
	}
	return &res, nil
}
