// Package providertest runs small fake NinjaOne and TacticalRMM API servers
// (httptest) that speak the wire format of PROVIDERS.md, for tests of the
// API clients, outbound resets and polling. Import it from tests only.
package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// NinjaOne is a fake NinjaOne instance: OAuth token endpoint, GET
// /v2/alerts, POST /v2/alert/{uid}/reset, and the paged inventory lists
// GET /v2/organizations and GET /v2/devices.
type NinjaOne struct {
	*httptest.Server
	ClientID, ClientSecret string

	mu          sync.Mutex
	alerts      []map[string]any
	listStatus  int    // non-zero: answer the list with this status
	listBody    string // non-empty: answer the list with this raw body
	resetPlan   []int  // statuses for the next resets; 204 when exhausted
	resets      []string
	rateLimit   int // the next n API calls answer 429
	retryAfter  string
	tokens      map[string]bool
	grants      []string
	seq         int
	expiresIn   int
	lastRefresh string
	codes       map[string]bool // authorization codes not yet exchanged
	redirects   []string        // redirect_uri of code exchanges
	webhooks    []map[string]any
	webhookPlan []int // statuses for the next webhook registrations

	orgs, devices  []map[string]any // the inventory, ordered by id
	devicePageFail int              // this device page (from 1) answers 500
	devicePages    int
	inventoryCalls []string
}

// NewNinjaOne starts a fake instance with OAuth client "client"/"secret".
func NewNinjaOne(t testing.TB) *NinjaOne {
	t.Helper()
	n := &NinjaOne{ClientID: "client", ClientSecret: "secret", tokens: map[string]bool{}, expiresIn: 3600, retryAfter: "1"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ws/oauth/token", n.token)
	mux.HandleFunc("GET /v2/alerts", n.auth(n.list))
	mux.HandleFunc("GET /v2/organizations", n.auth(n.listOrganizations))
	mux.HandleFunc("GET /v2/devices", n.auth(n.listDevices))
	mux.HandleFunc("POST /v2/alert/{uid}/reset", n.auth(n.reset))
	mux.HandleFunc("PUT /v2/webhook", n.auth(n.putWebhook))
	mux.HandleFunc("DELETE /v2/webhook", n.auth(n.deleteWebhook))
	n.Server = httptest.NewServer(mux)
	t.Cleanup(n.Close)
	return n
}

// Credentials returns client-credentials JSON for this instance.
func (n *NinjaOne) Credentials() []byte {
	b, _ := json.Marshal(map[string]string{"grantType": "client_credentials", "clientId": n.ClientID, "clientSecret": n.ClientSecret})
	return b
}

// SetAlerts sets the active alerts GET /v2/alerts returns (objects shaped
// like fixtures/ninjaone-alerts-list.json).
func (n *NinjaOne) SetAlerts(alerts ...map[string]any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.alerts = alerts
	n.listStatus, n.listBody = 0, ""
}

// FailList makes GET /v2/alerts answer status with body.
func (n *NinjaOne) FailList(status int, body string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.listStatus, n.listBody = status, body
}

// PlanResets sets the statuses of the next reset calls, in order.
func (n *NinjaOne) PlanResets(statuses ...int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.resetPlan = append([]int(nil), statuses...)
}

// RateLimit makes the next count API calls answer 429 with Retry-After.
func (n *NinjaOne) RateLimit(count int, retryAfter string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.rateLimit, n.retryAfter = count, retryAfter
}

// RotateSecret gives the OAuth client a new secret and revokes every
// token issued so far, as an admin who regenerates the client in NinjaOne
// does: the old secret then gets 401 invalid_client.
func (n *NinjaOne) RotateSecret(secret string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ClientSecret = secret
	n.tokens = map[string]bool{}
}

// SetTokenLifetime sets expires_in of issued tokens.
func (n *NinjaOne) SetTokenLifetime(seconds int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.expiresIn = seconds
}

// Resets returns the uids reset so far, in order (failed attempts included).
func (n *NinjaOne) Resets() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.resets...)
}

// Grants returns the grant types of token requests so far.
func (n *NinjaOne) Grants() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.grants...)
}

// Alert builds an alerts-list entry on a device.
func Alert(uid string, deviceID int, message string) map[string]any {
	return map[string]any{
		"uid": uid, "deviceId": deviceID, "message": message,
		"createTime": 1742391675.556, "updateTime": 1742391675.556,
		"sourceType": "CONDITION_AGENT_MEMORY", "sourceConfigUid": "205b85b2-8a12-4123-834f-164be08b3314",
		"sourceName": "Memory > 80%", "subject": "",
		"data": map[string]any{"message": map[string]any{"code": "vmm_cond_memory_usage_ge"}},
	}
}

func (n *NinjaOne) token(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, `{"error":"invalid_request"}`, http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if r.PostForm.Get("client_id") != n.ClientID || r.PostForm.Get("client_secret") != n.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":"invalid_client"}`)
		return
	}
	grant := r.PostForm.Get("grant_type")
	n.grants = append(n.grants, grant)
	resp := map[string]any{"token_type": "bearer", "expires_in": n.expiresIn, "scope": "monitoring management"}
	switch grant {
	case "client_credentials":
	case "refresh_token":
		if rt := r.PostForm.Get("refresh_token"); rt == "" || (n.lastRefresh != "" && rt != n.lastRefresh) {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		fallthrough
	case "authorization_code":
		if grant == "authorization_code" {
			// Any code works until IssueCode makes codes single-use.
			code := r.PostForm.Get("code")
			if n.codes != nil && !n.codes[code] || code == "" {
				w.WriteHeader(http.StatusBadRequest)
				io.WriteString(w, `{"error":"invalid_grant"}`)
				return
			}
			delete(n.codes, code)
			n.redirects = append(n.redirects, r.PostForm.Get("redirect_uri"))
		}
		n.seq++
		n.lastRefresh = "refresh-" + strconv.Itoa(n.seq)
		resp["refresh_token"] = n.lastRefresh
	default:
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	n.seq++
	tok := "access-" + strconv.Itoa(n.seq)
	n.tokens[tok] = true
	resp["access_token"] = tok
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

func (n *NinjaOne) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n.mu.Lock()
		ok := n.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		limited := n.rateLimit > 0
		if limited {
			n.rateLimit--
		}
		retryAfter := n.retryAfter
		n.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"invalid_token"}`)
			return
		}
		if limited {
			w.Header().Set("Retry-After", retryAfter)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		next(w, r)
	}
}

func (n *NinjaOne) list(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.listStatus != 0 || n.listBody != "" {
		if n.listStatus != 0 {
			w.WriteHeader(n.listStatus)
		}
		io.WriteString(w, n.listBody)
		return
	}
	alerts := n.alerts
	if alerts == nil {
		alerts = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(alerts)
}

func (n *NinjaOne) reset(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if b, _ := io.ReadAll(r.Body); len(b) > 0 && json.Unmarshal(b, &body) != nil {
		http.Error(w, `{"error":"bad json"}`, http.StatusBadRequest)
		return
	}
	n.mu.Lock()
	uid := r.PathValue("uid")
	n.resets = append(n.resets, uid)
	status := http.StatusNoContent
	if len(n.resetPlan) > 0 {
		status, n.resetPlan = n.resetPlan[0], n.resetPlan[1:]
	}
	if status == http.StatusNoContent {
		// A reset alert leaves the active list.
		kept := n.alerts[:0:0]
		for _, a := range n.alerts {
			if fmt.Sprint(a["uid"]) != uid {
				kept = append(kept, a)
			}
		}
		n.alerts = kept
	}
	n.mu.Unlock()
	w.WriteHeader(status)
}
