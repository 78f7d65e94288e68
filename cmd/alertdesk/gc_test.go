package main

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	for _, tt := range []struct {
		env  string
		want int
	}{
		{"", defaultGCPercent}, // unset: alertdesk's default
		{"100", 100},           // set: the operator's value stands
		{"off", 100},
	} {
		t.Run("GOGC="+tt.env, func(t *testing.T) {
			t.Setenv("GOGC", tt.env)
			old := debug.SetGCPercent(100)
			defer debug.SetGCPercent(old)
			tuneGC()
			if got := debug.SetGCPercent(100); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}
