package providertest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Tactical is a fake TacticalRMM API host: PATCH /alerts/, PUT
// /alerts/{id}/, and the inventory lists GET /clients/ and GET /agents/.
type Tactical struct {
	*httptest.Server
	APIKey string

	mu         sync.Mutex
	alerts     []map[string]any
	listStatus int
	resolvePl  []int
	resolves   []string

	clients, agents []map[string]any
	agentsStatus    int
	agentsCut       bool
}

// NewTactical starts a fake host accepting API key "key".
func NewTactical(t testing.TB) *Tactical {
	t.Helper()
	f := &Tactical{APIKey: "key"}
	mux := http.NewServeMux()
	mux.HandleFunc("PATCH /alerts/", f.auth(f.list))
	mux.HandleFunc("PUT /alerts/{id}/", f.auth(f.resolve))
	mux.HandleFunc("GET /clients/", f.auth(f.listClients))
	mux.HandleFunc("GET /agents/", f.auth(f.listAgents))
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// Credentials returns credentials JSON for this host.
func (f *Tactical) Credentials() []byte {
	b, _ := json.Marshal(map[string]string{"apiKey": f.APIKey})
	return b
}

// SetAlerts sets the alerts the list returns (shaped like
// fixtures/tactical-alerts-list.json); resolved ones are filtered out as
// the real server does for resolvedFilter=false.
func (f *Tactical) SetAlerts(alerts ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.alerts, f.listStatus = alerts, 0
}

// FailList makes the list answer status.
func (f *Tactical) FailList(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listStatus = status
}

// PlanResolves sets the statuses of the next resolve calls.
func (f *Tactical) PlanResolves(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resolvePl = append([]int(nil), statuses...)
}

// Resolves returns the alert ids resolved so far (failed attempts included).
func (f *Tactical) Resolves() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.resolves...)
}

// TacticalAlert builds a list entry for a check alert on an agent.
func TacticalAlert(id int, agentID, hostname string, checkID int) map[string]any {
	return map[string]any{
		"id": id, "hostname": hostname, "agent_id": agentID, "client": "Contoso", "site": "HQ",
		"alert_time": "2026-06-12T10:00:00.123456Z", "alert_type": "check",
		"message": hostname + " has a diskspace check that failed.", "severity": "error",
		"snoozed": false, "resolved": false, "resolved_on": nil, "hidden": false,
		"assigned_check": checkID, "assigned_task": nil,
	}
}

func (f *Tactical) auth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-KEY") != f.APIKey {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"detail":"Invalid API key"}`)
			return
		}
		next(w, r)
	}
}

func (f *Tactical) list(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Resolved *bool `json:"resolvedFilter"`
		Snoozed  *bool `json:"snoozedFilter"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Resolved == nil || *body.Resolved || body.Snoozed == nil || *body.Snoozed {
		http.Error(w, `{"detail":"want resolvedFilter=false, snoozedFilter=false"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.listStatus != 0 {
		w.WriteHeader(f.listStatus)
		return
	}
	out := []map[string]any{}
	for _, a := range f.alerts {
		if a["resolved"] != true && a["snoozed"] != true {
			out = append(out, a)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (f *Tactical) resolve(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Type string `json:"type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Type != "resolve" {
		http.Error(w, `{"detail":"bad body"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	id := r.PathValue("id")
	f.resolves = append(f.resolves, id)
	status := http.StatusOK
	if len(f.resolvePl) > 0 {
		status, f.resolvePl = f.resolvePl[0], f.resolvePl[1:]
	}
	if status == http.StatusOK {
		for _, a := range f.alerts {
			if jsonID(a["id"]) == id {
				a["resolved"] = true
			}
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusOK {
		io.WriteString(w, `"ok"`)
	}
}

func jsonID(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
