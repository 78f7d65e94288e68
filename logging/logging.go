// Package logging builds alertdesk's logger (text or JSON, at a level)
// whose lines carry the request id of their context, and the HTTP access
// log.
//
// [Access] keeps a sane X-Request-Id or makes one, echoes it, and logs each
// request with the route pattern the mux matched. The id goes on with the
// work: outbox entries carry it in their payload (requestId), the worker
// puts it back in the task's context, and the guarded outbound transport
// sends it as X-Request-Id, so the pipeline's, the workers' and the RMM's
// lines all name the webhook or API call that caused them.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/alertdesk/alertdesk/requestid"
)

// Formats are the values of ALERTDESK_LOG_FORMAT.
var Formats = []string{"text", "json"}

// New is a logger writing to w in format ("text" or "json") from level
// ("debug", "info", "warn" or "error") up.
func New(w io.Writer, format, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("logging: level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: l}
	var h slog.Handler
	switch format {
	case "text", "":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("logging: format must be text or json, not %q", format)
	}
	return slog.New(Handler(h)), nil
}

// RequestIDKey is the attribute naming a line's request id.
const RequestIDKey = "request_id"

// Handler wraps h so that every record logged with a context carrying a
// request id (the *Context methods) gets it as request_id.
func Handler(h slog.Handler) slog.Handler { return contextHandler{h} }

type contextHandler struct{ slog.Handler }

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := requestid.From(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(RequestIDKey, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return contextHandler{h.Handler.WithAttrs(attrs)}
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	return contextHandler{h.Handler.WithGroup(name)}
}
