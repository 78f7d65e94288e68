package webhook

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/pipeline"
)

// batchColumns are the integration's settings a batch normalizer reads,
// loaded for every batch: a setting changed a moment ago applies to the
// next notification on every replica.
var batchColumns = []string{integration.FieldConditionLabels}

// batchAnswer is the answer to a webhook that carries many alerts.
type batchAnswer struct {
	// Status is "processed" (every alert accepted), "partial" or
	// "refused" (none accepted).
	Status   string          `json:"status"`
	Accepted []acceptedAlert `json:"accepted"`
	Refused  []refusedAlert  `json:"refused"`
	// Truncated counts the alerts the sender left out (Alertmanager's
	// max_alerts): they were not received.
	Truncated int `json:"truncated,omitempty"`
}

type acceptedAlert struct {
	Index    int    `json:"index"`
	Ref      string `json:"ref,omitempty"`
	Outcome  string `json:"outcome"`
	AlertID  int    `json:"alertId,omitempty"`
	TicketID *int   `json:"ticketId,omitempty"`
}

type refusedAlert struct {
	Index int    `json:"index"`
	Ref   string `json:"ref,omitempty"`
	Error string `json:"error"`
}

// serveBatch runs each alert of a batch through the pipeline, each in its
// own transaction, so a refused alert loses none of the others; a repeated
// batch changes nothing (the pipeline's replays are no-ops).
//
// Status codes, for Alertmanager, which retries on 5xx only: 200 when every
// alert was accepted (or ignored); 400 when any was refused — the body
// lists what was accepted and what was refused, and a retry would refuse
// the same alerts again, while the sender's failure counters show that
// something was not taken; 5xx when the database failed — the retry
// re-sends the whole batch, and the alerts already recorded change nothing.
func (h *Handler) serveBatch(w http.ResponseWriter, r *http.Request, log *slog.Logger, cr credentials,
	confirmed func() bool, normalize BatchNormalizer, body []byte) {
	ctx := r.Context()
	in, err := h.DB.Integration.Query().Where(integration.ID(cr.integrationID)).Select(batchColumns...).Only(ctx)
	if ent.IsNotFound(err) {
		h.auth.forget(cr.integrationID)
		authorized(w, r, log, errUnauthorized)
		return
	}
	if err != nil {
		log.ErrorContext(ctx, "webhook: load integration settings", "integration", cr.integrationID, "err", err)
		failed(w, err)
		return
	}
	b, err := normalize(in, body)
	if err != nil {
		if confirmed() {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		}
		return
	}
	ans := batchAnswer{Accepted: []acceptedAlert{}, Refused: []refusedAlert{}, Truncated: b.Truncated}
	processed := false
	for _, it := range b.Items {
		ev, err := it.Event, it.Err
		if err == nil {
			ev = ev.Clean()
			err = ev.Validate()
		}
		switch {
		case errors.Is(err, event.ErrIgnored):
			ans.Accepted = append(ans.Accepted, acceptedAlert{Index: it.Index, Ref: it.Ref, Outcome: "ignored"})
			continue
		case err != nil:
			ans.Refused = append(ans.Refused, refusedAlert{Index: it.Index, Ref: it.Ref, Error: err.Error()})
			continue
		}
		ev.TenantID, ev.IntegrationID, ev.Origin = cr.tenantID, cr.integrationID, "webhook"
		res, err := h.Pipeline.Process(ctx, ev, pipeline.WithWebhookSecret(cr.secret))
		if errors.Is(err, pipeline.ErrSecretChanged) {
			h.auth.forget(cr.integrationID)
			authorized(w, r, log, errUnauthorized)
			return
		}
		if err != nil {
			log.ErrorContext(ctx, "webhook: pipeline failed", "provider", cr.provider,
				"integration", cr.integrationID, "alert", ev.ExternalAlertID, "index", it.Index, "err", err)
			failed(w, err)
			return
		}
		processed = true
		ans.Accepted = append(ans.Accepted, acceptedAlert{Index: it.Index, Ref: it.Ref,
			Outcome: string(res.Outcome), AlertID: res.AlertID, TicketID: res.TicketID})
	}
	// Without a pipeline run, nothing confirmed a remembered secret yet.
	if !processed && !confirmed() {
		return
	}
	if len(ans.Accepted) > 0 {
		h.arrived(ctx, log, cr)
	}
	if b.Truncated > 0 {
		log.WarnContext(ctx, "webhook: alerts left out of a notification (max_alerts)",
			"provider", cr.provider, "integration", cr.integrationID, "truncated", b.Truncated)
	}
	status := http.StatusOK
	switch {
	case len(ans.Refused) == 0:
		ans.Status = "processed"
	case len(ans.Accepted) > 0:
		ans.Status, status = "partial", http.StatusBadRequest
	default:
		ans.Status, status = "refused", http.StatusBadRequest
	}
	if len(ans.Refused) > 0 {
		log.WarnContext(ctx, "webhook: alerts refused", "provider", cr.provider,
			"integration", cr.integrationID, "refused", len(ans.Refused), "accepted", len(ans.Accepted))
	}
	writeJSON(w, status, ans)
}
