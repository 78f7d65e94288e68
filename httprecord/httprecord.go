// Package httprecord records what a handler answered: its status, the
// bytes of its body, and whether it took the connection (a WebSocket).
// Middlewares that each need the status (the access log, the request and
// webhook metrics) share one Recorder per request instead of wrapping the
// ResponseWriter once each.
package httprecord

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
)

// Recorder is an http.ResponseWriter that notes what passes through it.
type Recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

// Of is w when it is a Recorder already, else a Recorder around w. A
// middleware passes the result on to its handler and reads it afterwards.
func Of(w http.ResponseWriter) *Recorder {
	if r, ok := w.(*Recorder); ok {
		return r
	}
	return &Recorder{ResponseWriter: w}
}

// Status is the final status written: 200 when the handler wrote none, 101
// when it took the connection.
func (r *Recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

// Bytes is the size of the body written.
func (r *Recorder) Bytes() int64 { return r.bytes }

// Hijacked reports whether the handler took the connection.
func (r *Recorder) Hijacked() bool { return r.hijacked }

// WriteHeader notes the first final status; informational ones (1xx) may
// precede it.
func (r *Recorder) WriteHeader(code int) {
	if r.status == 0 && code >= 200 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *Recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

// Flush serves streaming answers that assert http.Flusher.
func (r *Recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	_ = http.NewResponseController(r.ResponseWriter).Flush()
}

// Hijack serves WebSocket upgrades that assert http.Hijacker; the answer
// counts as 101 Switching Protocols.
func (r *Recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(r.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("httprecord: hijack: %w", err)
	}
	r.hijacked = true
	if r.status == 0 {
		r.status = http.StatusSwitchingProtocols
	}
	return c, rw, nil
}

// Unwrap lets http.ResponseController reach the underlying writer
// (deadlines of webhooks and WebSockets).
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
