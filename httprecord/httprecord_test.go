package httprecord_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/alertdesk/alertdesk/httprecord"
)

func TestRecorder(t *testing.T) {
	for _, c := range []struct {
		name   string
		handle func(w http.ResponseWriter)
		status int
		bytes  int64
	}{
		{"nothing written", func(w http.ResponseWriter) {}, 200, 0},
		{"body only", func(w http.ResponseWriter) { io.WriteString(w, "hello") }, 200, 5},
		{"status and body", func(w http.ResponseWriter) { w.WriteHeader(404); io.WriteString(w, "no") }, 404, 2},
		{"second status ignored", func(w http.ResponseWriter) { w.WriteHeader(503); w.WriteHeader(200) }, 503, 0},
		{"informational first", func(w http.ResponseWriter) { w.WriteHeader(103); w.WriteHeader(202) }, 202, 0},
		{"flushed", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }, 200, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := httprecord.Of(httptest.NewRecorder())
			c.handle(rec)
			if rec.Status() != c.status || rec.Bytes() != c.bytes || rec.Hijacked() {
				t.Errorf("status %d, bytes %d, hijacked %v; want %d, %d, false", rec.Status(), rec.Bytes(), rec.Hijacked(), c.status, c.bytes)
			}
		})
	}
}

// TestOfShares: nested middlewares get the same Recorder, so a request is
// wrapped once however many of them read its status.
func TestOfShares(t *testing.T) {
	outer := httprecord.Of(httptest.NewRecorder())
	if inner := httprecord.Of(outer); inner != outer {
		t.Fatal("Of wrapped a Recorder again")
	}
}

// TestHijack: a WebSocket upgrade takes the connection through the
// Recorder and counts as 101.
func TestHijack(t *testing.T) {
	var rec *httprecord.Recorder
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec = httprecord.Of(w)
		c, _, err := rec.Hijack()
		if err != nil {
			t.Errorf("hijack: %v", err)
			return
		}
		io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\n\r\n")
		c.Close()
	}))
	defer srv.Close()
	res, err := http.Get(srv.URL)
	if err == nil {
		res.Body.Close()
	}
	if rec == nil || !rec.Hijacked() || rec.Status() != http.StatusSwitchingProtocols {
		t.Errorf("after hijack: %+v", rec)
	}
}
