package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sweepPoint is the ingest and pgbench -M prepared at one concurrency.
type sweepPoint struct {
	C       int
	Ingest  ingestPhase
	Pgbench pgbenchPhase
}

// maxSweep bounds the sweep's length: each point is a server start, a
// measurement and a pgbench run.
const maxSweep = 16

// parseSweep reads -sweep: concurrencies, comma-separated, each once.
func parseSweep(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		c, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("-sweep: %q is not a number", f)
		}
		if c < 1 || c > 64 {
			return nil, fmt.Errorf("-sweep: concurrency %d not between 1 and 64", c)
		}
		if slices.Contains(out, c) {
			return nil, fmt.Errorf("-sweep: concurrency %d twice", c)
		}
		out = append(out, c)
	}
	if len(out) > maxSweep {
		return nil, fmt.Errorf("-sweep: at most %d concurrencies", maxSweep)
	}
	return out, nil
}

// runSweep measures, for each -sweep concurrency, the ingest on a fresh
// server and then pgbench -M prepared with as many clients, the server
// stopped, as the main rounds do.
func runSweep(ctx context.Context, o options, cfg serverConfig, fx fixtures, db string, pb *pgbencher, log *slog.Logger) ([]sweepPoint, error) {
	if err := pb.restartTotals(ctx); err != nil {
		return nil, err
	}
	var out []sweepPoint
	for i, c := range o.Sweep {
		so := o
		so.C = c
		// Round numbers past the main rounds keep the webhooks distinct.
		r := o.Rounds + 1 + i
		log.Info("sweep", "concurrency", c, "requests", o.SweepN)
		in, err := ingestRound(ctx, so, cfg, fx, db, r, min(o.Warmup, roundWarmup), o.SweepN, log)
		if err != nil {
			return nil, fmt.Errorf("sweep at concurrency %d: %w", c, err)
		}
		ph, err := pb.timed(ctx, "prepared", c, sweepJobs(o, c), o.SweepPgbenchTime)
		if err != nil {
			return nil, fmt.Errorf("sweep at concurrency %d: %w", c, err)
		}
		out = append(out, sweepPoint{C: c, Ingest: in, Pgbench: ph})
	}
	return out, nil
}

// sweepJobs is pgbench's -j at c clients: -pgbench-jobs, but no more
// threads than clients.
func sweepJobs(o options, c int) int { return min(c, o.PgbenchJobs) }

// checkSweepFlags validates the sweep's settings.
func checkSweepFlags(o options) error {
	switch {
	case len(o.Sweep) == 0:
		return nil
	case o.SweepN < 1 || o.SweepN > 1_000_000:
		return errors.New("-sweep-n must be between 1 and 1000000")
	case o.SweepPgbenchTime < time.Second || o.SweepPgbenchTime > 10*time.Minute:
		return errors.New("-sweep-pgbench-time must be between 1s and 10m")
	}
	return nil
}

// writeSweep shows the sweep's ingest and pgbench side by side.
func writeSweep(b *strings.Builder, r *report) {
	if len(r.Sweep) == 0 {
		return
	}
	o := r.Opts
	fmt.Fprintf(b, "Concurrency sweep: per concurrency a fresh server, %d warm-up and %d measured webhooks, then "+
		"`pgbench -M prepared -c <concurrency> -j min(<concurrency>, %d) -T %d -l` on the same database with the server stopped; "+
		"percentiles from every request and every logged transaction.\n\n",
		min(o.Warmup, roundWarmup), o.SweepN, o.PgbenchJobs, int(o.SweepPgbenchTime.Round(time.Second)/time.Second))
	b.WriteString("| concurrency | ingest req/s | ingest p50 ms | ingest p99 ms | pgbench prepared tps | pgbench p50 ms | pgbench p99 ms | ingest ÷ pgbench | ingest p99 ÷ pgbench p99 |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Sweep {
		l, lat := p.Ingest.Load, p.Pgbench.Result.Latencies
		rate, tps := l.Throughput(), p.Pgbench.Result.TPS
		fmt.Fprintf(b, "| %d | %.0f | %s | %s | %.0f | %s | %s | **%.2f** | %s |\n",
			p.C, rate, ms(l.Percentile(0.50)), ms(l.Percentile(0.99)),
			tps, ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)),
			rate/tps, times(l.Percentile(0.99), percentile(lat, 0.99)))
	}
	b.WriteString("\n")
}

// times is a/b as "1.23×", or "–" when b is zero.
func times(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f×", float64(a)/float64(b))
}
