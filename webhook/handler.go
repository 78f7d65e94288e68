// Package webhook receives RMM webhooks: it authenticates the integration,
// normalizes the body with the provider's normalizer and runs the pipeline.
package webhook

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/pipeline"
)

// SecretHeader carries the integration's webhook secret.
const SecretHeader = "X-Alertdesk-Secret"

// MaxBody is the largest body accepted; larger bodies get 413.
const MaxBody = 1 << 20

// Normalizer turns a provider's webhook body into an event.
type Normalizer func(body []byte) (event.Event, error)

// Processor runs normalized events; the pipeline implements it.
type Processor interface {
	Process(ctx context.Context, ev event.Event) (pipeline.Result, error)
}

// Handler serves POST /webhooks/{provider}/{integrationId}.
type Handler struct {
	DB          *ent.Client
	Pipeline    Processor
	Normalizers map[event.Provider]Normalizer
	Log         *slog.Logger
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	provider := event.Provider(r.PathValue("provider"))
	normalize, ok := h.Normalizers[provider]
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown provider"})
		return
	}
	in, err := h.authenticate(r, provider)
	if errors.Is(err, errUnauthorized) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unknown integration or bad secret"})
		return
	}
	if err != nil {
		log.ErrorContext(r.Context(), "webhook: load integration", "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body larger than 1 MiB"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read body"})
		return
	}
	ev, err := normalize(body)
	if errors.Is(err, event.ErrIgnored) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ignored", "reason": err.Error()})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ev.TenantID, ev.IntegrationID, ev.Origin = in.TenantID, in.ID, "webhook"
	res, err := h.Pipeline.Process(r.Context(), ev)
	if err != nil {
		log.ErrorContext(r.Context(), "webhook: pipeline failed",
			"provider", provider, "integration", in.ID, "alert", ev.ExternalAlertID, "err", err)
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
		return
	}
	resp := map[string]any{"status": res.Outcome, "alertId": res.AlertID}
	if res.TicketID != nil {
		resp["ticketId"] = *res.TicketID
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticate finds the integration and checks its secret in constant
// time. An unknown integration and a bad secret look the same to the caller.
func (h *Handler) authenticate(r *http.Request, provider event.Provider) (*ent.Integration, error) {
	id, err := strconv.Atoi(r.PathValue("integrationId"))
	if err != nil || id <= 0 {
		return nil, errUnauthorized
	}
	// Only what a webhook needs: not the sealed credentials or the poll
	// status, which every webhook would otherwise read and decode.
	in, err := h.DB.Integration.Query().
		Where(integration.ID(id), integration.ProviderEQ(integration.Provider(provider))).
		Select(integration.FieldTenantID, integration.FieldWebhookSecret).
		Only(r.Context())
	if ent.IsNotFound(err) {
		return nil, errUnauthorized
	}
	if err != nil {
		return nil, err
	}
	got := r.Header.Get(SecretHeader)
	if in.WebhookSecret == "" || got == "" ||
		subtle.ConstantTimeCompare([]byte(got), []byte(in.WebhookSecret)) != 1 {
		return nil, errUnauthorized
	}
	return in, nil
}

var errUnauthorized = errors.New("webhook: unauthorized")

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
