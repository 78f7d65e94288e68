package storetest

import (
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/alertdesk/alertdesk/store"
)

// Counted opens a second store on s's PostgreSQL database through a TCP
// proxy that counts the statements its clients send: simple queries ('Q')
// and executions of extended-protocol portals ('E'), read from the
// frontend's messages. statements returns the count since its last call.
func Counted(t testing.TB, s *store.Store) (counted *store.Store, statements func() int) {
	t.Helper()
	u, err := url.Parse(URL(t, s))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int64
	target := u.Host
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go forwardCounting(c, target, &n)
		}
	}()
	u.Host = ln.Addr().String()
	if counted, err = store.Connect(context.Background(), u.String(), ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { counted.Close() })
	return counted, func() int { return int(n.Swap(0)) }
}

func forwardCounting(client net.Conn, target string, n *atomic.Int64) {
	defer client.Close()
	server, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		_, _ = io.Copy(client, server)
		client.Close()
	}()
	_ = countStatements(io.TeeReader(client, server), n)
}

// countStatements reads the frontend stream: untyped messages (SSL, GSS
// or cancel requests, then the startup message) until the startup
// message, then typed ones.
func countStatements(r io.Reader, n *atomic.Int64) error {
	head := make([]byte, 8)
	for {
		if _, err := io.ReadFull(r, head); err != nil {
			return err
		}
		size := int(binary.BigEndian.Uint32(head[:4]))
		code := binary.BigEndian.Uint32(head[4:8])
		if _, err := io.CopyN(io.Discard, r, int64(size-8)); err != nil {
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
			n.Add(1)
		}
		size := int(binary.BigEndian.Uint32(typed[1:5]))
		if _, err := io.CopyN(io.Discard, r, int64(size-4)); err != nil {
			return err
		}
	}
}
