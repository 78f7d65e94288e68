// Package rest is the HTTP plumbing the RMM API clients share: status
// errors, bounded bodies, and waiting out 429 rate limits per Retry-After.
package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/outbound"
)

// MaxBody bounds a response body read into memory.
const MaxBody = 32 << 20

// StatusError is a non-2xx answer.
type StatusError struct {
	Method, URL string
	Status      int
	// Size is the answer's body size. The body itself is never kept: the
	// error reaches the API (a failed connect, the last poll error) and
	// the URL may point at something an admin must not read through it.
	Size       int
	RetryAfter time.Duration // from a 429 or 503 answer, when given
	// OAuthError is an OAuth token endpoint's error code (invalid_client…).
	OAuthError string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d (%d bytes)", e.Method, e.URL, e.Status, e.Size)
}

// IsNotFound reports a 404 answer.
func IsNotFound(err error) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Status == http.StatusNotFound
}

// Rejected reports an answer that refuses the credentials themselves: a
// 401, or a token endpoint's invalid_client, invalid_grant or
// unauthorized_client. Trying again with the same ones will not help.
func Rejected(err error) bool {
	var se *StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.OAuthError {
	case "invalid_client", "invalid_grant", "unauthorized_client":
		return true
	}
	return se.Status == http.StatusUnauthorized
}

// Retryable reports whether trying again later may succeed: network
// errors, timeouts, 408, 429 and 5xx. Other 4xx answers are permanent.
func Retryable(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusRequestTimeout || se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return err != nil && !errors.Is(err, context.Canceled)
}

// Policy bounds the in-call waiting for rate limits.
type Policy struct {
	// RateLimitRetries is how many 429 answers are waited out (default 3).
	RateLimitRetries int
	// MaxWait is the longest Retry-After waited in the call (default 30s);
	// a longer one is returned as a StatusError for the caller to retry later.
	MaxWait time.Duration
	// DefaultWait is used when a 429 has no usable Retry-After (default 1s).
	DefaultWait time.Duration
}

func (p Policy) withDefaults() Policy {
	if p.RateLimitRetries <= 0 {
		p.RateLimitRetries = 3
	}
	if p.MaxWait <= 0 {
		p.MaxWait = 30 * time.Second
	}
	if p.DefaultWait <= 0 {
		p.DefaultWait = time.Second
	}
	return p
}

// Do sends the request newReq builds (called again for each attempt) and
// returns the body of a 2xx answer. A nil hc is outbound.Default, which
// reaches the public internet only. A 429 is waited out per Retry-After up
// to the policy's bounds; any other non-2xx answer is a *StatusError.
func Do(ctx context.Context, hc *http.Client, p Policy, newReq func(ctx context.Context) (*http.Request, error)) ([]byte, error) {
	p = p.withDefaults()
	if hc == nil {
		hc = outbound.Default
	}
	for attempt := 0; ; attempt++ {
		req, err := newReq(ctx)
		if err != nil {
			return nil, err
		}
		body, err := send(hc, req)
		var se *StatusError
		if !errors.As(err, &se) || se.Status != http.StatusTooManyRequests || attempt >= p.RateLimitRetries {
			return body, err
		}
		wait := se.RetryAfter
		if wait <= 0 {
			wait = p.DefaultWait
		}
		if wait > p.MaxWait {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func send(hc *http.Client, req *http.Request) ([]byte, error) {
	res, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", req.Method, redactURL(req), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read body: %w", req.Method, redactURL(req), err)
	}
	if len(body) > MaxBody {
		return nil, fmt.Errorf("%s %s: body larger than %d bytes", req.Method, redactURL(req), MaxBody)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return nil, &StatusError{
			Method: req.Method, URL: redactURL(req), Status: res.StatusCode, Size: len(body),
			RetryAfter: RetryAfter(res.Header.Get("Retry-After"), time.Now()),
		}
	}
	return body, nil
}

// RetryAfter parses a Retry-After value: delay seconds or an HTTP date.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// redactURL drops the query, which may carry tokens.
func redactURL(req *http.Request) string {
	u := *req.URL
	u.RawQuery, u.User = "", nil
	return u.String()
}
