package outbound_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/requestid"
)

// TestRequestIDSent: a call made with a request id in its context carries
// it in X-Request-Id (unless the caller set one), without touching the
// caller's request; a call without one sends none.
func TestRequestIDSent(t *testing.T) {
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get(requestid.Header)
	}))
	defer srv.Close()
	c := outbound.New([]netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}).Client(outbound.ClientOptions{})
	cases := []struct {
		name, ctxID, header, want string
	}{
		{"from context", "req-1", "", "req-1"},
		{"caller's own", "req-1", "mine", "mine"},
		{"none", "", "", ""},
	}
	for _, tc := range cases {
		ctx := context.Background()
		if tc.ctxID != "" {
			ctx = requestid.With(ctx, tc.ctxID)
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if tc.header != "" {
			req.Header.Set(requestid.Header, tc.header)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res.Body.Close()
		if h := <-got; h != tc.want {
			t.Errorf("%s: X-Request-Id %q, want %q", tc.name, h, tc.want)
		}
		if tc.header == "" && req.Header.Get(requestid.Header) != "" {
			t.Errorf("%s: the caller's request was changed", tc.name)
		}
	}
}
