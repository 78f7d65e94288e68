package worker_test

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
)

// stmtProxy forwards TCP connections to PostgreSQL and counts the
// statements clients send: simple queries ('Q') and executions of
// extended-protocol portals ('E'), read from the frontend's messages.
type stmtProxy struct {
	ln     net.Listener
	target string
	n      atomic.Int64
	wg     sync.WaitGroup
}

func newStmtProxy(t *testing.T, target string) *stmtProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stmtProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() { ln.Close() })
	return p
}

func (p *stmtProxy) addr() string { return p.ln.Addr().String() }

// statements returns the count since the last call.
func (p *stmtProxy) statements() int { return int(p.n.Swap(0)) }

func (p *stmtProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.forward(c)
	}
}

func (p *stmtProxy) forward(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	_ = p.count(io.TeeReader(client, server))
}

// count reads the frontend stream: untyped messages (SSL, GSS or cancel
// requests, then the startup message) until the startup message, then
// typed ones.
func (p *stmtProxy) count(r io.Reader) error {
	head := make([]byte, 8)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(head[:4]))
		code := binary.BigEndian.Uint32(head[4:8])
		if _, err := io.CopyN(io.Discard, r, int64(n-8)); err != nil {
			return err
		}
		if code != 80877103 && code != 80877104 { // SSLRequest, GSSENCRequest
			break
		}
	}
	typed := make([]byte, 5)
	for {
		if _, err := io.ReadFull(r, typed); err != nil {
			return err
		}
		if typed[0] == 'Q' || typed[0] == 'E' {
			p.n.Add(1)
		}
		n := int(binary.BigEndian.Uint32(typed[1:5]))
		if _, err := io.CopyN(io.Discard, r, int64(n-4)); err != nil {
			return err
		}
	}
}
