package config

import (
	"strings"
	"testing"
)

func TestAPILimits(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		want := APILimits{MaxDepth: 12, MaxComplexity: 10000, MaxStatements: 200, RatePerMinute: 600, RateBurst: 100}
		if c.API != want {
			t.Errorf("API limits %+v, want %+v", c.API, want)
		}
	})
	t.Run("set", func(t *testing.T) {
		t.Setenv("ALERTDESK_API_MAX_STATEMENTS", "50")
		t.Setenv("ALERTDESK_API_RATE_PER_MINUTE", "0")
		t.Setenv("ALERTDESK_API_RATE_BURST", " 7 ")
		c, err := FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if c.API.MaxStatements != 50 || c.API.RatePerMinute != 0 || c.API.RateBurst != 7 {
			t.Errorf("API limits %+v", c.API)
		}
	})
	for _, tc := range []struct{ key, value string }{
		{"ALERTDESK_API_MAX_DEPTH", "0"},
		{"ALERTDESK_API_MAX_COMPLEXITY", "lots"},
		{"ALERTDESK_API_MAX_STATEMENTS", "-1"},
		{"ALERTDESK_API_RATE_PER_MINUTE", "-5"},
		{"ALERTDESK_API_RATE_PER_MINUTE", "10/s"},
		{"ALERTDESK_API_RATE_BURST", "0"},
	} {
		t.Run(tc.key+"="+tc.value, func(t *testing.T) {
			t.Setenv(tc.key, tc.value)
			_, err := FromEnv()
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("error %v, want one naming %s", err, tc.key)
			}
		})
	}
}
