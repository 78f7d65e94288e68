package connect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/providers"
	"github.com/alertdesk/alertdesk/providers/tacticalrmm"
	"github.com/alertdesk/alertdesk/validation"
)

// ConnectTacticalRMM connects with an API host and key. The host must be
// one outbound requests may reach, and plain http is accepted only for a
// host on the allowlist, since the key travels in a header. The key is tried
// first on the alerts list (PATCH /alerts/); if TacticalRMM refuses it or
// cannot be reached, nothing is stored and the error, wrapping ErrVerify,
// says which.
func (s *Service) ConnectTacticalRMM(ctx context.Context, tenantID, integrationID int, baseURL, apiKey string) (Result, error) {
	baseURL, apiKey = strings.TrimRight(strings.TrimSpace(baseURL), "/"), strings.TrimSpace(apiKey)
	verr := &validation.Error{}
	if msg := s.checkURL(ctx, baseURL); msg != "" {
		verr.Add("baseUrl", msg)
	}
	if apiKey == "" {
		verr.Add("apiKey", "is required")
	}
	if len(verr.Errors) > 0 {
		return Result{}, verr
	}
	in, err := s.load(ctx, tenantID, integrationID, integration.ProviderTacticalrmm)
	if err != nil {
		return Result{}, err
	}
	creds := tacticalrmm.Credentials{APIKey: apiKey}
	c, err := tacticalrmm.NewClient(tacticalrmm.Config{BaseURL: baseURL, Credentials: creds, HTTP: s.http()})
	if err != nil {
		return Result{}, fmt.Errorf("connect: %w", err)
	}
	if _, err := c.FetchActive(ctx); err != nil {
		return Result{}, tacticalError(baseURL, err)
	}
	plain, err := json.Marshal(creds)
	if err != nil {
		return Result{}, fmt.Errorf("connect: encode credentials: %w", err)
	}
	if in, err = s.save(ctx, in, plain, endpoint{BaseURL: &baseURL}); err != nil {
		return Result{}, err
	}
	s.connected(ctx, in, "api key")
	return Result{Integration: in}, nil
}

// tacticalError turns a failed test call into a message an admin can act on.
func tacticalError(baseURL string, err error) error {
	var se *providers.StatusError
	if errors.As(err, &se) {
		switch se.Status {
		case http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: TacticalRMM refused the API key (HTTP %d)", ErrVerify, se.Status)
		case http.StatusNotFound:
			return fmt.Errorf("%w: %s has no TacticalRMM API at /alerts/ (HTTP 404): use the API host, e.g. https://api.example.com", ErrVerify, baseURL)
		}
		return fmt.Errorf("%w: TacticalRMM answered HTTP %d to the alerts list", ErrVerify, se.Status)
	}
	return fmt.Errorf("%w: TacticalRMM at %s did not answer the alerts list: %w", ErrVerify, baseURL, err)
}
