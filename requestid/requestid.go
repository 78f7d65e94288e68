// Package requestid names the work one request causes: an id taken from
// the caller's X-Request-Id when it is sane, else made up, carried in the
// context to the log lines, the outbox entries and the outbound calls made
// for that request.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header carries a request id in and out: on the answer to a request and
// on the calls made for it (RMM resets, workflow event deliveries).
const Header = "X-Request-Id"

// MaxLen bounds an id taken from a caller; longer ones are replaced.
const MaxLen = 128

type key struct{}

// With returns ctx carrying id.
func With(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, key{}, id)
}

// From is ctx's request id, "" without one.
func From(ctx context.Context) string {
	id, _ := ctx.Value(key{}).(string)
	return id
}

// New makes an id: 16 random bytes in hex.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Valid reports whether a caller's id may be kept: 1 to MaxLen printable
// ASCII characters without spaces, so it cannot forge or break a log line
// or a header.
func Valid(id string) bool {
	if id == "" || len(id) > MaxLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// Or returns id when Valid, else a new one.
func Or(id string) string {
	if Valid(id) {
		return id
	}
	return New()
}
