package notify_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/notify"
)

func TestAllowed(t *testing.T) {
	off := map[string]map[string]bool{"rmm-alert": {"email": false, "inApp": true}}
	cases := []struct {
		name    string
		prefs   map[string]map[string]bool
		channel string
		want    bool
	}{
		{"no preferences", nil, notify.ChannelEmail, true},
		{"other category only", map[string]map[string]bool{"billing": {"email": false}}, notify.ChannelEmail, true},
		{"channel missing", map[string]map[string]bool{"rmm-alert": {"inApp": false}}, notify.ChannelEmail, true},
		{"channel off", off, notify.ChannelEmail, false},
		{"channel on", off, notify.ChannelInApp, true},
	}
	for _, c := range cases {
		if got := notify.Allowed(c.prefs, notify.CategoryRMMAlert, c.channel); got != c.want {
			t.Errorf("%s: Allowed = %v, want %v", c.name, got, c.want)
		}
	}
}
