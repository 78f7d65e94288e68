package graph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/ratelimit"
)

// tokenLimiter applies a RateLimit per API token (or sign-in session),
// its state in Redis so that every replica shares it: requests a minute,
// and the complexity points its operations cost a minute. Counting
// requests alone let six tokens keep a two-CPU replica busy rendering
// pages of 100 alerts within their request rate; the points are the work
// each request makes the server do.
type tokenLimiter struct {
	requests *ratelimit.Limiter
	cost     *ratelimit.Limiter // nil: operations are not charged
	log      *slog.Logger
}

func newTokenLimiter(d Deps) *tokenLimiter {
	if d.Redis == nil || (d.RateLimit.PerMinute <= 0 && d.RateLimit.CostPerMinute <= 0) {
		return nil
	}
	l := &tokenLimiter{log: d.Log,
		requests: &ratelimit.Limiter{Redis: d.Redis, Rate: d.RateLimit.PerMinute, Burst: d.RateLimit.Burst}}
	if d.RateLimit.CostPerMinute > 0 {
		l.cost = &ratelimit.Limiter{Redis: d.Redis, Rate: d.RateLimit.CostPerMinute, Burst: d.RateLimit.CostBurst}
	}
	return l
}

// limitKey names a token in Redis without storing it.
func limitKey(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:16])
}

// allow takes one request of token. When Redis fails the request is
// allowed: the limit protects the service, an outage of it should not
// take the API down as well.
func (l *tokenLimiter) allow(ctx context.Context, token string) ratelimit.Result {
	if l == nil || token == "" {
		return ratelimit.Result{Allowed: true}
	}
	res, err := l.requests.Allow(ctx, "token:"+limitKey(token))
	if err != nil {
		l.log.ErrorContext(ctx, "graph: rate limit", "err", err)
		return ratelimit.Result{Allowed: true}
	}
	return res
}

// charge takes an operation's complexity from its token's points.
func (l *tokenLimiter) charge(ctx context.Context, token string, points int) ratelimit.Result {
	if l == nil || l.cost == nil || token == "" {
		return ratelimit.Result{Allowed: true}
	}
	res, err := l.cost.AllowN(ctx, "cost:"+limitKey(token), points)
	if err != nil {
		l.log.ErrorContext(ctx, "graph: cost limit", "err", err)
		return ratelimit.Result{Allowed: true}
	}
	return res
}

// limited is what the cost limit needs of a request: its token, and
// where to say it refused the operation, so the answer is a 429 with
// Retry-After like the request limit's.
type limited struct {
	token      string
	retryAfter atomic.Int64 // seconds; 0 while allowed
}

type limitedKey struct{}

func withLimited(ctx context.Context, token string) (context.Context, *limited) {
	l := &limited{token: token}
	return context.WithValue(ctx, limitedKey{}, l), l
}

// middleware answers 429 with Retry-After to a token over its request
// rate, and to an operation its points cannot pay for (costLimit).
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
		ctx, lim := withLimited(r.Context(), token)
		if !isWebSocket(r) {
			w = &limitedWriter{ResponseWriter: w, lim: lim}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitedWriter turns the status of an answer the cost limit refused
// into 429 with Retry-After.
type limitedWriter struct {
	http.ResponseWriter
	lim     *limited
	written bool
}

func (w *limitedWriter) WriteHeader(status int) {
	if w.written {
		return
	}
	w.written = true
	if secs := w.lim.retryAfter.Load(); secs > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		status = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *limitedWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

func (w *limitedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// costLimit charges each operation's complexity to its token's points
// once the operation has passed every other limit, and refuses it, with
// code RATE_LIMITED and retryAfter, when the points left cannot pay for
// it. A refused operation costs its parsing and validation, nothing else.
type costLimit struct{ limiter *tokenLimiter }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

func (costLimit) ExtensionName() string { return "CostLimit" }

func (costLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (c costLimit) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	lim, _ := ctx.Value(limitedKey{}).(*limited)
	stats, _ := oc.Stats.GetExtension(extension.ComplexityLimit{}.ExtensionName()).(*extension.ComplexityStats)
	if lim == nil || stats == nil {
		return nil
	}
	res := c.limiter.charge(ctx, lim.token, stats.Complexity)
	if res.Allowed {
		return nil
	}
	secs := retryAfterSeconds(res.RetryAfter)
	lim.retryAfter.Store(int64(secs))
	err := gqlerror.Errorf("this operation costs %d points, more than this API token has left of its %d a minute; retry in %d s, or select fewer items, fields or counts",
		stats.Complexity, c.limiter.cost.Rate, secs)
	err.Extensions = map[string]any{"code": CodeRateLimited, "retryAfter": secs, "cost": stats.Complexity}
	return err
}
