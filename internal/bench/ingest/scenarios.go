package main

import (
	"fmt"
	"slices"
	"strings"
)

// The -scenarios, in the order they run: later ones reuse what earlier
// ones set up and captured in the same database.
const (
	scFirstSeen = "first-seen" // new alerts on distinct devices
	scRefire    = "refire"     // conditions firing again on their open tickets
	scReset     = "reset"      // resets closing the tickets their alerts opened
	scMix       = "mix"        // 70/20/10 of the three above
	scStorm     = "storm"      // one condition from many senders
	scRoles     = "roles"      // first-seen on the default role, then the API role, alternating
)

var scenarioOrder = []string{scFirstSeen, scRefire, scReset, scMix, scStorm, scRoles}

// scenarioNeeds are the scenarios whose pools or scripts a scenario uses.
var scenarioNeeds = map[string][]string{
	scMix:   {scFirstSeen, scRefire, scReset},
	scRoles: {scFirstSeen},
}

// parseScenarios reads -scenarios: names, comma-separated, or "all";
// returned in the order they run.
func parseScenarios(s string) ([]string, error) {
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
		case f == "all":
			for _, n := range scenarioOrder {
				seen[n] = true
			}
		case slices.Contains(scenarioOrder, f):
			seen[f] = true
		default:
			return nil, fmt.Errorf("-scenarios: unknown scenario %q (want %s or all)", f, strings.Join(scenarioOrder, ", "))
		}
	}
	var out []string
	for _, n := range scenarioOrder {
		if !seen[n] {
			continue
		}
		for _, need := range scenarioNeeds[n] {
			if !seen[need] {
				return nil, fmt.Errorf("-scenarios: %s needs %s", n, strings.Join(scenarioNeeds[n], ", "))
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// mixSequence says which of len(weights) kinds each of n requests is, by
// smooth weighted round robin: every run of sum(weights) consecutive
// requests holds each kind weight times, spread out rather than bunched.
func mixSequence(weights []int, n int) []int {
	total := 0
	for _, w := range weights {
		total += w
	}
	if total <= 0 {
		return nil
	}
	cur := make([]int, len(weights))
	out := make([]int, n)
	for i := range out {
		best := 0
		for k, w := range weights {
			cur[k] += w
			if cur[k] > cur[best] {
				best = k
			}
		}
		cur[best] -= total
		out[i] = best
	}
	return out
}
