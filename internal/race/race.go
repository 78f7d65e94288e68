//go:build race

// Package race says whether the binary was built with the race detector,
// whose instrumentation slows code by an order of magnitude and unevenly:
// latency tests that compare one path with another mean nothing under it.
package race

// Enabled is true in a build with -race.
const Enabled = true
