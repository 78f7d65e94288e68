package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/logging"
	"github.com/alertdesk/alertdesk/requestid"
)

// lines decodes JSON log lines.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q", l)
		}
		out = append(out, m)
	}
	return out
}

func TestNew(t *testing.T) {
	cases := []struct {
		format, level string
		ok            bool
		prefix        string
	}{
		{"json", "debug", true, "{"},
		{"text", "info", true, "time="},
		{"", "info", true, "time="},
		{"yaml", "info", false, ""},
		{"json", "loud", false, ""},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		log, err := logging.New(&buf, c.format, c.level)
		if (err == nil) != c.ok {
			t.Errorf("New(%q, %q): err %v, want ok %v", c.format, c.level, err, c.ok)
			continue
		}
		if !c.ok {
			continue
		}
		log.Warn("hello")
		if !strings.HasPrefix(buf.String(), c.prefix) {
			t.Errorf("New(%q, %q) wrote %q, want it to start with %q", c.format, c.level, buf.String(), c.prefix)
		}
	}
}

func TestRequestIDFromContext(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(&buf, "json", "debug")
	if err != nil {
		t.Fatal(err)
	}
	ctx := requestid.With(context.Background(), "req-7")
	log.InfoContext(ctx, "with")
	log.With("k", "v").WithGroup("g").DebugContext(ctx, "grouped", "x", 1)
	log.Info("without")
	got := lines(t, &buf)
	if len(got) != 3 {
		t.Fatalf("%d lines, want 3: %s", len(got), buf.String())
	}
	if got[0]["request_id"] != "req-7" {
		t.Errorf("line with a request id: %v", got[0])
	}
	if g, _ := got[1]["g"].(map[string]any); got[1]["request_id"] != "req-7" && (g == nil || g["request_id"] != "req-7") {
		t.Errorf("grouped line lost the request id: %v", got[1])
	}
	if _, ok := got[2]["request_id"]; ok {
		t.Errorf("line without a context has a request id: %v", got[2])
	}
}

func TestAccessLog(t *testing.T) {
	var buf bytes.Buffer
	log, err := logging.New(&buf, "json", "info")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	mux := http.NewServeMux()
	mux.HandleFunc("POST /webhooks/{provider}/{id}", func(w http.ResponseWriter, r *http.Request) {
		seen = requestid.From(r.Context())
		log.InfoContext(r.Context(), "inside")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {})
	srv := httptest.NewServer(logging.Access(mux, log, nil))
	defer srv.Close()

	send := func(method, path, id string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if id != "" {
			req.Header.Set(requestid.Header, id)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}

	res := send("POST", "/webhooks/ninjaone/12?code=s3cret", "from-rmm-1")
	if got := res.Header.Get(requestid.Header); got != "from-rmm-1" || seen != "from-rmm-1" {
		t.Errorf("sane id: echoed %q, in context %q, want from-rmm-1", got, seen)
	}
	res = send("POST", "/webhooks/ninjaone/12", "bad id\twith tab")
	if got := res.Header.Get(requestid.Header); got == "" || got != seen || strings.Contains(got, "bad") {
		t.Errorf("insane id: echoed %q, in context %q, want a new id in both", got, seen)
	}
	made := seen
	send("GET", "/healthz", "")
	send("GET", "/nowhere", "")

	got := lines(t, &buf)
	var access []map[string]any
	for _, l := range got {
		if l["msg"] == "http request" {
			access = append(access, l)
		}
	}
	if len(access) != 3 {
		t.Fatalf("%d access lines, want 3 (health checks at debug only): %s", len(access), buf.String())
	}
	a := access[0]
	want := map[string]any{"method": "POST", "route": "POST /webhooks/{provider}/{id}", "status": float64(202),
		"bytes": float64(5), "request_id": "from-rmm-1"}
	for k, v := range want {
		if a[k] != v {
			t.Errorf("access line %s = %v, want %v (%v)", k, a[k], v, a)
		}
	}
	if _, ok := a["duration"]; !ok || a["remote_addr"] == "" || a["remote_addr"] == nil {
		t.Errorf("access line lacks duration or remote address: %v", a)
	}
	if a["client"] != "127.0.0.1" {
		t.Errorf("access line client = %v, want the peer, 127.0.0.1", a["client"])
	}
	if access[1]["request_id"] != made {
		t.Errorf("generated id not logged: %v, want %q", access[1], made)
	}
	if access[2]["route"] != "unmatched" || access[2]["status"] != float64(404) {
		t.Errorf("unmatched route: %v", access[2])
	}
	if strings.Contains(buf.String(), "s3cret") {
		t.Error("the query string reached the log")
	}
	if got[0]["msg"] != "inside" || got[0]["request_id"] != "from-rmm-1" {
		t.Errorf("handler's line lacks the request id: %v", got[0])
	}
}

// TestAccessLogClient: the access log names the client a trusted proxy
// forwarded for, and never one an untrusted peer claims.
func TestAccessLogClient(t *testing.T) {
	loopback, err := clientip.Parse("127.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		proxies clientip.Proxies
		want    string
	}{
		{"behind a trusted proxy", loopback, "203.0.113.9"},
		{"from an untrusted peer", nil, "127.0.0.1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(&buf, "json", "info")
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {})
			srv := httptest.NewServer(logging.Access(mux, log, c.proxies))
			defer srv.Close()
			req, _ := http.NewRequest("GET", srv.URL+"/x", nil)
			req.Header.Set("X-Forwarded-For", "203.0.113.9")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := lines(t, &buf)
			if len(got) != 1 || got[0]["client"] != c.want {
				t.Errorf("access lines %v, want one with client %s", got, c.want)
			}
		})
	}
}
