package replicas

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/alertdesk/alertdesk/workflow"
)

var client = &http.Client{Timeout: 30 * time.Second}

// post sends body to the first replica in order that answers at all, as
// a load balancer that takes a dead replica out would: a replica killed
// mid-request may or may not have committed, and the retry on the other
// must not double anything. It returns the answer's status and body.
func post(ctx context.Context, bases []string, path string, header http.Header, body []byte) (int, []byte, error) {
	var last error
	for attempt := 0; attempt < 60; attempt++ {
		base := bases[attempt%len(bases)]
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header = header.Clone()
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			last = err
			select {
			case <-ctx.Done():
				return 0, nil, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			last = fmt.Errorf("%s%s: %d %s", base, path, resp.StatusCode, b)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		return resp.StatusCode, b, nil
	}
	return 0, nil, fmt.Errorf("no replica answered %s: %w", path, last)
}

// gql runs an operation as the token on the replicas (the first that
// answers) and decodes data into out.
func gql(ctx context.Context, bases []string, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	h := http.Header{"Authorization": {"Bearer " + token}}
	status, b, err := post(ctx, bases, "/graphql", h, body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []any           `json:"errors"`
	}
	if err := json.Unmarshal(b, &r); err != nil || status != 200 || len(r.Errors) > 0 {
		return fmt.Errorf("graphql: %d %s", status, b)
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}

// counter is a reverse proxy in front of a fake RMM that records when
// each API call of interest reached it, and answers the inventory lists
// with 503 (a failed inventory fetch retires nothing, so the demo's
// assets stay as they are).
type counter struct {
	*httptest.Server
	mu    sync.Mutex
	calls map[string][]time.Time // "METHOD /path" -> arrival times
}

func newCounter(target string) *counter {
	u, _ := url.Parse(target)
	c := &counter{calls: map[string][]time.Time{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v2/organizations", "/v2/devices", "/clients/", "/agents/":
			http.Error(w, "inventory is not part of this test", http.StatusServiceUnavailable)
			return
		}
		c.mu.Lock()
		k := r.Method + " " + r.URL.Path
		c.calls[k] = append(c.calls[k], time.Now())
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	return c
}

// times returns the arrival times of the calls to key.
func (c *counter) times(key string) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Time(nil), c.calls[key]...)
}

// receiver is the workflow webhooks' endpoint: it checks each delivery's
// Standard Webhooks signature and counts deliveries by webhook-id.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	got    map[string]int // webhook-id -> deliveries
	bad    []string
}

func newReceiver() *receiver {
	r := &receiver{got: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := workflow.Verify(r.secret, req.Header, body, 10*time.Minute); err != nil {
			r.bad = append(r.bad, fmt.Sprintf("%s: %v", req.Header.Get(workflow.HeaderID), err))
		}
		r.got[req.Header.Get(workflow.HeaderID)]++
		w.WriteHeader(http.StatusNoContent)
	}))
	return r
}

func (r *receiver) snapshot() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.got))
	for k, v := range r.got {
		out[k] = v
	}
	return out, append([]string(nil), r.bad...)
}

// feedKey names one live-feed event: alert, type and time.
type feedKey struct {
	alert int
	typ   string
	at    int64 // Unix microseconds
}

func keyOf(alert int, typ, at string) feedKey {
	k := feedKey{alert: alert, typ: strings.ToLower(typ)}
	if ts, err := time.Parse(time.RFC3339Nano, at); err == nil {
		k.at = ts.UnixMicro()
	}
	return k
}

// subscriber holds an alertEvents subscription on one replica and
// reconnects when the socket ends. Each connection is a session; events
// are recorded per session.
type subscriber struct {
	name, url, token string

	mu       sync.Mutex
	sessions []*session
	errs     []string
}

type session struct {
	opened time.Time // subscribe frame written
	first  time.Time // first event arrived: the subscription stands
	events map[feedKey]int
}

func (s *subscriber) current() *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) == 0 {
		return nil
	}
	return s.sessions[len(s.sessions)-1]
}

// run keeps the subscription until ctx ends.
func (s *subscriber) run(ctx context.Context) {
	for ctx.Err() == nil {
		err := s.once(ctx)
		if ctx.Err() != nil {
			return
		}
		s.mu.Lock()
		s.errs = append(s.errs, fmt.Sprint(err))
		s.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func (s *subscriber) once(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, s.url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return fmt.Errorf("dial: %w", err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	init, _ := json.Marshal(wsMessage{Type: "connection_init", Payload: json.RawMessage(fmt.Sprintf(`{"authorization":"Bearer %s"}`, s.token))})
	if err := conn.Write(dctx, websocket.MessageText, init); err != nil {
		return err
	}
	if _, data, err := conn.Read(dctx); err != nil || !strings.Contains(string(data), "connection_ack") {
		return fmt.Errorf("no connection_ack: %s %v", data, err)
	}
	payload, _ := json.Marshal(map[string]any{"query": `subscription { alertEvents { type at alert { id } } }`})
	sub, _ := json.Marshal(wsMessage{ID: "1", Type: "subscribe", Payload: payload})
	if err := conn.Write(dctx, websocket.MessageText, sub); err != nil {
		return err
	}
	ses := &session{opened: time.Now(), events: map[feedKey]int{}}
	s.mu.Lock()
	s.sessions = append(s.sessions, ses)
	s.mu.Unlock()
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return err
		}
		var m wsMessage
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		switch m.Type {
		case "ping":
			_ = conn.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
		case "next":
			var p struct {
				Data struct {
					AlertEvents struct {
						Type  string `json:"type"`
						At    string `json:"at"`
						Alert struct {
							ID json.Number `json:"id"`
						} `json:"alert"`
					} `json:"alertEvents"`
				} `json:"data"`
			}
			if json.Unmarshal(m.Payload, &p) == nil {
				id, _ := p.Data.AlertEvents.Alert.ID.Int64()
				ev := p.Data.AlertEvents
				s.mu.Lock()
				if ses.first.IsZero() {
					ses.first = time.Now()
				}
				ses.events[keyOf(int(id), ev.Type, ev.At)]++
				s.mu.Unlock()
			}
		case "error", "complete":
			return fmt.Errorf("subscription ended: %s", data)
		}
	}
}

// received reports whether any session saw k.
func (s *subscriber) received(k feedKey) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ses := range s.sessions {
		if ses.events[k] > 0 {
			return true
		}
	}
	return false
}
