package clientip_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/clientip"
)

func TestOf(t *testing.T) {
	proxies, err := clientip.Parse("10.0.0.0/8, 192.168.1.5")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct client", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client's own header is ignored", "203.0.113.7:5000", []string{"1.2.3.4"}, "203.0.113.7"},
		{"one proxy", "10.1.2.3:443", []string{"203.0.113.7"}, "203.0.113.7"},
		{"client-written entries left of the proxy's", "10.1.2.3:443", []string{"1.2.3.4, 203.0.113.7"}, "203.0.113.7"},
		{"two proxies", "10.1.2.3:443", []string{"203.0.113.7, 192.168.1.5"}, "203.0.113.7"},
		{"header lines", "10.1.2.3:443", []string{"1.2.3.4", "203.0.113.7, 10.9.9.9"}, "203.0.113.7"},
		{"only proxies", "10.1.2.3:443", []string{"10.4.4.4"}, "10.4.4.4"},
		{"no header from a proxy", "10.1.2.3:443", nil, "10.1.2.3"},
		{"garbage stops at the last vouched address", "10.1.2.3:443", []string{"203.0.113.7, bogus"}, "10.1.2.3"},
		{"IPv4-mapped IPv6", "[::ffff:10.1.2.3]:443", []string{"2001:db8::1"}, "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := proxies.Of(r); got != tc.want {
				t.Errorf("Of = %q, want %q", got, tc.want)
			}
		})
	}
	// No trusted proxies: always the peer.
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:443"
	r.Header.Set("X-Forwarded-For", "203.0.113.7")
	if got := clientip.Proxies(nil).Of(r); got != "10.1.2.3" {
		t.Errorf("without proxies: %q", got)
	}
}

func TestParse(t *testing.T) {
	if _, err := clientip.Parse("10.0.0.0/33"); err == nil || !strings.Contains(err.Error(), "10.0.0.0/33") {
		t.Errorf("error %v", err)
	}
	p, err := clientip.Parse("")
	if err != nil || len(p) != 0 {
		t.Errorf("empty: %v %v", p, err)
	}
}
