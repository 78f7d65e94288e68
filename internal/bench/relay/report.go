package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

// report writes Markdown tables: per run, then per binary (medians over
// rounds) with ratios to the first binary.
func report(w io.Writer, o options, feeds []feedResult, ingests []ingestResult) {
	base := o.bins[0].name
	if len(feeds) > 0 {
		fmt.Fprintf(w, "\nFeed: %d subscribers, %d outbound webhook subscriptions, %d webhooks %v apart; latency from the webhook's 200 to a subscriber reading the event.\n\n",
			o.subscribers, o.hooks, o.events, o.interval)
		fmt.Fprintln(w, "| round | binary | deliveries | missing | p50 | p90 | p99 | max | on Redis p50 / max | outbound webhook calls | server CPU per delivery | load average |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
		for _, r := range feeds {
			fmt.Fprintf(w, "| %d | %s | %d | %d | %v | %v | %v | %v | %v / %v | %d | %.1f µs | %s |\n", r.round, r.bin, len(r.latencies), r.missing,
				ms(r.p(0.5)), ms(r.p(0.9)), ms(r.p(0.99)), ms(r.p(1)), ms(percentile(r.relay, 0.5)), ms(percentile(r.relay, 1)), r.hookCalls,
				r.cpuPerDelivery(), r.load)
		}
		fmt.Fprintln(w, "\n| binary | p50 (all rounds) | p99 (all rounds) | p50 ÷ "+base+" | p99 ÷ "+base+" | server CPU per delivery (median) | ÷ "+base+" |")
		fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
		cpus := map[string][]float64{}
		for _, r := range feeds {
			cpus[r.bin] = append(cpus[r.bin], r.cpuPerDelivery())
		}
		median := func(v []float64) float64 {
			if len(v) == 0 {
				return 0
			}
			v = slices.Clone(v)
			slices.Sort(v)
			return v[len(v)/2]
		}
		pooled := map[string][]time.Duration{}
		for _, r := range feeds {
			pooled[r.bin] = append(pooled[r.bin], r.latencies...)
		}
		for _, l := range pooled {
			slices.Sort(l)
		}
		b := pooled[base]
		for _, bin := range o.bins {
			l := pooled[bin.name]
			c, bc := median(cpus[bin.name]), median(cpus[base])
			cr := 0.0
			if bc > 0 {
				cr = c / bc
			}
			fmt.Fprintf(w, "| %s | %v | %v | %.3f | %.3f | %.1f µs | %.3f |\n", bin.name, ms(percentile(l, 0.5)), ms(percentile(l, 0.99)),
				ratio(percentile(l, 0.5), percentile(b, 0.5)), ratio(percentile(l, 0.99), percentile(b, 0.99)), c, cr)
		}
	}
	if len(ingests) > 0 {
		fmt.Fprintf(w, "\nIngest: %d webhooks (after %d warm-up) at concurrency %d, distinct alerts each opening a ticket.\n\n", o.ingestN, o.warmup, o.c)
		fmt.Fprintln(w, "| round | binary | role | req/s | server CPU per request |")
		fmt.Fprintln(w, "|---|---|---|---|---|")
		for _, r := range ingests {
			fmt.Fprintf(w, "| %d | %s | %s | %.0f | %.3f ms |\n", r.round, r.bin, r.role, r.rate(), r.cpuPerReq())
		}
		fmt.Fprintln(w, "\n| binary | round | all ÷ api (req/s) | all ÷ api (server CPU per request) |")
		fmt.Fprintln(w, "|---|---|---|---|")
		for _, bin := range o.bins {
			var ratios []float64
			for round := 1; round <= o.rounds; round++ {
				var api, all, apiCPU, allCPU float64
				for _, r := range ingests {
					if r.bin == bin.name && r.round == round {
						switch r.role {
						case "api":
							api, apiCPU = r.rate(), r.cpuPerReq()
						case "all", "":
							all, allCPU = r.rate(), r.cpuPerReq()
						}
					}
				}
				if api > 0 && all > 0 {
					ratios = append(ratios, all/api)
					fmt.Fprintf(w, "| %s | %d | %.2f | %.2f |\n", bin.name, round, all/api, allCPU/apiCPU)
				}
			}
			if len(ratios) > 0 {
				slices.Sort(ratios)
				fmt.Fprintf(w, "| %s | median | **%.2f** |\n", bin.name, ratios[len(ratios)/2])
			}
		}
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
