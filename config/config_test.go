package config

import (
	"strings"
	"testing"
	"time"
)

func TestAPILimits(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		c, err := FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		want := APILimits{MaxDepth: 12, MaxComplexity: 10000, MaxStatements: 200, RatePerMinute: 600, RateBurst: 100,
			CostPerMinute: 150000, CostBurst: 50000}
		if c.API != want {
			t.Errorf("API limits %+v, want %+v", c.API, want)
		}
	})
	t.Run("set", func(t *testing.T) {
		t.Setenv("ALERTDESK_API_MAX_STATEMENTS", "50")
		t.Setenv("ALERTDESK_API_RATE_PER_MINUTE", "0")
		t.Setenv("ALERTDESK_API_RATE_BURST", " 7 ")
		t.Setenv("ALERTDESK_API_MAX_CONCURRENT", "16")
		t.Setenv("ALERTDESK_API_COST_PER_MINUTE", "0")
		t.Setenv("ALERTDESK_API_COST_BURST", "5000")
		c, err := FromEnv()
		if err != nil {
			t.Fatal(err)
		}
		if c.API.MaxStatements != 50 || c.API.RatePerMinute != 0 || c.API.RateBurst != 7 || c.API.MaxConcurrent != 16 ||
			c.API.CostPerMinute != 0 || c.API.CostBurst != 5000 {
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
		{"ALERTDESK_API_MAX_CONCURRENT", "-1"},
		{"ALERTDESK_API_COST_PER_MINUTE", "-1"},
		{"ALERTDESK_API_COST_BURST", "0"},
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

func TestOutboundAllow(t *testing.T) {
	t.Setenv("ALERTDESK_OUTBOUND_ALLOW", "10.20.0.0/16, 192.168.1.5")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.OutboundAllow) != 2 || c.OutboundAllow[0].String() != "10.20.0.0/16" || c.OutboundAllow[1].String() != "192.168.1.5/32" {
		t.Errorf("OutboundAllow = %v", c.OutboundAllow)
	}
	for _, bad := range []string{"10.0.0.0/33", "intranet", "10.0.0.1/8"} {
		t.Setenv("ALERTDESK_OUTBOUND_ALLOW", bad)
		if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "ALERTDESK_OUTBOUND_ALLOW") {
			t.Errorf("%q: err = %v, want one naming ALERTDESK_OUTBOUND_ALLOW", bad, err)
		}
	}
	t.Setenv("ALERTDESK_OUTBOUND_ALLOW", "")
	if c, err := FromEnv(); err != nil || len(c.OutboundAllow) != 0 {
		t.Errorf("empty: %v, %v", c.OutboundAllow, err)
	}
}

func TestPollErrorAfter(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int
		err   bool
	}{
		{"", 3, false},
		{"1", 1, false},
		{"100", 100, false},
		{"0", 0, true},
		{"101", 0, true},
		{"three", 0, true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("ALERTDESK_POLL_ERROR_AFTER", tc.value)
			c, err := FromEnv()
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "ALERTDESK_POLL_ERROR_AFTER") {
					t.Fatalf("err = %v, want one naming ALERTDESK_POLL_ERROR_AFTER", err)
				}
				return
			}
			if err != nil || c.PollErrorAfter != tc.want {
				t.Fatalf("PollErrorAfter = %d, %v; want %d", c.PollErrorAfter, err, tc.want)
			}
		})
	}
}

func TestTrustedProxies(t *testing.T) {
	t.Setenv("ALERTDESK_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.5")
	c, err := FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if !c.TrustedProxies.Trusts("10.1.2.3:443") || c.TrustedProxies.Trusts("192.168.1.6") {
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
	t.Setenv("ALERTDESK_TRUSTED_PROXIES", "proxy.internal")
	if _, err := FromEnv(); err == nil || !strings.Contains(err.Error(), "ALERTDESK_TRUSTED_PROXIES") {
		t.Errorf("error %v, want one naming ALERTDESK_TRUSTED_PROXIES", err)
	}
}

func TestPollMinute(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  time.Duration
		err   bool
	}{
		{"", time.Minute, false},
		{"2s", 2 * time.Second, false},
		{"1m", time.Minute, false},
		{"500ms", 0, true},
		{"2m", 0, true},
		{"0", 0, true},
		{"soon", 0, true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("ALERTDESK_POLL_MINUTE", tc.value)
			c, err := FromEnv()
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "ALERTDESK_POLL_MINUTE") {
					t.Fatalf("err = %v, want one naming ALERTDESK_POLL_MINUTE", err)
				}
				return
			}
			if err != nil || c.PollMinute != tc.want {
				t.Fatalf("PollMinute = %s, %v; want %s", c.PollMinute, err, tc.want)
			}
		})
	}
}
