package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent replaces Go's GOGC=100 when GOGC is not set. The server
// keeps a small live heap and allocates fast (every statement builds its
// SQL), so at 100 it collects many times a second: at 200 the webhook
// benchmark spent ~15 % less CPU per request for ~3 MiB more resident
// memory (docs/BENCHMARKS.md).
const defaultGCPercent = 200

func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
