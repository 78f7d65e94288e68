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
	counted, n := CountedTrips(t, s)
	return counted, func() int { return n().Statements }
}

// Counts is what CountedTrips counted: statements as Counted counts them,
// and round trips, the messages after which a client waits for the
// server's answer: simple queries ('Q') and the Syncs ('S') that close an
// extended-protocol exchange, one per pgx batch or statement.
type Counts struct {
	Statements, RoundTrips int
}

// CountedTrips is Counted, counting round trips too.
func CountedTrips(t testing.TB, s *store.Store) (counted *store.Store, counts func() Counts) {
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
	var n tally
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
	return counted, func() Counts {
		return Counts{Statements: int(n.statements.Swap(0)), RoundTrips: int(n.trips.Swap(0))}
	}
}

// tally is what the proxy counted since it was last read.
type tally struct {
	statements, trips atomic.Int64
}

func forwardCounting(client net.Conn, target string, n *tally) {
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
func countStatements(r io.Reader, n *tally) error {
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
		switch typed[0] {
		case 'Q':
			n.statements.Add(1)
			n.trips.Add(1)
		case 'E':
			n.statements.Add(1)
		case 'S':
			n.trips.Add(1)
		}
		size := int(binary.BigEndian.Uint32(typed[1:5]))
		if _, err := io.CopyN(io.Discard, r, int64(size-4)); err != nil {
			return err
		}
	}
}
