// Command ingest benchmarks alertdesk's webhook ingest on PostgreSQL over
// HTTP and compares it with pgbench replaying the SQL of one ingest.
//
//	go run ./internal/bench/ingest -n 5000 -c 16
//
// It creates a scratch database, builds alertdesk and starts it against
// that database with the demo tenant, warms up, posts N distinct NinjaOne
// TRIGGERED webhooks (each its own alert, dedup key and ticket) at
// concurrency C, and records throughput, latency percentiles and the
// server's peak RSS. It then captures the statements of one more ingest
// from the PostgreSQL log (log_statement = 'all' set on the scratch
// database only, for that one request), turns them into a pgbench script
// and runs pgbench on the same database with the server stopped, so both
// measurements get the machine alone; pgbench logs every transaction (-l)
// so its latency percentiles compare with the ingest's. With -sweep, both
// are measured again at each listed concurrency. The result is a Markdown
// report.
//
// With -scenarios it measures event paths instead, each on a fresh server
// and next to pgbench replaying that path's own captured statements:
// first-seen triggers, re-firings of conditions on their open tickets,
// resets closing tickets, a 70/20/10 mix of the three, a storm of one
// condition from many senders, and the default role against the API
// role; with -preload, on an empty database and then on one filled by
// internal/proddata to production size (or -scale of it).
//
//	go run ./internal/bench/ingest -scenarios all -preload
//
// Everything talks to 127.0.0.1 only and is bounded: by -n, by
// -pgbench-time and by -timeout. The scratch database and the temporary
// directory are removed at the end unless -keep is given.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	opts, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ingest:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts, log); err != nil {
		log.Error("benchmark failed", "err", err)
		stop()
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	N                int           // measured requests
	C                int           // concurrency (HTTP clients and pgbench clients)
	Warmup           int           // requests before measuring
	Rounds           int           // ingest/pgbench alternations
	AdminURL         string        // PostgreSQL URL used to create and drop the scratch database
	RedisURL         string        // Redis for the server
	Pgbench          string        // pgbench binary
	PgbenchTime      time.Duration // duration of each timed pgbench run
	PgbenchJobs      int           // pgbench -j
	Modes            []string      // pgbench query modes to run
	ProfileTime      time.Duration // duration of the pgbench -r run (0: none)
	PGLog            string        // PostgreSQL log file; empty: ask the server
	Sample           time.Duration // pg_stat_activity sampling period (0: off)
	Analyze          bool          // VACUUM (ANALYZE) before each timed phase
	Checkpoint       bool          // CHECKPOINT before each timed phase
	Role             string        // ALERTDESK_ROLE of the measured server ("": its default)
	ServerEnv        []string      // extra KEY=VALUE variables of the measured server
	ServerProfile    string        // write a CPU profile of the server here ("": none)
	HeapProfiles     string        // write heap profiles of every server round into this directory ("": none)
	Keep             bool          // keep the database and temporary directory
	Out              string        // write the Markdown report here too
	ScriptOut        string        // write the pgbench script here too
	Root             string        // module root; empty: from `go env GOMOD`
	Sweep            []int         // concurrencies of the sweep (none: no sweep)
	SweepN           int           // measured requests per sweep concurrency
	SweepPgbenchTime time.Duration // duration of each sweep pgbench run
	Timeout          time.Duration // bound on the whole run
	Args             []string      // the command line, for the report

	Scenarios     []string // -scenarios, in the order they run (none: the classic first-seen run)
	Preload       bool     // measure the scenarios again on a production-size database
	OnlyPreloaded bool     // with Preload: skip the empty database
	Scale         float64  // fraction of the production size to preload
	Pool          int      // open tickets the refire scenario fires on
	Storm         int      // firings of the storm
	StormC        int      // senders of the storm
}

func parseFlags(args []string) (options, error) {
	o := options{Args: args}
	fs := flag.NewFlagSet("ingest", flag.ContinueOnError)
	fs.IntVar(&o.N, "n", 5000, "measured webhook requests")
	fs.IntVar(&o.C, "c", 16, "concurrency: HTTP clients, and pgbench clients")
	fs.IntVar(&o.Warmup, "warmup", 200, "warm-up requests before measuring")
	fs.IntVar(&o.Rounds, "rounds", 1,
		"alternate ingest and pgbench this many times (-n and -pgbench-time are split), so both see the same background load")
	fs.StringVar(&o.AdminURL, "admin-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
		"PostgreSQL URL (superuser, 127.0.0.1) used to create the scratch database")
	fs.StringVar(&o.RedisURL, "redis-url", "redis://127.0.0.1:6379/0", "REDIS_URL for the server")
	fs.StringVar(&o.Pgbench, "pgbench", "/usr/bin/pgbench", "pgbench binary")
	fs.DurationVar(&o.PgbenchTime, "pgbench-time", 20*time.Second, "duration of each pgbench query mode's timed run (-T), split over -rounds")
	fs.IntVar(&o.PgbenchJobs, "pgbench-jobs", 2, "pgbench threads (-j)")
	modes := fs.String("pgbench-modes", "simple,prepared", "pgbench query modes (-M) to run, comma-separated")
	fs.DurationVar(&o.ProfileTime, "profile-time", 10*time.Second,
		"duration of an extra pgbench -r -M prepared run for per-statement latencies (0 to skip)")
	fs.StringVar(&o.PGLog, "pglog", "", "PostgreSQL log file (default: pg_current_logfile(), else the Debian path)")
	fs.DurationVar(&o.Sample, "sample", 10*time.Millisecond, "pg_stat_activity sampling period during timed runs (0 to skip)")
	fs.BoolVar(&o.Analyze, "analyze", true,
		"VACUUM (ANALYZE) the scratch database before each timed phase, as autovacuum would have (it may be off)")
	fs.BoolVar(&o.Checkpoint, "checkpoint", true,
		"CHECKPOINT before each timed phase, so that no phase writes out what another dirtied")
	fs.StringVar(&o.Role, "role", "",
		"ALERTDESK_ROLE of the measured server: all (webhooks, API and workers) or api; empty: the server's default")
	fs.StringVar(&o.ServerProfile, "server-cpuprofile", "",
		"write a Go CPU profile of the server during the first round's measured ingest to this file (5 s, taken through ALERTDESK_DEBUG_ADDR)")
	fs.StringVar(&o.HeapProfiles, "server-heapprofile", "",
		"write heap profiles of each measured server into this directory: every 2 s from ready to the end of its measured load, and once after it (taken through ALERTDESK_DEBUG_ADDR)")
	fs.BoolVar(&o.Keep, "keep", false, "keep the scratch database and temporary directory")
	fs.StringVar(&o.Out, "out", "", "also write the Markdown report to this file")
	fs.StringVar(&o.ScriptOut, "script-out", "", "also write the generated pgbench script to this file")
	fs.StringVar(&o.Root, "root", "", "alertdesk module root (default: from go env GOMOD)")
	fs.Func("server-env", "KEY=VALUE: a variable of the measured server, over the harness's own (e.g. ALERTDESK_DB_WEBHOOK_CONNS=4); repeatable",
		func(v string) error {
			if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
				return fmt.Errorf("want KEY=VALUE, got %q", v)
			}
			o.ServerEnv = append(o.ServerEnv, v)
			return nil
		})
	fs.DurationVar(&o.Timeout, "timeout", 20*time.Minute, "bound on the whole run")
	sweep := fs.String("sweep", "",
		"after the main measurement, measure ingest and pgbench -M prepared at each of these concurrencies, comma-separated (e.g. 1,4,8,16)")
	fs.IntVar(&o.SweepN, "sweep-n", 2000, "measured webhook requests per -sweep concurrency")
	fs.DurationVar(&o.SweepPgbenchTime, "sweep-pgbench-time", 5*time.Second, "duration of the pgbench run per -sweep concurrency")
	scenarios := fs.String("scenarios", "",
		"instead of the classic run, measure these scenarios, each next to pgbench replaying its own statements: "+
			strings.Join(scenarioOrder, ",")+" or all")
	fs.BoolVar(&o.Preload, "preload", false, "with -scenarios: measure them on an empty database, then on one preloaded to production size (see -scale)")
	fs.BoolVar(&o.OnlyPreloaded, "preloaded-only", false, "with -preload: measure the preloaded database only, not the empty one first")
	fs.Float64Var(&o.Scale, "scale", 1, "with -preload: fraction of the production size (1,000,000 alerts) to load")
	fs.IntVar(&o.Pool, "pool", 5000, "refire scenario: open tickets whose conditions fire again")
	fs.IntVar(&o.Storm, "storm", 10000, "storm scenario: firings of one condition")
	fs.IntVar(&o.StormC, "storm-c", 32, "storm scenario: concurrent senders")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	var err error
	if o.Scenarios, err = parseScenarios(*scenarios); err != nil {
		return o, err
	}
	if o.Sweep, err = parseSweep(*sweep); err != nil {
		return o, err
	}
	if err := checkSweepFlags(o); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, m := range strings.Split(*modes, ",") {
		m = strings.TrimSpace(m)
		switch m {
		case "":
		case "simple", "extended", "prepared":
			o.Modes = append(o.Modes, m)
		default:
			return o, fmt.Errorf("-pgbench-modes: unknown mode %q (want simple, extended or prepared)", m)
		}
	}
	switch {
	case o.N < 1 || o.N > 1_000_000:
		return o, errors.New("-n must be between 1 and 1000000")
	case o.C < 1 || o.C > 64:
		return o, errors.New("-c must be between 1 and 64 (the server's pool has 20 connections)")
	case o.Warmup < 0 || o.Warmup > 100_000:
		return o, errors.New("-warmup must be between 0 and 100000")
	case o.Rounds < 1 || o.Rounds > 10 || o.Rounds > o.N:
		return o, errors.New("-rounds must be between 1 and 10, and at most -n")
	case o.PgbenchTime < time.Second || o.PgbenchTime > 10*time.Minute:
		return o, errors.New("-pgbench-time must be between 1s and 10m")
	case o.ProfileTime < 0 || o.ProfileTime > 10*time.Minute:
		return o, errors.New("-profile-time must be between 0 and 10m")
	case o.PgbenchJobs < 1 || o.PgbenchJobs > o.C:
		return o, errors.New("-pgbench-jobs must be between 1 and -c")
	case len(o.Modes) == 0:
		return o, errors.New("-pgbench-modes: need at least one mode")
	case o.Sample < 0:
		return o, errors.New("-sample must not be negative")
	case o.Timeout < time.Minute:
		return o, errors.New("-timeout must be at least 1m")
	case o.Scale <= 0 || o.Scale > 1:
		return o, errors.New("-scale must be above 0 and at most 1")
	case o.Pool < 2 || o.Pool > 100_000:
		return o, errors.New("-pool must be between 2 and 100000")
	case o.Storm < 2 || o.Storm > 1_000_000 || o.StormC < 1 || o.StormC > 64:
		return o, errors.New("-storm must be between 2 and 1000000, -storm-c between 1 and 64")
	case len(o.Scenarios) > 0 && len(o.Sweep) > 0:
		return o, errors.New("-sweep is for the classic run, not -scenarios")
	case o.Preload && len(o.Scenarios) == 0:
		return o, errors.New("-preload needs -scenarios")
	}
	switch o.Role {
	case "", "all", "api":
	default:
		return o, fmt.Errorf("-role %q: want all or api (a worker-only process serves no webhooks)", o.Role)
	}
	if err := checkLoopbackURL(o.AdminURL); err != nil {
		return o, fmt.Errorf("-admin-url: %w", err)
	}
	if err := checkLoopbackURL(o.RedisURL); err != nil {
		return o, fmt.Errorf("-redis-url: %w", err)
	}
	return o, nil
}
