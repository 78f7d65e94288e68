package apptest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// Subscription is a graphql-transport-ws subscription over a WebSocket.
type Subscription struct {
	t    testing.TB
	conn *websocket.Conn
	ctx  context.Context
	msgs chan wsMessage
	// Closed is closed when the connection ends; Err says why.
	Closed chan struct{}
	Err    error
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// Subscribe opens a WebSocket to /graphql, sends connection_init with
// initPayload and, once acknowledged, subscribes to query. If the server
// refuses the connection, the returned Subscription is already closed and
// Err holds the reason; ok is false.
func (e *Env) Subscribe(initPayload map[string]any, query string, vars map[string]any) (s *Subscription, ok bool) {
	e.T.Helper()
	return e.subscribe(nil, initPayload, query, vars)
}

// Subscribe is Env.Subscribe with the browser's cookies on the upgrade
// request.
func (b *Browser) Subscribe(initPayload map[string]any, query string, vars map[string]any) (s *Subscription, ok bool) {
	b.e.T.Helper()
	h := http.Header{}
	u, _ := url.Parse(b.e.HTTP.URL)
	for _, c := range b.Client.Jar.Cookies(u) {
		h.Add("Cookie", c.String())
	}
	return b.e.subscribe(h, initPayload, query, vars)
}

func (e *Env) subscribe(header http.Header, initPayload map[string]any, query string, vars map[string]any) (s *Subscription, ok bool) {
	e.T.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	e.T.Cleanup(cancel)
	wsURL := "ws" + strings.TrimPrefix(e.HTTP.URL, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		e.T.Fatalf("dial websocket: %v", err)
	}
	e.T.Cleanup(func() { conn.Close(websocket.StatusNormalClosure, "") })
	s = &Subscription{t: e.T, conn: conn, msgs: make(chan wsMessage, 64), Closed: make(chan struct{})}
	s.send(ctx, wsMessage{Type: "connection_init", Payload: mustJSON(e.T, initPayload)})
	go s.read(ctx)
	select {
	case m, open := <-s.msgs:
		if !open {
			return s, false
		}
		if m.Type != "connection_ack" {
			e.T.Fatalf("websocket: got %s %s before connection_ack", m.Type, m.Payload)
		}
	case <-time.After(5 * time.Second):
		e.T.Fatal("websocket: no connection_ack")
	}
	s.ctx = ctx
	s.Start("1", query, vars)
	return s, true
}

// Start sends another subscribe message on the connection, with its own
// operation id.
func (s *Subscription) Start(id, query string, vars map[string]any) {
	s.send(s.ctx, wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(s.t, map[string]any{"query": query, "variables": vars})})
}

// StartWith sends a subscribe message with the payload as given
// (query, variables, extensions).
func (s *Subscription) StartWith(id string, payload map[string]any) {
	s.send(s.ctx, wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(s.t, payload)})
}

// Close closes the connection from the client's side.
func (s *Subscription) Close() {
	s.conn.Close(websocket.StatusNormalClosure, "")
}

// CloseStatus is the code and reason of the server's close frame once the
// connection ended; -1 when it ended without one (or has not ended).
func (s *Subscription) CloseStatus() (code int, reason string) {
	select {
	case <-s.Closed:
	default:
		return -1, ""
	}
	var ce websocket.CloseError
	if !errors.As(s.Err, &ce) {
		return -1, ""
	}
	return int(ce.Code), ce.Reason
}

func (s *Subscription) send(ctx context.Context, m wsMessage) {
	b, _ := json.Marshal(m)
	if err := s.conn.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Logf("websocket write: %v", err)
	}
}

func (s *Subscription) read(ctx context.Context) {
	defer close(s.Closed)
	defer close(s.msgs)
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			s.Err = err
			return
		}
		var m wsMessage
		if err := json.Unmarshal(b, &m); err != nil {
			continue
		}
		if m.Type == "ping" {
			s.send(ctx, wsMessage{Type: "pong"})
			continue
		}
		s.msgs <- m
	}
}

// Next waits up to timeout for the next message of the subscription:
// "next" with its payload ({"data": …}) or "error"/"complete". ok is false
// on timeout or when the connection ended.
func (s *Subscription) Next(timeout time.Duration) (typ string, payload json.RawMessage, ok bool) {
	_, typ, payload, ok = s.NextWithID(timeout)
	return typ, payload, ok
}

// NextWithID is Next with the operation id the message names.
func (s *Subscription) NextWithID(timeout time.Duration) (id, typ string, payload json.RawMessage, ok bool) {
	select {
	case m, open := <-s.msgs:
		if !open {
			return "", "", nil, false
		}
		return m.ID, m.Type, m.Payload, true
	case <-time.After(timeout):
		return "", "", nil, false
	}
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
