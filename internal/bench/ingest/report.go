package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Targets from the issue.
const (
	targetRatio = 0.6
	targetP99   = 25 * time.Millisecond
)

// load merges the rounds' ingest measurements.
func (r *report) load() loadResult {
	var l loadResult
	for _, rd := range r.Rounds {
		x := rd.Ingest.Load
		l.Requests += x.Requests
		l.Elapsed += x.Elapsed
		l.Failures += x.Failures
		l.Latencies = append(l.Latencies, x.Latencies...)
	}
	slices.Sort(l.Latencies)
	return l
}

// ingestCPU sums the rounds' ingest CPU use.
func (r *report) ingestCPU() cpuUse {
	var ps []cpuUse
	for _, rd := range r.Rounds {
		ps = append(ps, rd.Ingest.CPU)
	}
	return sumCPU(ps)
}

// peakRSS is the largest VmHWM of the rounds' server processes.
func (r *report) peakRSS() int64 {
	var m int64
	for _, rd := range r.Rounds {
		m = max(m, rd.Ingest.PeakRSS)
	}
	return m
}

// pgbenchSummary is one mode's runs over all rounds.
type pgbenchSummary struct {
	Mode      string
	TPS       float64       // mean of the rounds
	Latency   time.Duration // mean of the rounds
	Processed int
	// Latencies are every transaction of the mode's timed runs, from the
	// per-transaction logs, sorted.
	Latencies []time.Duration
	CPU       cpuUse
	Waits     *waitProfile
	Command   string
}

func (r *report) pgbench() []pgbenchSummary {
	var out []pgbenchSummary
	for i, mode := range r.Opts.Modes {
		s := pgbenchSummary{Mode: mode}
		var cpus []cpuUse
		var waits []*waitProfile
		var lats [][]time.Duration
		for _, rd := range r.Rounds {
			p := rd.Pgbench[i]
			s.TPS += p.Result.TPS / float64(len(r.Rounds))
			s.Latency += p.Result.Latency / time.Duration(len(r.Rounds))
			s.Processed += p.Result.Processed
			s.Command = p.Result.Command
			cpus = append(cpus, p.CPU)
			waits = append(waits, p.Waits)
			lats = append(lats, p.Result.Latencies)
		}
		s.CPU, s.Waits = sumCPU(cpus), mergeWaits(waits)
		s.Latencies = mergeLatencies(lats...)
		out = append(out, s)
	}
	return out
}

func sumCPU(us []cpuUse) cpuUse {
	var s cpuUse
	var busy float64
	for _, u := range us {
		s.Server += u.Server
		s.Postgres += u.Postgres
		s.Self += u.Self
		s.Children += u.Children
		s.Wall += u.Wall
		busy += u.Machine * float64(u.Wall)
	}
	if s.Wall > 0 {
		s.Machine = busy / float64(s.Wall)
	}
	return s
}

func mergeWaits(ps []*waitProfile) *waitProfile {
	m := &waitProfile{Counts: map[string]int{}}
	for _, p := range ps {
		if p == nil {
			return nil
		}
		m.Samples += p.Samples
		m.Total += p.Total
		for k, v := range p.Counts {
			m.Counts[k] += v
		}
	}
	return m
}

// renderReport writes the results as Markdown.
func renderReport(r *report) string {
	var b strings.Builder
	o, e, l := r.Opts, r.Env, r.load()
	fmt.Fprintf(&b, "## Webhook ingest on PostgreSQL — %s\n\n", e.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s RAM, Linux %s; PostgreSQL %s (%s); %s; %s; alertdesk %s.\n\n",
		e.CPUs, e.CPUModel, e.Memory, e.Kernel, e.Postgres, strings.Join(e.Settings, ", "), e.Pgbench, e.Go, e.Commit)
	role := "the server's default role (webhooks, API and the background workers, e.g. the outbox relay)"
	if o.Role != "" {
		role = "ALERTDESK_ROLE=" + o.Role
	}
	vacuum := ""
	switch {
	case o.Analyze && o.Checkpoint:
		vacuum = " `VACUUM (ANALYZE)` of the scratch database (autovacuum stand-in) and `CHECKPOINT` before each timed phase."
	case o.Analyze:
		vacuum = " `VACUUM (ANALYZE)` of the scratch database before each timed phase (autovacuum stand-in)."
	case o.Checkpoint:
		vacuum = " `CHECKPOINT` before each timed phase."
	}
	rounds := ""
	if o.Rounds > 1 {
		rounds = fmt.Sprintf(" In %d rounds, each a fresh server process (%d warm-up requests) then pgbench, alternating.", o.Rounds, min(o.Warmup, roundWarmup))
	}
	fmt.Fprintf(&b, "`go run ./internal/bench/ingest %s` — %d distinct NinjaOne TRIGGERED webhooks after %d warm-up, "+
		"each a new alert, dedup key and ticket, concurrency %d, keep-alive HTTP on 127.0.0.1; every answer 200 `ticket_created`; server in %s.%s%s\n\n",
		strings.Join(o.Args, " "), o.N, o.Warmup, o.C, role, rounds, vacuum)

	b.WriteString("| ingest over HTTP | value |\n|---|---|\n")
	fmt.Fprintf(&b, "| throughput | **%.0f req/s** (%d requests in %.2f s) |\n", l.Throughput(), len(l.Latencies), l.Elapsed.Seconds())
	fmt.Fprintf(&b, "| latency p50 / p90 / p99 / max | %s / %s / **%s** / %s ms |\n",
		ms(l.Percentile(0.50)), ms(l.Percentile(0.90)), ms(l.Percentile(0.99)), ms(l.Percentile(1)))
	p99 := l.Percentile(0.99)
	verdict := "met"
	if p99 >= targetP99 {
		verdict = fmt.Sprintf("**missed** by %s ms (%.1f× the target)", ms(p99-targetP99), float64(p99)/float64(targetP99))
	}
	fmt.Fprintf(&b, "| p99 target < %s ms | %s |\n", ms(targetP99), verdict)
	sums := r.pgbench()
	for _, s := range sums {
		pp := percentile(s.Latencies, 0.99)
		if pp <= 0 {
			continue
		}
		alone := ""
		if pp >= targetP99 {
			alone = fmt.Sprintf("; PostgreSQL alone is %.1f× the target", float64(pp)/float64(targetP99))
		}
		fmt.Fprintf(&b, "| p99 of pgbench -M %s replaying the same statements, %d clients | %s ms — the ingest's p99 is **%s** that%s |\n",
			s.Mode, o.C, ms(pp), times(p99, pp), alone)
	}
	fmt.Fprintf(&b, "| server peak RSS (VmHWM) | %.1f MiB |\n", float64(r.peakRSS())/(1<<20))
	n := float64(max(len(l.Latencies), 1))
	c := r.ingestCPU()
	fmt.Fprintf(&b, "| CPU per request: server / PostgreSQL backends / load generator | %s / %s / %s ms |\n",
		ms(time.Duration(float64(c.Server)/n)), ms(time.Duration(float64(c.Postgres)/n)), ms(time.Duration(float64(c.Self)/n)))
	fmt.Fprintf(&b, "| machine CPU busy (of it, other processes) | %.0f%% (%.0f%%) of %d CPUs |\n\n", 100*c.Machine, 100*c.Others(), e.CPUs)

	b.WriteString("pgbench replaying the statements of one ingest (integration lookup + the transaction), same database, server stopped; " +
		"`-l` on (pgbench's buffered per-transaction log, one short line per transaction), percentiles over every transaction of the timed runs:\n\n")
	b.WriteString("| pgbench -M | tps | latency avg | latency p50 / p90 / p99 / max | CPU per txn: PostgreSQL / pgbench | machine CPU busy (others) | ingest ÷ pgbench | target ≥ 0.6 |\n" +
		"|---|---|---|---|---|---|---|---|\n")
	for _, s := range sums {
		ratio := l.Throughput() / s.TPS
		v := "met"
		if ratio < targetRatio {
			v = fmt.Sprintf("**missed** (%.0f%% of the target)", 100*ratio/targetRatio)
		}
		txns := float64(max(s.Processed, 1))
		fmt.Fprintf(&b, "| %s | %.0f | %s ms | %s / %s / **%s** / %s ms | %s / %s ms | %.0f%% (%.0f%%) | **%.2f** | %s |\n",
			s.Mode, s.TPS, ms(s.Latency),
			ms(percentile(s.Latencies, 0.50)), ms(percentile(s.Latencies, 0.90)), ms(percentile(s.Latencies, 0.99)), ms(percentile(s.Latencies, 1)),
			ms(time.Duration(float64(s.CPU.Postgres)/txns)), ms(time.Duration(float64(s.CPU.Children)/txns)),
			100*s.CPU.Machine, 100*s.CPU.Others(), ratio, v)
	}
	b.WriteString("\n")
	for _, s := range sums {
		fmt.Fprintf(&b, "    %s\n", s.Command)
	}
	b.WriteString("\n")
	if len(r.Rounds) > 1 {
		writeRounds(&b, r)
	}
	writeSweep(&b, r)

	writeStatements(&b, r)
	writeWaits(&b, r, sums)

	if len(r.Checks) > 0 {
		b.WriteString("Checks: " + strings.Join(r.Checks, "; ") + ".\n")
	}
	return b.String()
}

// writeRounds lists each round's rates and ratios.
func writeRounds(b *strings.Builder, r *report) {
	b.WriteString("| round | ingest req/s | p99 ms |")
	for _, m := range r.Opts.Modes {
		fmt.Fprintf(b, " pgbench %s tps | ratio |", m)
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|---|", len(r.Opts.Modes)) + "\n")
	for i, rd := range r.Rounds {
		rate := rd.Ingest.Load.Throughput()
		fmt.Fprintf(b, "| %d | %.0f | %s |", i+1, rate, ms(rd.Ingest.Load.Percentile(0.99)))
		for _, p := range rd.Pgbench {
			fmt.Fprintf(b, " %.0f | %.2f |", p.Result.TPS, rate/p.Result.TPS)
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// writeStatements lists the captured statements with pgbench -r latencies.
func writeStatements(b *strings.Builder, r *report) {
	kinds := map[string]int{}
	inTx := 0
	began := false
	for _, s := range r.Stmts {
		sql := strings.ToUpper(s.SQL)
		switch {
		case strings.Contains(sql, "PG_ADVISORY_XACT_LOCK"):
			kinds["advisory lock"]++
		case strings.HasPrefix(sql, "SELECT"):
			kinds["SELECT"]++
		case strings.HasPrefix(sql, "INSERT"):
			kinds["INSERT"]++
		case strings.HasPrefix(sql, "WITH") && strings.Contains(sql, " AS (INSERT"):
			kinds["INSERT (several tables)"]++
		case strings.HasPrefix(sql, "WITH"):
			kinds["SELECT"]++
		case strings.HasPrefix(sql, "UPDATE"):
			kinds["UPDATE"]++
		case strings.Contains(sql, "SAVEPOINT"):
			kinds["SAVEPOINT/RELEASE"]++
		default:
			kinds[strings.ToLower(s.SQL)]++
		}
		if isBegin(s.SQL) {
			began = true
		}
		if began {
			inTx++
		}
	}
	var parts []string
	for k, v := range kinds {
		parts = append(parts, fmt.Sprintf("%d %s", v, k))
	}
	sort.Strings(parts)
	fmt.Fprintf(b, "One ingest runs **%d statements** (%d before BEGIN, %d from BEGIN to COMMIT): %s.\n\n",
		len(r.Stmts), len(r.Stmts)-inTx, inTx, strings.Join(parts, ", "))

	var lat []stmtLatency
	if r.Profile != nil && len(r.Profile.Statements) == len(r.Stmts)+1 {
		lat = r.Profile.Statements[1:] // the first is \set
	}
	if lat != nil {
		fmt.Fprintf(b, "Per-statement average latency from `pgbench -r -M prepared -c %d -T %d` (%.0f tps):\n\n",
			r.Profile.Run.Clients, int(r.Profile.Run.Duration/time.Second), r.Profile.TPS)
		b.WriteString("| # | statement | avg ms | share |\n|---|---|---|---|\n")
	} else {
		b.WriteString("| # | statement |\n|---|---|\n")
	}
	var total time.Duration
	for _, x := range lat {
		total += x.Latency
	}
	for i, s := range r.Script {
		if lat != nil {
			fmt.Fprintf(b, "| %d | %s | %s | %.0f%% |\n", i+1, mdEscape(s.Label), ms3(lat[i].Latency), 100*float64(lat[i].Latency)/float64(max(total, 1)))
		} else {
			fmt.Fprintf(b, "| %d | %s |\n", i+1, mdEscape(s.Label))
		}
	}
	b.WriteString("\n")
}

// writeWaits shows the pg_stat_activity samples side by side.
func writeWaits(b *strings.Builder, r *report, sums []pgbenchSummary) {
	var ingest []*waitProfile
	for _, rd := range r.Rounds {
		ingest = append(ingest, rd.Ingest.Waits)
	}
	cols := []string{"ingest"}
	profs := []*waitProfile{mergeWaits(ingest)}
	for _, s := range sums {
		cols = append(cols, "pgbench "+s.Mode)
		profs = append(profs, s.Waits)
	}
	cats := map[string]float64{}
	for _, p := range profs {
		if p == nil {
			return
		}
		for _, s := range p.top() {
			cats[s.Category] += s.PerSample
		}
	}
	var order []string
	for k, v := range cats {
		if v >= 0.005 {
			order = append(order, k)
		}
	}
	sort.Slice(order, func(i, j int) bool { return cats[order[i]] > cats[order[j]] })
	fmt.Fprintf(b, "Backends of the scratch database by state, sampled from pg_stat_activity every %s (average number of backends; states under 0.01 left out):\n\n", r.Opts.Sample)
	b.WriteString("| backend state | " + strings.Join(cols, " | ") + " |\n|---|" + strings.Repeat("---|", len(cols)) + "\n")
	for _, cat := range order {
		row := []string{cat}
		for _, p := range profs {
			v := 0.0
			for _, s := range p.top() {
				if s.Category == cat {
					v = s.PerSample
				}
			}
			row = append(row, fmt.Sprintf("%.2f", v))
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }

func ms3(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
