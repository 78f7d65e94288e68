// Package connlimit caps the connections one client address may hold open
// before any request on them has authenticated, so that slow or idle
// unauthenticated clients cannot take every file descriptor of the server.
// Handlers call Authenticated once a request on the connection proved who
// it is; from then on the connection no longer counts.
package connlimit

import (
	"context"
	"fmt"
	"net"
	"sync"
	"time"
)

// Limiter counts unauthenticated connections per client address.
type Limiter struct {
	max    int // per address; 0: no cap
	exempt func(addr string) bool

	mu      sync.Mutex
	pending map[string]int
}

// New returns a Limiter allowing max unauthenticated connections per
// client address; 0 allows any number (connections are still tracked so
// Authenticated stays cheap and harmless). Addresses exempt reports true
// for (reverse proxies, which carry many clients) are never capped; exempt
// may be nil.
func New(max int, exempt func(addr string) bool) *Limiter {
	return &Limiter{max: max, exempt: exempt, pending: make(map[string]int)}
}

// Listener wraps ln: a connection from an address already holding max
// unauthenticated ones is answered 429 and closed.
func (l *Limiter) Listener(ln net.Listener) net.Listener { return &listener{Listener: ln, l: l} }

// Pending is how many unauthenticated connections the address holds.
func (l *Limiter) Pending(addr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.pending[addr]
}

func (l *Limiter) admit(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.max > 0 && l.pending[addr] >= l.max && (l.exempt == nil || !l.exempt(addr)) {
		return false
	}
	l.pending[addr]++
	return true
}

func (l *Limiter) release(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pending[addr] <= 1 {
		delete(l.pending, addr)
		return
	}
	l.pending[addr]--
}

type listener struct {
	net.Listener
	l *Limiter
}

// tooMany is the whole answer to a connection over the cap.
var tooMany = func() string {
	const body = "too many unauthenticated connections from this address\n"
	return fmt.Sprintf("HTTP/1.1 429 Too Many Requests\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
}()

func (ln *listener) Accept() (net.Conn, error) {
	for {
		c, err := ln.Listener.Accept()
		if err != nil {
			return nil, err
		}
		addr := host(c.RemoteAddr())
		if ln.l.admit(addr) {
			return &Conn{Conn: c, l: ln.l, addr: addr}, nil
		}
		go func() {
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = c.Write([]byte(tooMany))
			_ = c.Close()
		}()
	}
}

func host(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return h
}

// Conn is an accepted connection, counted until it authenticates or
// closes.
type Conn struct {
	net.Conn
	l    *Limiter
	addr string
	once sync.Once
}

// authenticated stops counting the connection.
func (c *Conn) authenticated() { c.once.Do(func() { c.l.release(c.addr) }) }

// Close closes the connection and stops counting it.
func (c *Conn) Close() error {
	c.authenticated()
	return c.Conn.Close()
}

type connKey struct{}

// ConnContext is for http.Server.ConnContext: it lets Authenticated find
// the request's connection.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	if cc, ok := c.(*Conn); ok {
		return context.WithValue(ctx, connKey{}, cc)
	}
	return ctx
}

// Authenticated records that a request on ctx's connection authenticated:
// the connection no longer counts against its address's cap. Without a
// counted connection in ctx it does nothing.
func Authenticated(ctx context.Context) {
	if c, ok := ctx.Value(connKey{}).(*Conn); ok {
		c.authenticated()
	}
}
