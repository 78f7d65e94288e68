package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ratelimit"
)

// Codes of requests refused before GraphQL sees them.
const (
	CodeRateLimited     = "RATE_LIMITED"
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
)

// RateLimit is how many requests one API token may make: PerMinute on
// average, Burst at once. Zero PerMinute means no limit.
type RateLimit struct {
	PerMinute, Burst int
}

// Default rate limit of a token.
const (
	DefaultRatePerMinute = 600
	DefaultRateBurst     = 100
)

// limitBody answers 413 to a body over max bytes, whether its length is
// declared or it is chunked, before GraphQL reads it (gqlgen would answer
// 200 with an error).
func limitBody(next http.Handler, max int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			tooLarge(w, max)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				tooLarge(w, max)
				return
			}
			if err != nil {
				writeHTTPError(w, http.StatusBadRequest, "could not read the request body", CodeBadUserInput, nil)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(w http.ResponseWriter, max int64) {
	writeHTTPError(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the request body exceeds the limit of %d bytes", max), CodePayloadTooLarge, nil)
}

// tokenLimiter applies a RateLimit per API token, its state in Redis.
type tokenLimiter struct {
	limiter *ratelimit.Limiter
	log     *slog.Logger
}

// allow takes one request of token. When Redis fails the request is
// allowed: the limit protects the service, an outage of it should not
// take the API down as well.
func (l *tokenLimiter) allow(ctx context.Context, token string) ratelimit.Result {
	if l == nil || token == "" {
		return ratelimit.Result{Allowed: true}
	}
	sum := sha256.Sum256([]byte(token))
	res, err := l.limiter.Allow(ctx, "token:"+hex.EncodeToString(sum[:16]))
	if err != nil {
		l.log.ErrorContext(ctx, "graph: rate limit", "err", err)
		return ratelimit.Result{Allowed: true}
	}
	return res
}

// middleware answers 429 with Retry-After to a token over its rate.
// WebSocket upgrades carry their token in connection_init and are limited
// there.
func (l *tokenLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := auth.BearerToken(r.Header.Get("Authorization"))
		if c, err := r.Cookie(auth.SessionCookie); !ok && err == nil {
			// A signed-in browser is limited by its session.
			token = c.Value
		}
		if res := l.allow(r.Context(), token); !res.Allowed {
			secs := retryAfterSeconds(res.RetryAfter)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			writeHTTPError(w, http.StatusTooManyRequests, rateLimitedMessage(secs), CodeRateLimited,
				map[string]any{"retryAfter": secs})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func rateLimitedMessage(secs int) string {
	return fmt.Sprintf("too many requests with this API token; retry in %d s", secs)
}

// retryAfterSeconds rounds up: retrying early would be refused again.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}

// writeHTTPError answers {"errors":[{"message", "extensions":{"code", …}}]}.
func writeHTTPError(w http.ResponseWriter, status int, msg, code string, ext map[string]any) {
	extensions := map[string]any{"code": code}
	for k, v := range ext {
		extensions[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	auth.RefuseUnread(w) // most of these come before the body is read
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": extensions}},
	})
}
