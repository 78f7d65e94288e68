package connlimit_test

import (
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/connlimit"
)

// TestCap: past the cap an address's connection is answered 429 and
// closed; one that authenticated or closed makes room.
func TestCap(t *testing.T) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := connlimit.New(2, nil)
	ln := l.Listener(raw)
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	dial := func() net.Conn {
		t.Helper()
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	take := func() net.Conn {
		t.Helper()
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("not accepted")
			return nil
		}
	}
	refused := func() {
		t.Helper()
		c := dial()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		got, _ := io.ReadAll(c)
		if !strings.HasPrefix(string(got), "HTTP/1.1 429 ") {
			t.Fatalf("over the cap: %q, want 429", got)
		}
	}
	dial()
	first := take()
	dial()
	second := take()
	if n := l.Pending("127.0.0.1"); n != 2 {
		t.Fatalf("pending = %d, want 2", n)
	}
	refused()

	// Authenticated: no longer counted, twice is once.
	ctx := connlimit.ConnContext(context.Background(), first)
	connlimit.Authenticated(ctx)
	connlimit.Authenticated(ctx)
	if n := l.Pending("127.0.0.1"); n != 1 {
		t.Fatalf("pending after Authenticated = %d, want 1", n)
	}
	dial()
	take()
	refused()

	// Closed: no longer counted, and closing an authenticated one
	// changes nothing.
	second.Close()
	first.Close()
	if n := l.Pending("127.0.0.1"); n != 1 {
		t.Fatalf("pending after closes = %d, want 1", n)
	}
	dial()
	take()
}

// TestNoCap: 0 admits any number, and so does an exempt address (a
// trusted reverse proxy) whatever the cap.
func TestNoCap(t *testing.T) {
	for name, l := range map[string]*connlimit.Limiter{
		"no cap": connlimit.New(0, nil),
		"exempt": connlimit.New(2, func(addr string) bool { return addr == "127.0.0.1" }),
	} {
		t.Run(name, func(t *testing.T) { admitsAll(t, l) })
	}
}

func admitsAll(t *testing.T, l *connlimit.Limiter) {
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := l.Listener(raw)
	defer ln.Close()
	for range 20 {
		c, err := net.Dial("tcp", raw.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		a, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
	}
}
