package config

import (
	"strings"
	"testing"
)

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
