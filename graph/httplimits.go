package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/alertdesk/alertdesk/auth"
)

// Codes of requests refused before GraphQL sees them.
const (
	CodeRateLimited     = "RATE_LIMITED"
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
)

// RateLimit is how much one API token (or sign-in session) may ask of
// the API: PerMinute requests on average and Burst at once, and
// CostPerMinute complexity points on average and CostBurst at once (an
// operation costs its complexity, see setComplexity). A zero rate means
// no limit of that kind.
type RateLimit struct {
	PerMinute, Burst         int
	CostPerMinute, CostBurst int
}

// Default rate limit of a token. The live feed's page of 100 alerts costs
// 2,775 points: a token may load about 54 a minute, 18 at once, more than
// a dispatcher clicks through and nine times a script polling every 10 s.
const (
	DefaultRatePerMinute = 600
	DefaultRateBurst     = 100
	DefaultCostPerMinute = 150_000
	DefaultCostBurst     = 50_000
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
			r.Body = bufferedBody{bytes.NewReader(body), body}
		}
		next.ServeHTTP(w, r)
	})
}

// bufferedBody is a body limitBody read in full, so that later checks
// can look at its bytes without reading it again.
type bufferedBody struct {
	*bytes.Reader
	b []byte
}

func (bufferedBody) Close() error { return nil }

func tooLarge(w http.ResponseWriter, max int64) {
	writeHTTPError(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the request body exceeds the limit of %d bytes", max), CodePayloadTooLarge, nil)
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
