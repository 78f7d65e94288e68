package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
)

// NinjaDevice builds a GET /v2/devices entry (PROVIDERS.md, Inventory).
func NinjaDevice(id, orgID int, displayName, systemName, nodeClass string, offline bool, lastContact float64) map[string]any {
	return map[string]any{
		"id": id, "parentDeviceId": nil, "organizationId": orgID, "locationId": 1,
		"nodeClass": nodeClass, "nodeRoleId": 1, "rolePolicyId": 1, "approvalStatus": "APPROVED",
		"offline": offline, "displayName": displayName, "systemName": systemName,
		"dnsName": systemName + ".corp.local", "netbiosName": systemName,
		"created": 1700000000.5, "lastContact": lastContact, "lastUpdate": lastContact,
	}
}

// SetInventory sets what GET /v2/organizations and GET /v2/devices list
// (organizations as {id, name}; devices as NinjaDevice builds them).
func (n *NinjaOne) SetInventory(orgs map[int]string, devices ...map[string]any) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.orgs = nil
	for id, name := range orgs {
		n.orgs = append(n.orgs, map[string]any{
			"id": id, "name": name, "description": "", "nodeApprovalMode": "AUTOMATIC", "tags": []string{}, "fields": map[string]any{},
		})
	}
	sort.Slice(n.orgs, func(i, j int) bool { return n.orgs[i]["id"].(int) < n.orgs[j]["id"].(int) })
	n.devices = append([]map[string]any(nil), devices...)
	sort.Slice(n.devices, func(i, j int) bool { return n.devices[i]["id"].(int) < n.devices[j]["id"].(int) })
	n.devicePageFail = 0
}

// FailDevicePage makes the page-th call of GET /v2/devices (from 1,
// counted from now) answer 500, as an instance failing halfway would.
func (n *NinjaOne) FailDevicePage(page int) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.devicePageFail, n.devicePages = page, 0
}

// InventoryCalls returns the inventory list requests so far (path?query).
func (n *NinjaOne) InventoryCalls() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.inventoryCalls...)
}

func (n *NinjaOne) listOrganizations(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inventoryCalls = append(n.inventoryCalls, r.URL.Path+"?"+r.URL.RawQuery)
	page, err := pageOf(n.orgs, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

func (n *NinjaOne) listDevices(w http.ResponseWriter, r *http.Request) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.inventoryCalls = append(n.inventoryCalls, r.URL.Path+"?"+r.URL.RawQuery)
	n.devicePages++
	if n.devicePageFail > 0 && n.devicePages == n.devicePageFail {
		http.Error(w, `{"error":"internal"}`, http.StatusInternalServerError)
		return
	}
	page, err := pageOf(n.devices, r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// pageOf is NinjaOne's paging: entries ordered by id, those after the
// `after` id, at most pageSize of them (an empty array past the end).
func pageOf(all []map[string]any, r *http.Request) ([]map[string]any, error) {
	size := 100
	if s := r.URL.Query().Get("pageSize"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf(`{"error":"bad pageSize %q"}`, s)
		}
		size = v
	}
	after := -1
	if s := r.URL.Query().Get("after"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			return nil, fmt.Errorf(`{"error":"bad after %q"}`, s)
		}
		after = v
	}
	out := []map[string]any{}
	for _, e := range all {
		if e["id"].(int) > after && len(out) < size {
			out = append(out, e)
		}
	}
	return out, nil
}

// TacticalClient is a GET /clients/ entry with one site.
func TacticalClient(id int, name string) map[string]any {
	return map[string]any{
		"id": id, "name": name, "server_policy": nil, "workstation_policy": nil, "alert_template": nil, "block_policy_inheritance": false,
		"sites": []map[string]any{{"id": id*10 + 1, "name": "HQ", "client_name": name, "client": id}},
	}
}

// TacticalAgent is a GET /agents/?detail=false entry.
func TacticalAgent(agentID, hostname, clientName, monitoringType, plat, os, status, lastSeen string) map[string]any {
	return map[string]any{
		"agent_id": agentID, "hostname": hostname, "client_name": clientName, "site_name": "HQ",
		"monitoring_type": monitoringType, "plat": plat, "operating_system": os, "status": status,
		"last_seen": lastSeen, "needs_reboot": false, "pending_actions_count": 0, "cpu_model": []string{"Intel"},
	}
}

// SetInventory sets what GET /clients/ and GET /agents/ list.
func (f *Tactical) SetInventory(clients []map[string]any, agents ...map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clients, f.agents, f.agentsStatus, f.agentsCut = clients, agents, 0, false
}

// CutAgents makes GET /agents/ stop halfway through its answer: the
// status is 200 and the length announced, but the connection closes after
// half the body, as when an instance or a proxy dies mid-transfer.
func (f *Tactical) CutAgents() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agentsCut = true
}

// FailAgents makes GET /agents/ answer status.
func (f *Tactical) FailAgents(status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.agentsStatus = status
}

func (f *Tactical) listClients(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.clients
	if out == nil {
		out = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

func (f *Tactical) listAgents(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.agentsStatus != 0 {
		w.WriteHeader(f.agentsStatus)
		return
	}
	out := f.agents
	if out == nil {
		out = []map[string]any{}
	}
	w.Header().Set("Content-Type", "application/json")
	if f.agentsCut {
		body, _ := json.Marshal(out)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body[:len(body)/2])
		// Fewer bytes than announced: the server closes the connection.
		return
	}
	json.NewEncoder(w).Encode(out)
}
