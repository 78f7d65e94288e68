package tacticalrmm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/alertdesk/alertdesk/providers/internal/lenient"
	"github.com/alertdesk/alertdesk/providers/inventory"
)

// Organizations lists TacticalRMM's clients: GET /clients/. A client's id
// is what webhooks send as client_id and what mappings use.
func (c *Client) Organizations(ctx context.Context) ([]inventory.Organization, error) {
	clients, err := c.clients(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]inventory.Organization, len(clients))
	for i, cl := range clients {
		out[i] = inventory.Organization{ID: cl.ID, Name: cl.Name}
	}
	return out, nil
}

type client struct{ ID, Name string }

func (c *Client) clients(ctx context.Context) ([]client, error) {
	body, err := c.do(ctx, http.MethodGet, "/clients/", nil)
	if err != nil {
		return nil, fmt.Errorf("tacticalrmm: list clients: %w", err)
	}
	var list []struct {
		ID   json.RawMessage `json:"id"`
		Name value           `json:"name"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("tacticalrmm: list clients: %w", err)
	}
	out := make([]client, 0, len(list))
	for _, cl := range list {
		id := rawID(cl.ID)
		if id == "" {
			return nil, fmt.Errorf("tacticalrmm: list clients: a client without id")
		}
		out = append(out, client{ID: id, Name: string(cl.Name)})
	}
	return out, nil
}

// Devices lists the agents (GET /agents/?detail=false) with their client
// matched by name to GET /clients/: agents name their client, not its id.
// An agent whose client name matches no client has no organization.
func (c *Client) Devices(ctx context.Context) ([]inventory.Device, error) {
	clients, err := c.clients(ctx)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]string, len(clients))
	for _, cl := range clients {
		k := strings.ToLower(strings.TrimSpace(cl.Name))
		if _, dup := byName[k]; !dup {
			byName[k] = cl.ID
		}
	}
	body, err := c.do(ctx, http.MethodGet, "/agents/?detail=false", nil)
	if err != nil {
		return nil, fmt.Errorf("tacticalrmm: list agents: %w", err)
	}
	var agents []struct {
		AgentID        value `json:"agent_id"`
		Hostname       value `json:"hostname"`
		ClientName     value `json:"client_name"`
		MonitoringType value `json:"monitoring_type"`
		Plat           value `json:"plat"`
		OS             value `json:"operating_system"`
		Status         value `json:"status"`
		LastSeen       value `json:"last_seen"`
	}
	if err := json.Unmarshal(body, &agents); err != nil {
		return nil, fmt.Errorf("tacticalrmm: list agents: %w", err)
	}
	out := make([]inventory.Device, 0, len(agents))
	for _, a := range agents {
		if a.AgentID == "" {
			return nil, fmt.Errorf("tacticalrmm: list agents: an agent without agent_id")
		}
		d := inventory.Device{
			ID:             string(a.AgentID),
			OrganizationID: byName[strings.ToLower(string(a.ClientName))],
			Name:           string(a.Hostname),
			Kind:           strings.ToLower(string(a.MonitoringType)),
			OS:             string(a.OS),
		}
		if d.Name == "" {
			d.Name = "agent " + d.ID
		}
		if d.OS == "" {
			d.OS = platOS(string(a.Plat))
		}
		switch strings.ToLower(string(a.Status)) {
		case "online":
			d.Online = ptr(true)
		case "offline", "overdue":
			d.Online = ptr(false)
		}
		if a.LastSeen != "" {
			if t, err := lenient.Time(string(a.LastSeen)); err == nil {
				t = t.UTC()
				d.LastContact = &t
			}
		}
		out = append(out, d)
	}
	return out, nil
}

func platOS(plat string) string {
	switch strings.ToLower(plat) {
	case "windows":
		return "Windows"
	case "linux":
		return "Linux"
	case "darwin":
		return "macOS"
	}
	return plat
}

func ptr[T any](v T) *T { return &v }
