package graph

import (
	"errors"
	"strings"

	"github.com/alertdesk/alertdesk/connect"
	"github.com/alertdesk/alertdesk/graph/model"
)

// connectService is the connect service, UNAVAILABLE when the API runs
// without one.
func (r *Resolver) connectService() (*connect.Service, error) {
	if r.connect == nil {
		return nil, coded(CodeUnavailable, "connecting integrations is unavailable on this server")
	}
	return r.connect, nil
}

// connectError gives the connect service's errors their codes; validation
// and unexpected errors pass through to presentError.
func connectError(err error, integrationID int) error {
	msg := strings.TrimPrefix(err.Error(), "connect: ")
	switch {
	case errors.Is(err, connect.ErrNotFound):
		return notFound("integration", integrationID)
	case errors.Is(err, connect.ErrWrongProvider):
		return coded(CodeWrongProvider, "%s", msg)
	case errors.Is(err, connect.ErrNotConfigured):
		return coded(CodeNotConfigured, "%s", msg)
	case errors.Is(err, connect.ErrVerify):
		return coded(CodeConnectionFailed, "%s", msg)
	case errors.Is(err, connect.ErrForbidden):
		return errForbidden
	}
	return err
}

func connectResult(res connect.Result) *model.ConnectIntegrationResult {
	return &model.ConnectIntegrationResult{
		Integration:       res.Integration,
		WebhookRegistered: res.WebhookRegistered,
		WebhookError:      res.WebhookError,
	}
}
