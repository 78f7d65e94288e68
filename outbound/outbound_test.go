package outbound_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/outbound"
)

// hostile are hosts that must not be reached without the allowlist, with
// a word the refusal must contain.
var hostile = []struct{ host, says string }{
	{"127.0.0.1", "loopback"},
	{"127.1.2.3", "loopback"},
	{"localhost", "loopback"},
	{"0.0.0.0", "unspecified"},
	{"169.254.169.254", "link-local"},
	{"10.1.2.3", "private"},
	{"172.16.0.1", "private"},
	{"192.168.1.1", "private"},
	{"100.64.0.1", "shared"},
	{"224.0.0.1", "multicast"},
	{"[::1]", "loopback"},
	{"[::]", "unspecified"},
	{"[fe80::1]", "link-local"},
	{"[fc00::1]", "private"},
	{"[fd12:3456::1]", "private"},
	{"[ff02::1]", "multicast"},
	{"[::ffff:127.0.0.1]", "loopback"},
	{"[::ffff:169.254.169.254]", "link-local"},
	{"[64:ff9b::7f00:1]", "loopback"},
	{"[2002:7f00:1::]", "loopback"},
	{"2130706433", "loopback"},
	{"0177.0.0.1", "loopback"},
	{"0x7f.1", "loopback"},
	{"017700000001", "loopback"},
	{"rebind.example", "loopback"},
	{"mixed.example", "private"},
}

// resolver stands in for DNS: names that resolve to forbidden addresses.
var resolver = outbound.Hosts{
	"localhost":      {netip.MustParseAddr("127.0.0.1"), netip.MustParseAddr("::1")},
	"rebind.example": {netip.MustParseAddr("127.0.0.1")},
	"mixed.example":  {netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.7")},
	"public.example": {netip.MustParseAddr("93.184.215.14")},
}

func TestCheckURLRefuses(t *testing.T) {
	g := &outbound.Guard{Resolver: resolver}
	for _, c := range hostile {
		err := g.CheckURL(context.Background(), "https://"+c.host+"/hook", false)
		if !errors.Is(err, outbound.ErrRefused) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: err = %v, want a refusal saying %q", c.host, err, c.says)
		}
	}
	for _, ok := range []string{"https://public.example/h", "http://public.example:8080/h", "https://93.184.215.14/h", "https://[2606:4700::1]/h", "https://unknown.example/h"} {
		if err := g.CheckURL(context.Background(), ok, false); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "ftp://public.example/", "/relative", "https://user:pw@public.example/"} {
		if err := g.CheckURL(context.Background(), bad, false); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	// A legacy form of a public address is refused too: resolvers disagree on it.
	if err := g.CheckURL(context.Background(), "https://1572395790/", false); err == nil || !strings.Contains(err.Error(), "dotted") {
		t.Errorf("decimal public host: %v", err)
	}
}

func TestAllowlist(t *testing.T) {
	allow, err := outbound.ParseAllow("127.0.0.0/8, ::1, 10.20.0.0/16")
	if err != nil {
		t.Fatal(err)
	}
	g := &outbound.Guard{Allow: allow, Resolver: resolver}
	for _, ok := range []string{"https://127.0.0.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://10.20.3.4/", "https://rebind.example/"} {
		if err := g.CheckURL(context.Background(), ok, false); err != nil {
			t.Errorf("%s refused with the allowlist: %v", ok, err)
		}
	}
	for _, no := range []string{"https://10.21.0.1/", "https://169.254.169.254/", "https://2130706433/"} {
		if err := g.CheckURL(context.Background(), no, false); err == nil {
			t.Errorf("%s accepted", no)
		}
	}
	// Credentials in clear: only to the allowlist.
	if err := g.CheckURL(context.Background(), "http://10.20.3.4/", true); err != nil {
		t.Errorf("plain http to an allowed host with credentials: %v", err)
	}
	if err := g.CheckURL(context.Background(), "http://public.example/", true); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Errorf("plain http to a public host with credentials: %v", err)
	}
	if err := g.CheckURL(context.Background(), "https://public.example/", true); err != nil {
		t.Errorf("https with credentials: %v", err)
	}
}

func TestParseAllow(t *testing.T) {
	got, err := outbound.ParseAllow(" 10.0.0.0/8,,192.168.1.5 , fd00::/8, ::ffff:10.0.0.0/104")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.5/32", "fd00::/8", "10.0.0.0/8"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("prefix %d = %s, want %s", i, got[i], want[i])
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "intranet", "10.0.0.1/8", "10.0.0.0/8;"} {
		if _, err := outbound.ParseAllow(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// TestDialRefuses dials a live listener on loopback through every hostile
// spelling: the guard refuses before connecting, and with loopback
// allowed the same dial connects (so the refusal is the guard's).
func TestDialRefuses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "secret internal page") }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	strictG := &outbound.Guard{Resolver: resolver}
	for _, c := range hostile {
		conn, err := strictG.DialContext(context.Background(), "tcp", net.JoinHostPort(strings.Trim(c.host, "[]"), port))
		if err == nil {
			conn.Close()
			t.Errorf("%s: dialed", c.host)
			continue
		}
		if !errors.Is(err, outbound.ErrRefused) {
			t.Errorf("%s: err = %v, want a refusal", c.host, err)
		}
	}
	res, err := strictG.Client(outbound.ClientOptions{}).Get("http://rebind.example:" + port + "/")
	if err == nil {
		res.Body.Close()
		t.Fatal("client reached loopback through a name")
	}
	if !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("client err = %v", err)
	}

	allowed := &outbound.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, Resolver: resolver}
	res, err = allowed.Client(outbound.ClientOptions{}).Get("http://rebind.example:" + port + "/")
	if err != nil {
		t.Fatalf("allowed loopback: %v", err)
	}
	res.Body.Close()
}

// TestCredentialsInClear: a request with an API key over plain http is
// refused before dialing a public address that is not on the allowlist;
// the same request without the key, or over https, is dialed (and fails
// here only because the documentation address answers nobody).
func TestCredentialsInClear(t *testing.T) {
	g := &outbound.Guard{Resolver: outbound.Hosts{"rmm.example": {netip.MustParseAddr("192.0.2.10")}}, DialTimeout: 200 * time.Millisecond}
	c := g.Client(outbound.ClientOptions{Timeout: 2 * time.Second})
	send := func(url string, header, value string, ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if header != "" {
			req.Header.Set(header, value)
		}
		res, err := c.Do(req)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	bg := context.Background()
	for _, h := range []string{"X-API-KEY", "Authorization"} {
		if err := send("http://rmm.example/alerts/", h, "k", bg); !errors.Is(err, outbound.ErrRefused) || !strings.Contains(err.Error(), "plain http") {
			t.Errorf("%s over http: %v", h, err)
		}
	}
	if err := send("http://rmm.example/oauth/token", "", "", outbound.WithCredentials(bg)); !errors.Is(err, outbound.ErrRefused) {
		t.Errorf("marked body over http: %v", err)
	}
	for _, ok := range []struct{ url, header string }{{"http://rmm.example/", ""}, {"https://rmm.example/alerts/", "X-API-KEY"}} {
		if err := send(ok.url, ok.header, "k", bg); err == nil || errors.Is(err, outbound.ErrRefused) {
			t.Errorf("%s %s: err = %v, want a dial failure, not a refusal", ok.url, ok.header, err)
		}
	}
	g.Allow = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	if err := send("http://rmm.example/alerts/", "X-API-KEY", "k", bg); err == nil || errors.Is(err, outbound.ErrRefused) {
		t.Errorf("key over http to an allowed host: err = %v, want a dial failure, not a refusal", err)
	}
}
