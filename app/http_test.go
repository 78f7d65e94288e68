package app_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/alertdesk/alertdesk/config"
)

// TestSlowClientsAreClosed: clients that send their headers or their body
// a byte at a time are closed once the read timeouts pass, while a normal
// webhook is answered meanwhile. (Before, only the header timeout existed:
// a slow body held its connection as long as the client liked.) A
// webhook's body must arrive within the webhook's deadline.
func TestSlowClientsAreClosed(t *testing.T) {
	h := limits()
	// A webhook's body must arrive within its deadline, shorter than the
	// server's read timeout.
	h.ReadTimeout, h.WebhookTimeout, h.WriteTimeout = 5*time.Second, 1500*time.Millisecond, 8*time.Second
	r := start(t, config.Config{HTTP: h})
	in := r.integration("ninjaone")
	body := string(ninjaBody(t, "slow-clients"))

	type slow struct {
		name   string
		head   string // sent at once
		drip   string // then a byte every 200ms
		within time.Duration
	}
	cases := []slow{
		{"header", "POST /webhooks/ninjaone/1 HTTP/1.1\r\nHost: x\r\n", strings.Repeat("X-Slow: 1\r\n", 100), 3 * h.ReadHeaderTimeout},
		{"webhook body", fmt.Sprintf("POST /webhooks/ninjaone/%d HTTP/1.1\r\nHost: x\r\nX-Alertdesk-Secret: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
			in.ID, in.Secret, len(body)), body, 2 * h.WebhookTimeout},
		{"graphql body", "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + r.app.Demo.AdminToken +
			"\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", strings.Repeat(" ", 1000), 3 * h.ReadTimeout},
	}
	var wg sync.WaitGroup
	for _, c := range cases {
		conn, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.Write([]byte(c.head)); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := 0; i < len(c.drip); i++ {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{c.drip[i]}); err != nil {
					return // closed by the server
				}
			}
		}()
		go func() {
			defer wg.Done()
			defer close(stop)
			got, took := closedWithin(t, conn, c.within)
			t.Logf("slow %s: closed after %s, answered %q", c.name, took.Round(time.Millisecond), firstLine(got))
			if strings.HasPrefix(got, "HTTP/1.1 200") {
				t.Errorf("slow %s: answered 200; the request should have failed", c.name)
			}
		}()
	}
	// Served while the slow clients hang.
	time.Sleep(300 * time.Millisecond)
	if a := r.post(ninjaBody(t, "normal")); a.status != 200 {
		t.Errorf("normal webhook meanwhile: %d %s", a.status, a.body)
	} else if a.took > h.WebhookTimeout {
		t.Errorf("normal webhook meanwhile took %s", a.took)
	}
	wg.Wait()
}

// TestRefusedSlowBodyAnsweredAtOnce: a request refused on its headers
// alone (no or a wrong secret or token) is answered and closed without
// waiting for its body. (Before, net/http read the rest of the body before
// writing the 401, so slow unauthenticated bodies held their connections
// until the read timeout: 3,000 of them from 100 addresses held 3,000
// descriptors for 30 s.)
func TestRefusedSlowBodyAnsweredAtOnce(t *testing.T) {
	h := limits()
	h.ReadTimeout, h.WebhookTimeout, h.WriteTimeout = 30*time.Second, 20*time.Second, 30*time.Second
	r := start(t, config.Config{HTTP: h})
	in := r.integration("ninjaone")
	const slowBody = "Content-Type: application/json\r\nContent-Length: 10000\r\n\r\n{"
	cases := []struct{ name, head string }{
		{"webhook without secret", fmt.Sprintf("POST /webhooks/ninjaone/%d HTTP/1.1\r\nHost: x\r\n", in.ID)},
		{"webhook with a wrong secret", fmt.Sprintf("POST /webhooks/ninjaone/%d HTTP/1.1\r\nHost: x\r\nX-Alertdesk-Secret: wrong\r\n", in.ID)},
		{"graphql without token", "POST /graphql HTTP/1.1\r\nHost: x\r\n"},
		{"graphql with an unknown token", "POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", r.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte(c.head + slowBody)); err != nil {
				t.Fatal(err)
			}
			// Well below every timeout: only an answer that did not wait
			// for the body arrives in time.
			got, _ := closedWithin(t, conn, 5*time.Second)
			if !strings.HasPrefix(got, "HTTP/1.1 401") {
				t.Errorf("answered %q, want 401", firstLine(got))
			}
		})
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\r\n")
	return line
}

// TestUnauthenticatedConnectionCap: one address holds at most the cap of
// connections no request authenticated on; the next is answered 429 and
// closed. A connection whose request authenticated no longer counts.
func TestUnauthenticatedConnectionCap(t *testing.T) {
	h := limits()
	h.ReadHeaderTimeout, h.ReadTimeout, h.IdleTimeout = 20*time.Second, 20*time.Second, 20*time.Second
	h.WriteTimeout = 30 * time.Second
	h.UnauthenticatedConnsPerClient = 5
	r := start(t, config.Config{HTTP: h})
	in := r.integration("ninjaone")

	dial := func() net.Conn {
		c, err := net.Dial("tcp", r.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// One connection authenticates (a webhook, kept alive) ...
	authed := dial()
	body := string(ninjaBody(t, "cap"))
	fmt.Fprintf(authed, "POST /webhooks/ninjaone/%d HTTP/1.1\r\nHost: x\r\nX-Alertdesk-Secret: %s\r\nContent-Length: %d\r\n\r\n%s", in.ID, in.Secret, len(body), body)
	buf := make([]byte, 512)
	_ = authed.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := authed.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		t.Fatalf("authenticated webhook: %q, %v", buf[:n], err)
	}
	// ... then the cap of idle ones, which send nothing.
	for range h.UnauthenticatedConnsPerClient {
		dial()
	}
	// The accept loop counts a connection once it takes it: wait for it.
	over := dial()
	got, _ := closedWithin(t, over, 5*time.Second)
	if !strings.HasPrefix(got, "HTTP/1.1 429") {
		t.Fatalf("connection over the cap answered %q, want 429", firstLine(got))
	}
	// The authenticated connection still works.
	fmt.Fprintf(authed, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if n, err := authed.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		t.Fatalf("authenticated connection after the cap: %q, %v", buf[:n], err)
	}
}

// TestSubscriptionOutlivesWriteTimeout: a GraphQL subscription (a
// WebSocket on /graphql) keeps working well past the write and read
// timeouts.
func TestSubscriptionOutlivesWriteTimeout(t *testing.T) {
	h := limits()
	h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout = 500*time.Millisecond, 500*time.Millisecond, 800*time.Millisecond
	h.WebhookTimeout, h.APITimeout = 500*time.Millisecond, 500*time.Millisecond
	r := start(t, config.Config{HTTP: h})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws://"+r.addr+"/graphql", &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(websocket.StatusNormalClosure, "")
	type msg struct {
		ID      string         `json:"id,omitempty"`
		Type    string         `json:"type"`
		Payload map[string]any `json:"payload,omitempty"`
	}
	expect := func(want string) msg {
		t.Helper()
		for {
			var m msg
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				t.Fatalf("waiting for %s: %v", want, err)
			}
			if m.Type == want {
				return m
			}
			if m.Type != "ping" && m.Type != "ka" {
				t.Fatalf("got %s %v, want %s", m.Type, m.Payload, want)
			}
		}
	}
	if err := wsjson.Write(ctx, conn, msg{Type: "connection_init", Payload: map[string]any{"token": r.app.Demo.AdminToken}}); err != nil {
		t.Fatal(err)
	}
	expect("connection_ack")
	if err := wsjson.Write(ctx, conn, msg{ID: "1", Type: "subscribe", Payload: map[string]any{
		"query": "subscription { alertEvents { __typename } }"}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * h.WriteTimeout)
	if err := wsjson.Write(ctx, conn, msg{Type: "ping"}); err != nil {
		t.Fatalf("write after %s: %v", 3*h.WriteTimeout, err)
	}
	expect("pong")
}
