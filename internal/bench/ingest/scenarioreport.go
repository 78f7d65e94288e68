package main

import (
	"fmt"
	"strings"
	"time"
)

// scenarioReport is what -scenarios measured.
type scenarioReport struct {
	Opts   options
	Env    environment
	Phases []phase
}

// Targets of the scenarios (issue 11).
const (
	targetSize      = 0.9 // preloaded ÷ empty
	targetStormP99  = 50 * time.Millisecond
	targetStormRate = 0.5 // storm ÷ first-seen
	targetRSS       = 150 << 20
)

// result is the phase's result of scenario name, or nil.
func (p phase) result(name string) *scenarioResult {
	for i := range p.Results {
		if p.Results[i].Name == name {
			return &p.Results[i]
		}
	}
	return nil
}

// verdict marks a target met or missed.
func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "**missed**"
}

func renderScenarios(r *scenarioReport) string {
	var b strings.Builder
	o, e := r.Opts, r.Env
	fmt.Fprintf(&b, "## Event paths on an empty and a preloaded database — %s\n\n", e.Started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %d CPUs (%s), %s RAM, Linux %s; PostgreSQL %s (%s); %s; %s; alertdesk %s.\n\n",
		e.CPUs, e.CPUModel, e.Memory, e.Kernel, e.Postgres, strings.Join(e.Settings, ", "), e.Pgbench, e.Go, e.Commit)
	fmt.Fprintf(&b, "    go run ./internal/bench/ingest %s\n\n", strings.Join(o.Args, " "))
	fmt.Fprintf(&b, "Each scenario on a fresh server (default role) after %d first-seen warm-up webhooks, "+
		"NinjaOne CONDITION webhooks at concurrency %d (storm: %d senders); then `pgbench -M prepared -T %d` with as many clients "+
		"replaying that scenario's statements as captured from the PostgreSQL log, server stopped, same database "+
		"(mix: the three scripts at 70/20/10; roles: first-seen's script, after its rounds, each round %d warm-up webhooks "+
		"and the api rounds' outbox entries marked delivered as pgbench's are). `VACUUM (ANALYZE)` and `CHECKPOINT` before each timed phase. "+
		"refire: %d open tickets opened beforehand, each firing a new series of one of their conditions; reset: as many "+
		"tickets as resets opened beforehand, each reset closing its own; storm: %d firings of one condition.\n\n",
		o.Warmup, o.C, o.StormC, int(o.PgbenchTime.Seconds()), o.Warmup, o.Pool, o.Storm)
	for _, p := range r.Phases {
		if p.Name == "preloaded" {
			s := p.Size
			fmt.Fprintf(&b, "Preloaded (`internal/proddata`, scale %g): %d alerts, %d open and %d closed tickets, %d clients, %d assets, "+
				"one condition with %d occurrences; loaded in %.1f s.\n\n",
				o.Scale, s.Alerts, s.OpenTickets, s.ClosedTickets, s.Clients, s.Assets, s.StormOccurrences, p.LoadTime.Seconds())
		}
	}

	b.WriteString("| scenario | database | requests | req/s | p50 / p99 ms | pgbench tps (p99 ms) | ÷ pgbench | preloaded ÷ empty | peak RSS MiB | load avg before → after |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	empty := r.Phases[0]
	for _, name := range o.Scenarios {
		for _, p := range r.Phases {
			res := p.result(name)
			if res == nil {
				continue
			}
			l := res.Ingest
			pg, pgc := res.Pgbench, res.PgbenchC
			pgCell, ratio := "–", "–"
			if pg != nil {
				pgCell = fmt.Sprintf("%.0f, %d clients (%s)", pg.TPS, pgc, ms(percentile(pg.Latencies, 0.99)))
				ratio = fmt.Sprintf("**%.2f**", l.Throughput()/pg.TPS)
			}
			size := "–"
			if e := empty.result(name); p.Name != empty.Name && e != nil {
				size = fmt.Sprintf("**%.2f**", l.Throughput()/e.Ingest.Throughput())
			}
			fmt.Fprintf(&b, "| %s | %s | %d × %d | %.0f | %s / **%s** | %s | %s | %s | %.0f | %s → %s |\n",
				name, p.Name, len(l.Latencies), res.C, l.Throughput(), ms(l.Percentile(0.5)), ms(l.Percentile(0.99)),
				pgCell, ratio, size, float64(res.PeakRSS)/(1<<20), res.LoadAvg[0], res.LoadAvg[1])
		}
	}
	b.WriteString("\n")
	writeRoles(&b, r)
	writeTargets(&b, r)
	for _, p := range r.Phases {
		for _, res := range p.Results {
			if res.Check != "" {
				fmt.Fprintf(&b, "Checks, %s, %s: %s.\n", res.Name, p.Name, res.Check)
			}
		}
	}
	b.WriteString("\npgbench scripts: ")
	var ss []string
	for _, res := range empty.Results {
		if len(res.Scripts) > 0 {
			ss = append(ss, res.Name+" `-f "+strings.Join(res.Scripts, " -f ")+"`")
		}
	}
	b.WriteString(strings.Join(ss, "; ") + ".\n")
	return b.String()
}

// writeRoles shows the roles scenario's rounds.
func writeRoles(b *strings.Builder, r *scenarioReport) {
	if r.Phases[0].result(scRoles) == nil {
		return
	}
	b.WriteString("Roles: first-seen, rounds alternating the default role (webhooks, API and workers) and `ALERTDESK_ROLE=api`:\n\n")
	b.WriteString("| database | rounds (req/s, p99 ms) | default ÷ API |\n|---|---|---|\n")
	for _, p := range r.Phases {
		res := p.result(scRoles)
		var cells []string
		var def, api loadResult
		for _, rd := range res.Rounds {
			role := "default"
			if rd.Role == "api" {
				role = "api"
				api = mergeLoads(api, rd.Load)
			} else {
				def = mergeLoads(def, rd.Load)
			}
			cells = append(cells, fmt.Sprintf("%s %.0f, %s", role, rd.Load.Throughput(), ms(rd.Load.Percentile(0.99))))
		}
		fmt.Fprintf(b, "| %s | %s | **%.2f** |\n", p.Name, strings.Join(cells, "; "), def.Throughput()/api.Throughput())
	}
	b.WriteString("\n")
}

// writeTargets lists every target with its verdict.
func writeTargets(b *strings.Builder, r *scenarioReport) {
	b.WriteString("Targets:\n\n")
	empty := r.Phases[0]
	for _, p := range r.Phases {
		for _, res := range p.Results {
			l := res.Ingest
			var parts []string
			if pg := res.Pgbench; pg != nil && res.Name != scStorm {
				x := l.Throughput() / pg.TPS
				parts = append(parts, fmt.Sprintf("≥ %.1f× pgbench: %.2f %s", targetRatio, x, verdict(x >= targetRatio)))
			}
			p99, limit := l.Percentile(0.99), targetP99
			if res.Name == scStorm {
				limit = targetStormP99
				if fs := p.result(scFirstSeen); fs != nil {
					x := l.Throughput() / fs.Ingest.Throughput()
					parts = append(parts, fmt.Sprintf("≥ %.1f× first-seen: %.2f %s", targetStormRate, x, verdict(x >= targetStormRate)))
				}
			}
			parts = append(parts, fmt.Sprintf("p99 ≤ %s ms: %s %s", ms(limit), ms(p99), verdict(p99 <= limit)))
			if e := empty.result(res.Name); p.Name != empty.Name && e != nil {
				x := l.Throughput() / e.Ingest.Throughput()
				parts = append(parts, fmt.Sprintf("≥ %.1f× empty: %.2f %s", targetSize, x, verdict(x >= targetSize)))
			}
			parts = append(parts, fmt.Sprintf("RSS ≤ 150 MiB: %.0f %s", float64(res.PeakRSS)/(1<<20), verdict(res.PeakRSS <= targetRSS)))
			fmt.Fprintf(b, "- %s, %s: %s\n", res.Name, p.Name, strings.Join(parts, "; "))
		}
	}
	b.WriteString("\n")
}
