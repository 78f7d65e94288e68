package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// transportWS is the graphql-transport-ws subprotocol, the one whose
// "next" frames the live feed writes itself.
const transportWS = "graphql-transport-ws"

// subscriptionIDExtension is the extension wsConn puts into every
// graphql-transport-ws subscribe message: the subscription's id, which
// gqlgen keeps to itself, for the live feed to write the subscription's
// frames. A client's own value is overwritten.
const subscriptionIDExtension = "alertdesk.subscriptionId"

// wsConn is gqlgen's adapter of coder/websocket (the same behaviour), and
// two things more: writeText, for frames encoded once and sent to many
// sockets, and the subscription id of each subscribe message put into its
// extensions (subscriptionIDExtension).
type wsConn struct {
	conn *websocket.Conn

	mu                sync.Mutex
	readDeadlineTimer *time.Timer
	closeHandshakeCh  chan struct{}
}

var (
	_ transport.WebsocketConn          = (*wsConn)(nil)
	_ transport.WebsocketReadLimiter   = (*wsConn)(nil)
	_ transport.WebsocketReadDeadliner = (*wsConn)(nil)
)

// acceptWS accepts a WebSocket like transport.CoderWebsocketImplementation.
func acceptWS(w http.ResponseWriter, r *http.Request, accept websocket.AcceptOptions, opts transport.WebsocketAcceptOptions) (*wsConn, error) {
	for key, values := range opts.ResponseHeader {
		for _, value := range values {
			w.Header().Add(key, value)
		}
	}
	for _, p := range opts.Subprotocols {
		if !slices.Contains(accept.Subprotocols, p) {
			accept.Subprotocols = append(accept.Subprotocols, p)
		}
	}
	c, err := websocket.Accept(w, r, &accept)
	if err != nil {
		return nil, err
	}
	return &wsConn{conn: c}, nil
}

// wsWriteTimeout bounds one message's write. A client that stops reading
// fills its socket's buffers and then blocks every write to it; past the
// bound the write is cut short, which closes the connection, and the
// client reconnects and reloads what it missed.
var wsWriteTimeout = 15 * time.Second

// writeText writes one text message, closing the connection when it
// cannot within wsWriteTimeout.
func (c *wsConn) writeText(b []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), wsWriteTimeout)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, b)
}

func (c *wsConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
			return int(typ), nil, transport.ErrWebsocketClosed
		}
		return int(typ), nil, err
	}
	if c.conn.Subprotocol() == transportWS {
		data = withSubscriptionID(data)
	}
	return int(typ), bytes.NewReader(data), nil
}

// withSubscriptionID puts a subscribe message's id into its payload's
// extensions; any other message, or one gqlgen will reject anyway, is
// returned as it is.
func withSubscriptionID(data []byte) []byte {
	var m struct {
		ID      string          `json:"id"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload"`
	}
	if json.Unmarshal(data, &m) != nil || m.Type != "subscribe" || m.ID == "" {
		return data
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(m.Payload, &p) != nil || p == nil {
		return data
	}
	ext := map[string]json.RawMessage{}
	if raw, ok := p["extensions"]; ok {
		if json.Unmarshal(raw, &ext) != nil {
			return data
		}
		if ext == nil { // "extensions": null
			ext = map[string]json.RawMessage{}
		}
	}
	id, _ := json.Marshal(m.ID)
	ext[subscriptionIDExtension] = id
	var err error
	if p["extensions"], err = json.Marshal(ext); err != nil {
		return data
	}
	if m.Payload, err = json.Marshal(p); err != nil {
		return data
	}
	out, err := json.Marshal(m)
	if err != nil {
		return data
	}
	return out
}

// subscriptionID is the graphql-transport-ws id of the operation in ctx,
// if wsConn read it.
func subscriptionID(ctx context.Context) (string, bool) {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil {
		return "", false
	}
	id, ok := oc.Extensions[subscriptionIDExtension].(string)
	return id, ok && id != ""
}

func (c *wsConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.writeText(data)
}

func (c *wsConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *wsConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

func (c *wsConn) Close() error {
	c.clearReadDeadlineTimer()
	c.mu.Lock()
	handshake := c.closeHandshakeCh != nil
	c.mu.Unlock()
	if handshake {
		return nil // WriteClose's goroutine closes the connection
	}
	return c.conn.CloseNow()
}

// WriteClose starts the close handshake in the background: coder's Close
// waits up to 5 s for the peer's close frame.
func (c *wsConn) WriteClose(code int, reason string) error {
	c.clearReadDeadlineTimer()
	c.mu.Lock()
	if c.closeHandshakeCh != nil {
		c.mu.Unlock()
		return nil
	}
	done := make(chan struct{})
	c.closeHandshakeCh = done
	c.mu.Unlock()
	go func() {
		defer close(done)
		_ = c.conn.Close(websocket.StatusCode(code), reason)
	}()
	return nil
}

func (c *wsConn) SetReadDeadline(deadline time.Time) error {
	closeNow := false
	c.mu.Lock()
	c.stopReadDeadlineTimerLocked()
	if !deadline.IsZero() {
		if d := time.Until(deadline); d <= 0 {
			closeNow = true
		} else {
			c.readDeadlineTimer = time.AfterFunc(d, func() { _ = c.conn.CloseNow() })
		}
	}
	c.mu.Unlock()
	if closeNow {
		return c.conn.CloseNow()
	}
	return nil
}

func (c *wsConn) clearReadDeadlineTimer() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopReadDeadlineTimerLocked()
}

func (c *wsConn) stopReadDeadlineTimerLocked() {
	if c.readDeadlineTimer != nil {
		c.readDeadlineTimer.Stop()
		c.readDeadlineTimer = nil
	}
}
