package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
	"github.com/alertdesk/alertdesk/validation"
)

// Error codes in extensions.code.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeBadUserInput    = "BAD_USER_INPUT"
	CodeNotFound        = "NOT_FOUND"
	CodeAlreadyLinked   = "ALREADY_LINKED"
	CodeAlreadyClosed   = "ALREADY_CLOSED"
	CodeNotActive       = "NOT_ACTIVE"
	CodeInUse           = "IN_USE"
	CodeUnavailable     = "UNAVAILABLE"
	// CodeConnectionFailed: the RMM refused the credentials or could not
	// be reached; nothing was stored.
	CodeConnectionFailed = "CONNECTION_FAILED"
	// CodeNotConfigured: the server lacks the configuration the operation
	// needs (NinjaOne's OAuth app).
	CodeNotConfigured = "NOT_CONFIGURED"
	// CodeNotConnected: the integration has no working API connection.
	CodeNotConnected = "NOT_CONNECTED"
	// CodeWrongProvider: the integration is of another RMM.
	CodeWrongProvider = "WRONG_PROVIDER"
	CodeInternal      = "INTERNAL_SERVER_ERROR"
)

// codedError is an error the client may see, with its code.
type codedError struct {
	code, msg string
}

func (e *codedError) Error() string { return e.msg }

func coded(code, format string, args ...any) error {
	return &codedError{code: code, msg: fmt.Sprintf(format, args...)}
}

var (
	errUnauthenticated = coded(CodeUnauthenticated, "authentication required: send Authorization: Bearer <token>")
	errForbidden       = coded(CodeForbidden, "this operation needs the admin role")
)

// notFound says a record does not exist in the caller's tenant, exactly as
// for an id that exists nowhere, so nothing leaks across tenants.
func notFound(kind string, id int) error {
	return coded(CodeNotFound, "%s %d not found", kind, id)
}

// fieldError is a one-field validation error.
func fieldError(field, message string) *validation.Error {
	var e validation.Error
	e.Add(field, message)
	return &e
}

// presentError turns a resolver error into what the client sees: known
// errors get their code (validation errors also list their fields), and
// anything unexpected is logged and shown only as "internal error".
func presentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var (
			verr  *validation.Error
			cerr  *codedError
			gqErr *gqlerror.Error
		)
		switch {
		case errors.As(err, &verr):
			return withCode(ctx, verr.Error(), CodeBadUserInput, map[string]any{"fields": verr.Errors})
		case errors.As(err, &cerr):
			return withCode(ctx, cerr.msg, cerr.code, nil)
		case errors.Is(err, tenancy.ErrNoViewer):
			return withCode(ctx, errUnauthenticated.Error(), CodeUnauthenticated, nil)
		case errors.Is(err, pipeline.ErrAlreadyLinked):
			return withCode(ctx, "the alert already has a ticket", CodeAlreadyLinked, nil)
		case errors.Is(err, pipeline.ErrAlertNotFound):
			return withCode(ctx, "alert not found", CodeNotFound, nil)
		case errors.Is(err, pipeline.ErrNotActive):
			return withCode(ctx, "the alert is resolved", CodeNotActive, nil)
		case errors.Is(err, desk.ErrAlreadyClosed):
			return withCode(ctx, "the ticket is already closed", CodeAlreadyClosed, nil)
		case errors.Is(err, desk.ErrNotFound), ent.IsNotFound(err):
			return withCode(ctx, "not found", CodeNotFound, nil)
		case errors.Is(err, desk.ErrInvalid), errors.Is(err, desk.ErrNoBoard), errors.Is(err, desk.ErrNoStatus):
			return withCode(ctx, err.Error(), CodeBadUserInput, nil)
		case errors.As(err, &gqErr) && !wrapsResolverError(gqErr):
			// gqlgen's own errors (argument coercion, complexity): the
			// client's doing, already phrased for it.
			return graphql.DefaultErrorPresenter(ctx, err)
		case errors.Is(err, context.Canceled):
			return withCode(ctx, "request cancelled", CodeUnavailable, nil)
		case store.Unavailable(err):
			// Busy or out of reach for now (after inTx's retries): the
			// client tries again, as with a 503.
			log.WarnContext(ctx, "graphql: database busy or unavailable", "err", err, "path", graphql.GetPath(ctx).String())
			return withCode(ctx, "the database is busy or unavailable: try again", CodeUnavailable, nil)
		}
		log.ErrorContext(ctx, "graphql: internal error", "err", err, "path", graphql.GetPath(ctx).String())
		return withCode(ctx, "internal error", CodeInternal, nil)
	}
}

// wrapsResolverError reports whether gqlgen merely wrapped an error a
// resolver returned; its text is not meant for clients (it may name
// tables, hosts or queues) and is shown as "internal error".
func wrapsResolverError(e *gqlerror.Error) bool {
	if e.Err == nil {
		return false
	}
	var inner *gqlerror.Error
	return !errors.As(e.Err, &inner)
}

func withCode(ctx context.Context, msg, code string, ext map[string]any) *gqlerror.Error {
	e := graphql.DefaultErrorPresenter(ctx, errors.New(msg))
	if e.Extensions == nil {
		e.Extensions = map[string]any{}
	}
	for k, v := range ext {
		e.Extensions[k] = v
	}
	e.Extensions["code"] = code
	return e
}

// recoverPanic logs a resolver panic and hides it from the client.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "graphql: panic", "panic", p, "path", graphql.GetPath(ctx).String())
		return errors.New("graphql: panic in resolver")
	}
}
