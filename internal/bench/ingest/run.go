package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// report is everything the Markdown report shows.
type report struct {
	Opts     options
	Env      environment
	Database string

	Rounds []round

	Stmts      []stmt
	Script     []scriptStmt
	ScriptPath string
	Profile    *pgbenchResult

	Sweep []sweepPoint

	Checks []string
}

// round is one ingest measurement followed by one pgbench run per mode.
type round struct {
	Ingest  ingestPhase
	Pgbench []pgbenchPhase
}

// ingestPhase is one measured run of webhooks against one server process.
type ingestPhase struct {
	Load    loadResult
	CPU     cpuUse
	Waits   *waitProfile
	PeakRSS int64 // VmHWM of the server process at the end
}

// pgbenchPhase is one timed pgbench run with what was measured around it.
type pgbenchPhase struct {
	Result pgbenchResult
	CPU    cpuUse
	Waits  *waitProfile
}

// environment describes the machine and software measured.
type environment struct {
	CPUs     int
	CPUModel string
	Memory   string
	Kernel   string
	Postgres string
	Settings []string // name=value of the PostgreSQL settings that matter here
	Pgbench  string
	Go       string
	Commit   string
	Started  time.Time
}

// cpuPoll is how often PostgreSQL backends' CPU time is read.
const cpuPoll = 100 * time.Millisecond

// cleanupTimeout bounds each cleanup step, which runs even after the main
// context is cancelled.
const cleanupTimeout = 30 * time.Second

// workspace is what every run needs: the module, its fixtures and built
// binary, a temporary directory, an admin connection and the server log.
type workspace struct {
	root, tmp, bin string
	fx             fixtures
	admin          *pgx.Conn
	env            environment
	pglog          *pgLog
	log            *slog.Logger
}

// openWorkspace prepares a workspace; close releases it.
func openWorkspace(ctx context.Context, o options, log *slog.Logger) (w *workspace, err error) {
	w = &workspace{log: log}
	if w.root, err = moduleRoot(ctx, o.Root); err != nil {
		return nil, err
	}
	if w.fx, err = readFixtures(w.root); err != nil {
		return nil, err
	}
	if w.tmp, err = os.MkdirTemp("", "alertdesk-bench-"); err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	// A failure below returns a nil workspace: close the one made here,
	// not the result (closing that panicked and hid the error).
	ws := w
	defer func() {
		if err != nil {
			ws.close(o)
		}
	}()
	if w.admin, err = pgx.Connect(ctx, o.AdminURL); err != nil {
		return nil, fmt.Errorf("connect %s: %w", o.AdminURL, err)
	}
	if w.env, err = describeEnv(ctx, w.admin, o.Pgbench, w.root); err != nil {
		return nil, err
	}
	if w.pglog, err = findPGLog(ctx, w.admin, o.PGLog); err != nil {
		return nil, err
	}
	log.Info("building alertdesk", "root", w.root)
	w.bin = filepath.Join(w.tmp, "alertdesk")
	if err := buildServer(ctx, w.root, w.bin); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *workspace) close(o options) {
	if w.admin != nil {
		cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer ccancel()
		_ = w.admin.Close(cctx)
	}
	if o.Keep {
		w.log.Info("kept temporary directory", "dir", w.tmp)
		return
	}
	if rerr := os.RemoveAll(w.tmp); rerr != nil {
		w.log.Warn("remove temporary directory", "dir", w.tmp, "err", rerr)
	}
}

// scratch creates a scratch database; drop removes it unless -keep.
func (w *workspace) scratch(ctx context.Context, o options) (db, url string, drop func() error, err error) {
	db = "alertdesk_bench_" + randHex(4)
	if _, err := w.admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil {
		return "", "", nil, fmt.Errorf("create database: %w", err)
	}
	w.log.Info("created scratch database", "db", db)
	drop = func() error {
		if o.Keep {
			w.log.Info("kept scratch database", "db", db)
			return nil
		}
		cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer ccancel()
		if _, derr := w.admin.Exec(cctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{db}.Sanitize()+" WITH (FORCE)"); derr != nil {
			w.log.Warn("drop scratch database", "db", db, "err", derr)
			return fmt.Errorf("drop database %s: %w", db, derr)
		}
		return nil
	}
	if url, err = withDatabase(o.AdminURL, db); err != nil {
		return "", "", nil, errors.Join(err, drop())
	}
	return db, url, drop, nil
}

// serverConfig is how the workspace's server runs on the database at url.
func (w *workspace) serverConfig(o options, url string) serverConfig {
	return serverConfig{
		Bin: w.bin, DataDir: w.tmp, DatabaseURL: url, RedisURL: o.RedisURL, Role: o.Role, Debug: o.ServerProfile != "" || o.HeapProfiles != "",
		LogPath: filepath.Join(w.tmp, "server.log"), Env: o.ServerEnv,
	}
}

func run(ctx context.Context, o options, log *slog.Logger) (err error) {
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	w, err := openWorkspace(ctx, o, log)
	if err != nil {
		return err
	}
	defer w.close(o)
	if len(o.Scenarios) > 0 {
		return runScenarios(ctx, o, w)
	}
	fx, tmp, admin, pglog := w.fx, w.tmp, w.admin, w.pglog
	rep := &report{Opts: o, Env: w.env}
	var dbURL string
	var drop func() error
	if rep.Database, dbURL, drop, err = w.scratch(ctx, o); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, drop()) }()
	cfg := w.serverConfig(o, dbURL)

	// Round 1 is the warm-up and the first measurement on one server; the
	// capture follows (it needs the tables filled a little), then pgbench.
	// Further rounds restart the server and alternate again, so ingest and
	// pgbench see the same background load on a shared machine.
	counts := splitCount(o.N, o.Rounds)
	first, err := ingestRound(ctx, o, cfg, fx, rep.Database, 1, o.Warmup, counts[0], log)
	if err != nil {
		return err
	}

	bench, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("connect %s: %w", rep.Database, err)
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer ccancel()
		_ = bench.Close(cctx)
	}()
	spec, err := firstSeenCapture(fx, captureIDStarts, captureTicketNumber)
	if err != nil {
		return err
	}
	if rep.Stmts, err = captureIngest(ctx, cfg, spec, admin, bench, pglog, rep.Database, log); err != nil {
		return err
	}
	if err := describeTypes(ctx, bench, rep.Stmts); err != nil {
		return err
	}
	script, sstmts, err := buildScript(rep.Stmts, scriptPlan{IDStarts: captureIDStarts, TicketNumber: captureTicketNumber})
	if err != nil {
		return fmt.Errorf("pgbench script: %w", err)
	}
	rep.Script = sstmts
	rep.ScriptPath = filepath.Join(tmp, "ingest.pgbench.sql")
	if err := os.WriteFile(rep.ScriptPath, []byte(script), 0o600); err != nil {
		return fmt.Errorf("write pgbench script: %w", err)
	}
	if o.ScriptOut != "" {
		if err := os.WriteFile(o.ScriptOut, []byte(script), 0o644); err != nil {
			return fmt.Errorf("write -script-out: %w", err)
		}
	}
	pb := &pgbencher{o: o, bench: bench, db: rep.Database, scripts: []string{rep.ScriptPath}, logDir: tmp, log: log}
	if pb.conn, err = pgConnFrom(o.AdminURL); err != nil {
		return err
	}
	if err := pb.validate(ctx); err != nil {
		return err
	}
	rep.Checks = append(rep.Checks, pb.checks...)

	perRound := time.Duration(math.Ceil(o.PgbenchTime.Seconds()/float64(o.Rounds))) * time.Second
	for r := 1; r <= o.Rounds; r++ {
		rd := round{Ingest: first}
		if r > 1 {
			if rd.Ingest, err = ingestRound(ctx, o, cfg, fx, rep.Database, r, min(o.Warmup, roundWarmup), counts[r-1], log); err != nil {
				return err
			}
		}
		for _, mode := range o.Modes {
			ph, err := pb.timed(ctx, mode, o.C, o.PgbenchJobs, perRound)
			if err != nil {
				return err
			}
			rd.Pgbench = append(rd.Pgbench, ph)
		}
		rep.Rounds = append(rep.Rounds, rd)
	}
	check, err := pb.checkTotals(ctx)
	if err != nil {
		return err
	}
	rep.Checks = append(rep.Checks, check)
	if o.ProfileTime > 0 {
		if rep.Profile, err = pb.profile(ctx); err != nil {
			return err
		}
	}
	if len(o.Sweep) > 0 {
		if rep.Sweep, err = runSweep(ctx, o, cfg, fx, rep.Database, pb, log); err != nil {
			return err
		}
		check, err := pb.checkTotals(ctx)
		if err != nil {
			return err
		}
		rep.Checks = append(rep.Checks, "sweep: "+check)
	}

	md := renderReport(rep)
	fmt.Print(md)
	if o.Out != "" {
		if err := os.WriteFile(o.Out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("write -out: %w", err)
		}
	}
	return nil
}

// readFixtures reads NinjaOne's trigger and reset webhooks.
func readFixtures(root string) (fixtures, error) {
	var fx fixtures
	var err error
	if fx.Triggered, err = os.ReadFile(filepath.Join(root, "fixtures", "ninjaone-condition-triggered.json")); err != nil {
		return fx, fmt.Errorf("read fixture: %w", err)
	}
	if fx.Reset, err = os.ReadFile(filepath.Join(root, "fixtures", "ninjaone-condition-reset.json")); err != nil {
		return fx, fmt.Errorf("read fixture: %w", err)
	}
	return fx, nil
}

// roundWarmup bounds the warm-up of rounds after the first: a fresh
// server process needs its connection pool and statement caches filled.
const roundWarmup = 50

// splitCount splits n requests over r rounds, the remainder to the first.
func splitCount(n, r int) []int {
	out := make([]int, r)
	for i := range out {
		out[i] = n / r
	}
	out[0] += n % r
	return out
}

// ingestRound starts a server, warms it up with warm requests, and
// measures n more: latency, throughput, CPU and peak RSS. Every request is
// a new alert (series and device ids differ by round).
func ingestRound(ctx context.Context, o options, cfg serverConfig, fx fixtures, db string, r, warm, n int, log *slog.Logger) (ingestPhase, error) {
	base := int64(600_000_000 + r*3_000_000)
	warmBodies, err := webhookBodies(fx, base+2_000_000, warm)
	if err != nil {
		return ingestPhase{}, err
	}
	bodies, err := webhookBodies(fx, base, n)
	if err != nil {
		return ingestPhase{}, err
	}
	return measureRound(ctx, o, cfg, db, r, roundPlan{C: o.C, Warm: warmBodies,
		Bodies: func() ([]request, error) { return bodies, nil }}, log)
}

// roundPlan is what one server process is given.
type roundPlan struct {
	C    int
	Warm []request
	// Setup runs after the warm-up, unmeasured (nil: none).
	Setup func(ctx context.Context, p poster) error
	// Bodies are the measured requests, made after Setup.
	Bodies func() ([]request, error)
}

// poster posts webhooks to one server.
type poster struct {
	client *http.Client
	t      target
}

// post sends reqs with c workers; any failure is an error.
func (p poster) post(ctx context.Context, what string, reqs []request, c int) error {
	res := runLoad(ctx, p.client, p.t, reqs, c)
	if res.Failures > 0 {
		return fmt.Errorf("%s: %d of %d requests failed, first: %s", what, res.Failures, len(reqs), res.FirstFailure)
	}
	return nil
}

// measureRound starts a server, warms it up, runs the plan's setup and
// measures its requests: latency, throughput, CPU and peak RSS.
func measureRound(ctx context.Context, o options, cfg serverConfig, db string, r int, plan roundPlan, log *slog.Logger) (ingestPhase, error) {
	var ph ingestPhase
	srv, err := startServer(cfg)
	if err != nil {
		return ph, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil {
			log.Warn("stop server", "err", serr)
		}
	}()
	if err := srv.waitReady(ctx, 2*time.Minute); err != nil {
		return ph, err
	}
	if o.HeapProfiles != "" {
		stopHeap, err := watchHeap(ctx, srv, o.HeapProfiles)
		if err != nil {
			return ph, err
		}
		log.Info("heap profiles", "round", r, "server_pid", srv.pid(), "dir", o.HeapProfiles)
		defer func() {
			if err := stopHeap(); err != nil {
				log.Warn("server heap profile", "err", err)
			}
		}()
	}
	in, err := readDemo(cfg.DataDir)
	if err != nil {
		return ph, err
	}
	client := newClient(max(plan.C, 1))
	defer client.CloseIdleConnections()
	p := poster{client, target{
		URL:          fmt.Sprintf("%s/webhooks/ninjaone/%d", srv.baseURL(), in.ID),
		SecretHeader: in.SecretHeader,
		Secret:       in.Secret,
	}}

	log.Info("warming up", "round", r, "requests", len(plan.Warm), "concurrency", plan.C)
	if err := p.post(ctx, "warm-up", plan.Warm, plan.C); err != nil {
		return ph, err
	}
	if plan.Setup != nil {
		if err := plan.Setup(ctx, p); err != nil {
			return ph, err
		}
	}
	bodies, err := plan.Bodies()
	if err != nil {
		return ph, err
	}
	if err := settleURL(ctx, o, cfg.DatabaseURL); err != nil {
		return ph, err
	}

	log.Info("measuring ingest", "round", r, "requests", len(bodies), "concurrency", plan.C)
	stopSampling, waits, err := startSampler(ctx, o, db)
	if err != nil {
		return ph, err
	}
	cpu, err := watchCPU(ctx, srv.pid(), db, cpuPoll)
	if err != nil {
		stopSampling()
		return ph, err
	}
	profiled := make(chan error, 1)
	if o.ServerProfile != "" && r == 1 {
		go func() { profiled <- srv.cpuProfile(ctx, 5*time.Second, o.ServerProfile) }()
	} else {
		profiled <- nil
	}
	ph.Load = runLoad(ctx, p.client, p.t, bodies, plan.C)
	ph.CPU, err = cpu.stop()
	// After the CPU figures: the profile may outlast the load.
	if perr := <-profiled; perr != nil {
		log.Warn("server CPU profile", "err", perr)
	}
	stopSampling()
	if err != nil {
		return ph, err
	}
	if ph.Waits, err = waits(); err != nil {
		return ph, err
	}
	if ph.PeakRSS, err = peakRSS(srv.pid()); err != nil {
		return ph, err
	}
	if ph.Load.Failures > 0 {
		return ph, fmt.Errorf("ingest: %d of %d requests failed, first: %s", ph.Load.Failures, len(bodies), ph.Load.FirstFailure)
	}
	if cfg.Role != "api" {
		// Outside the measurement: let the relay finish what it claimed, so
		// stopping the server leaves no pending tasks in the shared Redis.
		drainOutbox(ctx, cfg.DatabaseURL, 30*time.Second, log)
	}
	log.Info("ingest measured", "round", r, "req_per_s", fmt.Sprintf("%.1f", ph.Load.Throughput()),
		"p50", ph.Load.Percentile(0.50), "p99", ph.Load.Percentile(0.99))
	return ph, nil
}

// describeEnv records the machine, PostgreSQL and tool versions.
func describeEnv(ctx context.Context, admin *pgx.Conn, pgbench, root string) (environment, error) {
	e := environment{CPUs: runtime.NumCPU(), Go: runtime.Version(), Started: time.Now().UTC()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.CPUModel = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				var kb int64
				if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err == nil {
					e.Memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				}
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.Kernel = strings.TrimSpace(string(b))
	}
	if err := admin.QueryRow(ctx, "SHOW server_version").Scan(&e.Postgres); err != nil {
		return e, fmt.Errorf("server version: %w", err)
	}
	for _, name := range []string{"shared_buffers", "max_connections", "fsync", "synchronous_commit", "wal_sync_method", "autovacuum"} {
		var v string
		if err := admin.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&v); err != nil {
			return e, fmt.Errorf("setting %s: %w", name, err)
		}
		e.Settings = append(e.Settings, name+"="+v)
	}
	var err error
	if e.Pgbench, err = pgbenchVersion(ctx, pgbench); err != nil {
		return e, err
	}
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		e.Commit = strings.TrimSpace(string(out))
		if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain").Output(); err == nil && len(st) > 0 {
			e.Commit += " + uncommitted changes"
		}
	}
	return e, nil
}

// settleURL is settle on a connection of its own to url.
func settleURL(ctx context.Context, o options, url string) error {
	if !o.Analyze && !o.Checkpoint {
		return nil
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("settle: connect: %w", err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	return settle(ctx, o, conn)
}

// settle runs before each timed phase: VACUUM (ANALYZE), what autovacuum
// would have done by then on a server where it is on, and CHECKPOINT, so
// that no phase pays for writing out pages an earlier one dirtied, or for
// the full-page images after a checkpoint that happens to fall inside it.
func settle(ctx context.Context, o options, conn *pgx.Conn) error {
	if o.Analyze {
		if _, err := conn.Exec(ctx, "VACUUM (ANALYZE)"); err != nil {
			return fmt.Errorf("vacuum analyze: %w", err)
		}
	}
	if o.Checkpoint {
		if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
	}
	return nil
}

// drainOutbox waits, up to limit, until no outbox entry is claimed by the
// relay and still undelivered, twice in a row across a relay interval.
// Entries of topics without a consumer are never claimed and do not count.
func drainOutbox(ctx context.Context, url string, limit time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		log.Warn("drain outbox: connect", "err", err)
		return
	}
	defer func() {
		cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer ccancel()
		_ = conn.Close(cctx)
	}()
	zeros := 0
	var n int64
	for zeros < 2 {
		err := conn.QueryRow(ctx, "SELECT count(*) FROM outbox_entries WHERE delivered_at IS NULL AND attempts > 0").Scan(&n)
		if err != nil {
			log.Warn("outbox not drained; the server may leave pending tasks in Redis", "claimed_undelivered", n, "err", err)
			return
		}
		if n == 0 {
			zeros++
		} else {
			zeros = 0
		}
		select {
		case <-ctx.Done():
			log.Warn("outbox not drained; the server may leave pending tasks in Redis", "claimed_undelivered", n)
			return
		case <-time.After(1500 * time.Millisecond):
		}
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
