package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx", for proddata

	"github.com/alertdesk/alertdesk/internal/proddata"
)

// phase is every scenario measured on one database.
type phase struct {
	Name     string // "empty" or "preloaded"
	Size     proddata.Size
	LoadTime time.Duration // preload, statements only
	Results  []scenarioResult
}

// scenarioResult is one scenario on one database.
type scenarioResult struct {
	Name     string
	C        int
	Rounds   []roleRound // roles: each round with its role
	Ingest   loadResult
	PeakRSS  int64
	Pgbench  *pgbenchResult // roles: first-seen's script, replayed after its rounds
	PgbenchC int
	Scripts  []string // pgbench -f arguments, base names
	LoadAvg  [2]string
	Check    string
}

// roleRound is one round of the roles scenario.
type roleRound struct {
	Role    string
	Load    loadResult
	PeakRSS int64
}

// scenarioRun runs the scenarios on one database.
type scenarioRun struct {
	o       options
	w       *workspace
	cfg     serverConfig
	db      string
	bench   *pgx.Conn
	conn    pgConn
	phase   string
	block   int // id block last used
	rounds  int // server rounds so far
	scripts map[string]string
	refire  pool
}

func runScenarios(ctx context.Context, o options, w *workspace) error {
	rep := &scenarioReport{Opts: o, Env: w.env}
	names := []string{"empty"}
	if o.Preload {
		names = append(names, "preloaded")
		if o.OnlyPreloaded {
			names = names[1:]
		}
	}
	for _, name := range names {
		ph, err := runPhase(ctx, o, w, name)
		if err != nil {
			return fmt.Errorf("%s database: %w", name, err)
		}
		rep.Phases = append(rep.Phases, ph)
	}
	md := renderScenarios(rep)
	fmt.Print(md)
	if o.Out != "" {
		if err := os.WriteFile(o.Out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("write -out: %w", err)
		}
	}
	return nil
}

// runPhase measures every scenario on a new scratch database, preloaded
// for the "preloaded" phase.
func runPhase(ctx context.Context, o options, w *workspace, name string) (ph phase, err error) {
	ph.Name = name
	db, url, drop, err := w.scratch(ctx, o)
	if err != nil {
		return ph, err
	}
	defer func() { err = errors.Join(err, drop()) }()
	r := &scenarioRun{o: o, w: w, cfg: w.serverConfig(o, url), db: db, phase: name, scripts: map[string]string{}}
	if r.conn, err = pgConnFrom(o.AdminURL); err != nil {
		return ph, err
	}
	if name == "preloaded" {
		if ph.Size, ph.LoadTime, err = preload(ctx, o, r.cfg, url, w); err != nil {
			return ph, err
		}
	}
	if r.bench, err = pgx.Connect(ctx, url); err != nil {
		return ph, fmt.Errorf("connect %s: %w", db, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		defer cancel()
		_ = r.bench.Close(cctx)
	}()
	for _, sc := range o.Scenarios {
		before := loadAvg()
		res, err := r.run(ctx, sc, ph.Results)
		if err != nil {
			return ph, fmt.Errorf("%s: %w", sc, err)
		}
		res.Name, res.LoadAvg = sc, [2]string{before, loadAvg()}
		ph.Results = append(ph.Results, res)
	}
	return ph, nil
}

// preload migrates the database and seeds the demo tenant (one server
// start), then fills that tenant with proddata at -scale.
func preload(ctx context.Context, o options, cfg serverConfig, url string, w *workspace) (proddata.Size, time.Duration, error) {
	size := proddata.Scaled(int(math.Round(1_000_000 * o.Scale)))
	cfg.Role = "api"
	srv, err := startServer(cfg)
	if err != nil {
		return size, 0, err
	}
	err = srv.waitReady(ctx, 2*time.Minute)
	if serr := srv.stop(); err == nil {
		err = serr
	}
	if err != nil {
		return size, 0, err
	}
	in, err := readDemo(cfg.DataDir)
	if err != nil {
		return size, 0, err
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		return size, 0, fmt.Errorf("preload: %w", err)
	}
	defer db.Close()
	var tenant int
	if err := db.QueryRowContext(ctx, "SELECT tenant_id FROM integrations WHERE id = $1", in.ID).Scan(&tenant); err != nil {
		return size, 0, fmt.Errorf("preload: demo tenant: %w", err)
	}
	w.log.Info("preloading", "alerts", size.Alerts, "open_tickets", size.OpenTickets, "storm", size.StormOccurrences)
	f, err := proddata.Load(ctx, db, proddata.Options{TenantID: tenant, Size: size})
	if err != nil {
		return size, 0, err
	}
	// proddata's tenant subscribes to receivers that cannot be reached
	// here: each event's delivery would fail and retry, work the empty
	// database's tenant (no subscription) never does. Deliveries are
	// measured by their own benchmark; here both tenants do the same work
	// per event, and only the database's size differs.
	if _, err := db.ExecContext(ctx, "UPDATE event_subscriptions SET is_active = false WHERE tenant_id = $1", tenant); err != nil {
		return size, 0, fmt.Errorf("preload: pause the event subscriptions: %w", err)
	}
	w.log.Info("preloaded", "took", f.LoadTime)
	return size, f.LoadTime, nil
}

// Id blocks: every pool and capture restarts the id sequences of the
// tables it writes at a block of its own, so the ids of its rows are
// values nothing else in its statements can be, and the script can bind
// them to variables.
const blockSize = 100_000_000

func blockStarts(b int) map[string]int64 {
	base := int64(b) * blockSize
	return map[string]int64{"alerts": base + 10_000_001, "tickets": base + 20_000_001, "comments": base + 30_000_001,
		"outbox_entries": base + 40_000_001, "alert_conditions": base + 50_000_001, "assets": base + 70_000_001}
}

func blockNumber(b int) int64 { return int64(b)*blockSize + 60_000_001 }

func (r *scenarioRun) nextBlock() int {
	r.block++
	return r.block
}

// fresh are n first-seen triggers on new devices of block b.
func (r *scenarioRun) fresh(b, n int) ([]request, error) {
	return webhookBodies(r.w.fx, int64(b)*10_000_000, n)
}

// round measures plan on a fresh server.
func (r *scenarioRun) round(ctx context.Context, plan roundPlan, role string) (ingestPhase, error) {
	r.rounds++
	cfg := r.cfg
	if role != "" {
		cfg.Role = role
	}
	return measureRound(ctx, r.o, cfg, r.db, r.rounds, plan, r.w.log)
}

func (r *scenarioRun) run(ctx context.Context, sc string, done []scenarioResult) (scenarioResult, error) {
	o := r.o
	res := scenarioResult{C: o.C, PgbenchC: o.C}
	blk := r.nextBlock()
	warm, err := webhookBodies(r.w.fx, int64(blk)*10_000_000+8_000_000, o.Warmup)
	if err != nil {
		return res, err
	}
	plan := roundPlan{C: o.C, Warm: warm}
	var spec captureSpec
	var splan scriptPlan
	// The capture's block and seriesUid: set after the measurement, whose
	// setup may have used blocks.
	var capBlk int
	var tok int64
	// capture is the spec of a capture of body after warm.
	capture := func(warm, body firing, want string) (captureSpec, error) {
		spec := captureSpec{Key: body.seriesUID(), Starts: blockStarts(capBlk), Number: blockNumber(capBlk)}
		w, err := webhookBody(r.w.fx, warm)
		if err != nil {
			return spec, err
		}
		b, err := webhookBody(r.w.fx, body)
		spec.Warm, spec.Body = request{w, []string{want}}, request{b, []string{want}}
		return spec, err
	}
	// The captured firing's seriesUid is a new one per transaction (:n).
	newSeries := func() []binding { return []binding{{strconv.FormatInt(tok, 10), "n"}} }
	var rp pool // the reset pool

	switch sc {
	case scFirstSeen:
		plan.Bodies = func() ([]request, error) { return webhookBodies(r.w.fx, int64(blk)*10_000_000+5_000_000, o.N) }

	case scRefire:
		plan.Setup = func(ctx context.Context, p poster) (err error) {
			r.refire, err = r.setupPool(ctx, p, o.Pool)
			return err
		}
		plan.Bodies = func() ([]request, error) {
			return r.firings(o.N, blk, func(i int) (firing, string) {
				return r.refire.trigger(i%r.refire.Size).as(ingestSeries, int64(blk)*10_000_000+int64(i)), outcomeJoined
			})
		}
		splan.Title = "One re-firing of a condition on its open ticket"

	case scReset:
		plan.Setup = func(ctx context.Context, p poster) (err error) {
			rp, err = r.setupPool(ctx, p, o.N+2)
			return err
		}
		plan.Bodies = func() ([]request, error) {
			return r.firings(o.N, blk, func(i int) (firing, string) { return rp.reset(i), outcomeResolved })
		}
		splan.Title = "One reset closing the ticket its alert opened"

	case scMix:
		kinds := mixSequence([]int{70, 20, 10}, o.N)
		resets := 0
		for _, k := range kinds {
			if k == 2 {
				resets++
			}
		}
		plan.Setup = func(ctx context.Context, p poster) (err error) {
			rp, err = r.setupPool(ctx, p, max(resets, 2))
			return err
		}
		plan.Bodies = func() ([]request, error) {
			nRe, nRs := 0, 0
			return r.firings(o.N, blk, func(i int) (firing, string) {
				base := int64(blk)*10_000_000 + 5_000_000
				switch kinds[i] {
				case 1:
					nRe++
					return r.refire.trigger((o.N+nRe)%r.refire.Size).as(ingestSeries, base+int64(i)), outcomeJoined
				case 2:
					nRs++
					return rp.reset(nRs - 1), outcomeResolved
				}
				return firing{SeriesPrefix: ingestSeries, Series: base + int64(i), Device: base + int64(i), ID: base + int64(i)}, outcomeCreated
			})
		}

	case scStorm:
		res.C, res.PgbenchC = o.StormC, o.StormC
		plan.C = o.StormC
		device := int64(400_000_000_000 + blk)
		plan.Bodies = func() ([]request, error) {
			return r.firings(o.Storm, blk, func(i int) (firing, string) {
				base := int64(blk) * 10_000_000
				return firing{SeriesPrefix: ingestSeries, Series: base + int64(i), Device: device, ID: base + int64(i)}, ""
			})
		}
		splan.Title = "One firing of a storming condition"

	case scRoles:
		for i, n := range splitCount(o.N, 4) {
			role := []string{"", "api"}[i%2]
			b := r.nextBlock()
			// Each round is a fresh server, warmed up as first-seen's is.
			warm, err := webhookBodies(r.w.fx, int64(b)*10_000_000+5_000_000, o.Warmup)
			if err != nil {
				return res, err
			}
			ph, err := r.round(ctx, roundPlan{C: o.C, Warm: warm,
				Bodies: func() ([]request, error) { return r.fresh(b, n) }}, role)
			if err != nil {
				return res, err
			}
			if role == "api" {
				// No relay ran: settle the round's entries as pgbench's are,
				// so the next default round does not deliver this one's.
				if _, err := r.bench.Exec(ctx, "UPDATE outbox_entries SET delivered_at = now() WHERE delivered_at IS NULL"); err != nil {
					return res, fmt.Errorf("settle the api round's outbox entries: %w", err)
				}
			}
			res.Rounds = append(res.Rounds, roleRound{Role: role, Load: ph.Load, PeakRSS: ph.PeakRSS})
			res.Ingest = mergeLoads(res.Ingest, ph.Load)
			res.PeakRSS = max(res.PeakRSS, ph.PeakRSS)
		}
		// First-seen's statements replayed now, on the database the rounds
		// grew, rather than first-seen's figure from before them.
		return res, r.replay(ctx, &res, []string{r.scripts[scFirstSeen]}, false)
	}

	ph, err := r.round(ctx, plan, "")
	if err != nil {
		return res, err
	}
	res.Ingest, res.PeakRSS = ph.Load, ph.PeakRSS
	if ph.Load.Retries > 0 {
		res.Check = fmt.Sprintf("%d answers 503 (shed, nothing recorded) sent again", ph.Load.Retries)
	}
	if sc == scStorm {
		check, err := stormCheck(ctx, r.bench, int64(400_000_000_000+blk), o.Storm)
		if err != nil {
			return res, err
		}
		res.Check = strings.TrimPrefix(res.Check+"; "+check, "; ")
	}

	// pgbench replays the scenario's own statements; the mix its three
	// scripts at its weights.
	scripts := []string{}
	if sc == scMix {
		for _, p := range []struct {
			sc string
			w  int
		}{{scFirstSeen, 70}, {scRefire, 20}, {scReset, 10}} {
			scripts = append(scripts, fmt.Sprintf("%s@%d", r.scripts[p.sc], p.w))
		}
	} else {
		capBlk = r.nextBlock()
		tok = int64(770_000_000_000 + capBlk*10)
		switch sc {
		case scFirstSeen:
			if spec, err = firstSeenCapture(r.w.fx, blockStarts(capBlk), blockNumber(capBlk)); err != nil {
				return res, err
			}
		case scStorm:
			device := int64(400_000_000_000 + blk)
			if spec, err = capture(firing{SeriesPrefix: captureSeriesPrefix, Series: tok + 1, Device: device},
				firing{SeriesPrefix: captureSeriesPrefix, Series: tok, Device: device}, outcomeJoined); err != nil {
				return res, err
			}
			splan.Header, splan.Binds = freshHeader, newSeries()
		case scRefire:
			// Item 0 is captured: a new series on its device.
			if spec, err = capture(r.refire.trigger(1).as(captureSeriesPrefix, tok+1),
				r.refire.trigger(0).as(captureSeriesPrefix, tok), outcomeJoined); err != nil {
				return res, err
			}
			h, b := r.refire.script(0)
			splan.Header, splan.Binds = freshHeader+h, append(newSeries(), b...)
		case scReset:
			// The reset pool's last two items were left for the capture.
			if spec, err = capture(rp.reset(o.N), rp.reset(o.N+1), outcomeResolved); err != nil {
				return res, err
			}
			splan.Header, splan.Binds = rp.script(o.N + 1)
		}
		if splan.IDStarts == nil {
			splan.IDStarts, splan.TicketNumber = spec.Starts, spec.Number
		}
		path, err := r.captureScript(ctx, sc, spec, splan)
		if err != nil {
			return res, err
		}
		r.scripts[sc] = path
		scripts = append(scripts, path)
	}
	return res, r.replay(ctx, &res, scripts, sc == scFirstSeen)
}

// replay runs pgbench on scripts at the scenario's concurrency, server
// stopped, and keeps its result as the scenario's comparison; validate
// first checks that the scripts run.
func (r *scenarioRun) replay(ctx context.Context, res *scenarioResult, scripts []string, validate bool) error {
	o := r.o
	for _, s := range scripts {
		res.Scripts = append(res.Scripts, filepath.Base(s))
	}
	pb := &pgbencher{o: o, bench: r.bench, conn: r.conn, db: r.db, scripts: scripts, logDir: r.w.tmp, log: r.w.log}
	if validate {
		if err := pb.validate(ctx); err != nil {
			return err
		}
	}
	bp, err := pb.timed(ctx, "prepared", res.PgbenchC, min(res.PgbenchC, o.PgbenchJobs), o.PgbenchTime)
	if err != nil {
		return err
	}
	res.Pgbench = &bp.Result
	return nil
}

// firings makes n requests from gen, which returns the firing and the
// outcome its answer must report ("": a new ticket or an occurrence).
func (r *scenarioRun) firings(n, blk int, gen func(i int) (firing, string)) ([]request, error) {
	out := make([]request, n)
	for i := range out {
		f, want := gen(i)
		b, err := webhookBody(r.w.fx, f)
		if err != nil {
			return nil, err
		}
		out[i] = request{b, []string{want}}
		if want == "" {
			out[i].Want = []string{outcomeCreated, outcomeJoined}
		}
	}
	return out, nil
}

// captureScript captures spec's statements and writes the pgbench script.
func (r *scenarioRun) captureScript(ctx context.Context, sc string, spec captureSpec, plan scriptPlan) (string, error) {
	cfg := r.cfg
	stmts, err := captureIngest(ctx, cfg, spec, r.w.admin, r.bench, r.w.pglog, r.db, r.w.log)
	if err != nil {
		return "", err
	}
	if err := describeTypes(ctx, r.bench, stmts); err != nil {
		return "", err
	}
	script, _, err := buildScript(stmts, plan)
	if err != nil {
		return "", fmt.Errorf("pgbench script: %w", err)
	}
	path := filepath.Join(r.w.tmp, fmt.Sprintf("%s-%s.pgbench.sql", r.phase, sc))
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		return "", fmt.Errorf("write pgbench script: %w", err)
	}
	return path, nil
}

// stormCheck says whether the storm made one ticket counting every firing.
func stormCheck(ctx context.Context, conn *pgx.Conn, device int64, firings int) (string, error) {
	var tickets, alerts, count int64
	err := conn.QueryRow(ctx, `SELECT count(DISTINCT a.ticket_id), count(*),
			(SELECT max(c.occurrence_count) FROM alert_conditions c WHERE c.dedup_key LIKE $1 || '|%')
		FROM alerts a WHERE a.external_device_id = $1`, strconv.FormatInt(device, 10)).Scan(&tickets, &alerts, &count)
	if err != nil {
		return "", fmt.Errorf("storm check: %w", err)
	}
	verdict := "as required"
	if tickets != 1 || count != int64(firings) || alerts != int64(firings) {
		verdict = "MISMATCH"
	}
	return fmt.Sprintf("%d firings made %d alerts on %d ticket(s), condition count %d: %s", firings, alerts, tickets, count, verdict), nil
}

func mergeLoads(a, b loadResult) loadResult {
	a.Requests += b.Requests
	a.Elapsed += b.Elapsed
	a.Failures += b.Failures
	a.Latencies = mergeLatencies(a.Latencies, b.Latencies)
	return a
}

// loadAvg is the machine's 1-minute load average.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}
