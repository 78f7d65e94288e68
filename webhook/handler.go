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
	"time"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/connlimit"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/secrets"
	"github.com/alertdesk/alertdesk/store"
)

// SecretHeader carries the integration's webhook secret.
const SecretHeader = "X-Alertdesk-Secret"

// MaxBody is the largest body accepted; larger bodies get 413.
const MaxBody = 1 << 20

// Normalizer turns a provider's webhook body into an event.
type Normalizer func(body []byte) (event.Event, error)

// BatchNormalizer turns a provider's webhook body that carries many alerts
// into one item per alert, with the integration's settings (the columns
// batchColumns selects).
type BatchNormalizer func(in *ent.Integration, body []byte) (event.Batch, error)

// Processor runs normalized events; the pipeline implements it.
type Processor interface {
	Process(ctx context.Context, ev event.Event, opts ...pipeline.Option) (pipeline.Result, error)
}

// Handler serves POST /webhooks/{provider}/{integrationId}.
type Handler struct {
	DB          *ent.Client
	Pipeline    Processor
	Normalizers map[event.Provider]Normalizer
	// Batches are the normalizers of providers whose webhooks carry many
	// alerts (see batch.go).
	Batches map[event.Provider]BatchNormalizer
	// Secrets hashes the secret a webhook carries, to compare with the
	// hash the integration stores; without it every webhook is refused.
	Secrets *secrets.Box
	Log     *slog.Logger
	// Timeout is the request's deadline, from its headers to its answer;
	// none when zero. Keep it below the RMMs' own: an RMM that gives up
	// first does not retry, and the alert waits for the next poll.
	Timeout time.Duration

	auth     authCache
	arrivals arrivals
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	log := h.Log
	if log == nil {
		log = slog.Default()
	}
	if h.Timeout > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), h.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		// The body too must arrive within the deadline, not the server's
		// longer read timeout. (Not every ResponseWriter supports it.)
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(h.Timeout))
	}
	provider := event.Provider(r.PathValue("provider"))
	normalize, ok := h.Normalizers[provider]
	batch, isBatch := h.Batches[provider]
	if !ok && !isBatch {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "unknown provider"})
		return
	}
	cr, err := h.authenticate(r, provider, true)
	if !authorized(w, r, log, err) {
		return
	}
	connlimit.Authenticated(r.Context())
	// A remembered secret is confirmed by the pipeline inside the event's
	// transaction; an answer given without the pipeline confirms it against
	// the database first, so a rotated secret never gets anything but 401.
	confirmed := func() bool {
		if !cr.remembered {
			return true
		}
		_, err := h.authenticate(r, provider, false)
		return authorized(w, r, log, err)
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		if !confirmed() {
			return
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "body larger than 1 MiB"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "could not read body"})
		return
	}
	if isBatch {
		h.serveBatch(w, r, log, cr, confirmed, batch, body)
		return
	}
	ev, err := normalize(body)
	if err == nil {
		// What the pipeline would refuse is a bad request, not a failure
		// for the RMM to retry forever.
		ev = ev.Clean()
		err = ev.Validate()
	}
	if err != nil && !confirmed() {
		return
	}
	if errors.Is(err, event.ErrIgnored) {
		h.arrived(r.Context(), log, cr)
		writeJSON(w, http.StatusOK, map[string]string{"status": "ignored", "reason": err.Error()})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	ev.TenantID, ev.IntegrationID, ev.Origin = cr.tenantID, cr.integrationID, "webhook"
	res, err := h.Pipeline.Process(r.Context(), ev, pipeline.WithWebhookSecret(cr.secret))
	if errors.Is(err, pipeline.ErrSecretChanged) {
		// Rotated or removed since it was read: the secret sent is no
		// longer the integration's.
		h.auth.forget(cr.integrationID)
		authorized(w, r, log, errUnauthorized)
		return
	}
	if err != nil {
		log.ErrorContext(r.Context(), "webhook: pipeline failed",
			"provider", provider, "integration", cr.integrationID, "alert", ev.ExternalAlertID, "err", err)
		failed(w, err)
		return
	}
	h.arrived(r.Context(), log, cr)
	resp := map[string]any{"status": res.Outcome, "alertId": res.AlertID}
	if res.TicketID != nil {
		resp["ticketId"] = *res.TicketID
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticate checks the secret header against the integration's webhook
// secret in constant time: the remembered one when remembered is allowed,
// else the stored one. An unknown integration and a bad secret look the
// same to the caller.
func (h *Handler) authenticate(r *http.Request, provider event.Provider, remembered bool) (credentials, error) {
	id, err := strconv.Atoi(r.PathValue("integrationId"))
	if err != nil || id <= 0 {
		return credentials{}, errUnauthorized
	}
	got := sentSecret(r)
	if got == "" || h.Secrets == nil {
		return credentials{}, errUnauthorized
	}
	// The integration stores the secret's keyed hash: the hash of what
	// was sent is compared, here, in the cache and in the pipeline.
	sent := h.Secrets.HashWebhookSecret(got)
	if cr, ok := h.auth.match(id, provider, sent); ok && remembered {
		return cr, nil
	}
	// Only what a webhook needs: not the sealed credentials or the poll
	// status, which every webhook would otherwise read and decode.
	in, err := h.DB.Integration.Query().
		Where(integration.ID(id), integration.ProviderEQ(integration.Provider(provider))).
		Select(integration.FieldTenantID, integration.FieldWebhookSecret).
		Only(r.Context())
	if ent.IsNotFound(err) {
		h.auth.forget(id)
		return credentials{}, errUnauthorized
	}
	if err != nil {
		return credentials{}, err
	}
	if in.WebhookSecret == "" {
		h.auth.forget(id)
		return credentials{}, errUnauthorized
	}
	// Remember the stored secret whatever was sent: a wrong secret then
	// neither evicts nor replaces the entry.
	cr := credentials{integrationID: in.ID, tenantID: in.TenantID, provider: provider, secret: in.WebhookSecret}
	h.auth.remember(cr)
	if subtle.ConstantTimeCompare([]byte(sent), []byte(in.WebhookSecret)) != 1 {
		return credentials{}, errUnauthorized
	}
	return cr, nil
}

// sentSecret is the secret a webhook carries: the secret header, else
// a bearer token (what Alertmanager's http_config.authorization sends).
func sentSecret(r *http.Request) string {
	if s := r.Header.Get(SecretHeader); s != "" {
		return s
	}
	token, _ := auth.BearerToken(r.Header.Get("Authorization"))
	return token
}

// authorized answers 401 or 500 for an authentication error and reports
// whether there was none.
func authorized(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, errUnauthorized):
		auth.RefuseUnread(w)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unknown integration or bad secret"})
	default:
		log.ErrorContext(r.Context(), "webhook: load integration", "err", err)
		failed(w, err)
	}
	return false
}

// failed answers a failure: 503 with Retry-After when the database could
// not serve the request in time or for now (the pipeline has already run
// the event again where that was safe; see pipeline.Process), else 500.
// Nothing of the event was written, or, when the connection was lost
// during COMMIT, it may have been: the RMM's retry is then a replay,
// which changes nothing.
func failed(w http.ResponseWriter, err error) {
	if store.Unavailable(err) {
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "database busy or unavailable: retry"})
		return
	}
	writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error"})
}

var errUnauthorized = errors.New("webhook: unauthorized")

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
