package providertest

import (
	"encoding/json"
	"io"
	"net/http"
)

// IssueCode makes code a valid, single-use authorization code for the
// authorization_code grant; from the first call on, only issued codes work.
func (n *NinjaOne) IssueCode(code string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.codes == nil {
		n.codes = map[string]bool{}
	}
	n.codes[code] = true
}

// Redirects returns the redirect_uri of each code exchange so far.
func (n *NinjaOne) Redirects() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.redirects...)
}

// Webhooks returns the bodies of PUT /v2/webhook so far; a DELETE appends
// nil.
func (n *NinjaOne) Webhooks() []map[string]any {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]map[string]any(nil), n.webhooks...)
}

// PlanWebhooks sets the statuses of the next webhook registrations, in
// order; 204 when exhausted.
func (n *NinjaOne) PlanWebhooks(statuses ...int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.webhookPlan = append([]int(nil), statuses...)
}

func (n *NinjaOne) putWebhook(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); json.Unmarshal(b, &body) != nil || body["url"] == nil {
		http.Error(w, `{"error":"bad webhook"}`, http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	status := http.StatusNoContent
	if len(n.webhookPlan) > 0 {
		status, n.webhookPlan = n.webhookPlan[0], n.webhookPlan[1:]
	}
	if status == http.StatusNoContent {
		n.webhooks = append(n.webhooks, body)
	}
	n.mu.Unlock()
	w.WriteHeader(status)
}

func (n *NinjaOne) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	n.webhooks = append(n.webhooks, nil)
	n.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}
