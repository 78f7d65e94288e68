package pipeline

import (
	"context"
	"fmt"
	"slices"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/board"
	"github.com/alertdesk/alertdesk/ent/maintenancewindow"
	"github.com/alertdesk/alertdesk/ent/priority"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/rule"
)

// Config is what routing reads of one tenant and integration, as of one
// configuration version (tenants.config_version, advanced by triggers on
// every table it is built from). It is immutable once built and shared by
// every event of that version, so routing an alert reads none of it from
// the database; only its device's and organization's mappings, which
// grow with the inventory, are read per event (Directory).
type Config struct {
	Version int64

	Rules      *rule.Set
	Windows    []maintenance.Window // active ones
	Priorities []PriorityChoice     // not retired
	// RetiredPriorities are chosen for no new ticket.
	RetiredPriorities map[int]bool
	Boards            map[int]BoardConfig
	DefaultBoard      int          // 0: the tenant has no default board
	Users             map[int]bool // the tenant's users: true while active

	TenantID, IntegrationID int
	// Devices (by external device id) and Orgs are the mappings of the
	// alerts at hand, given by WithDirectory (directory.go); a cached
	// Config has none, whatever the inventory holds.
	Devices   map[string]AssetRef
	Orgs      map[string]ClientRef
	directory bool // WithDirectory gave Devices and Orgs
}

// ConfigTables are the tables a Config is built from. Each has triggers
// (migration 0004) that advance tenants.config_version on every insert,
// update and delete; a table added to LoadConfig must get them too. The
// inventory (clients, assets, device links, organization mappings) is not
// among them: each event reads its own mappings (Directory), so an
// inventory sync's thousands of writes leave every cached Config good.
var ConfigTables = []string{
	"alert_rules", "maintenance_windows", "boards", "ticket_status", "priorities", "users",
}

// BoardConfig is a board as ticket creation needs it.
type BoardConfig struct {
	ID int
	// Retired boards keep closing their tickets but open no new ones.
	Retired bool
	// DefaultStatus is where new tickets start: the default open status,
	// else the first open one by order; 0 when the board has none.
	// Retired statuses are never chosen.
	DefaultStatus int
	// ClosedStatuses are the board's closed statuses that are not retired,
	// in order; the first
	// is where a ticket closes unless told otherwise (desk.FirstClosedStatus).
	ClosedStatuses []int
}

// CloseStatus is where a ticket of the board closes: want when it is one
// of the board's closed statuses (as desk.CloseOn decides), else the
// first; false when the board has none.
func (b BoardConfig) CloseStatus(want *int) (int, bool) {
	if len(b.ClosedStatuses) == 0 {
		return 0, false
	}
	if want != nil && slices.Contains(b.ClosedStatuses, *want) {
		return *want, true
	}
	return b.ClosedStatuses[0], true
}

// ClientRef names a client.
type ClientRef struct {
	ID   int
	Name string
}

// AssetRef is a mapped device's asset and the asset's client, if any.
type AssetRef struct {
	ID     int
	Name   string
	Client *ClientRef
}

// LoadConfig reads a tenant's routing configuration for one integration
// through c (a transaction, so that it is one consistent view): what the
// tenant configured, not its inventory (see Directory).
func LoadConfig(ctx context.Context, c *ent.Client, tenantID, integrationID int, version int64, rules *rule.Cache) (*Config, error) {
	cfg := &Config{Version: version, TenantID: tenantID, IntegrationID: integrationID}
	ruleRows, err := c.AlertRule.Query().
		Where(alertrule.TenantID(tenantID), alertrule.IntegrationID(integrationID), alertrule.IsActive(true)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load rules: %w", err)
	}
	rs := make([]rule.Rule, len(ruleRows))
	for i, r := range ruleRows {
		rs[i] = RuleOf(r)
	}
	cfg.Rules = rules.Set(rs)

	windows, err := c.MaintenanceWindow.Query().
		Where(maintenancewindow.TenantID(tenantID), maintenancewindow.IsActive(true)).
		Order(ent.Asc(maintenancewindow.FieldID)).
		All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load windows: %w", err)
	}
	for _, w := range windows {
		cfg.Windows = append(cfg.Windows, WindowOf(w))
	}

	prios, err := c.Priority.Query().Where(priority.TenantID(tenantID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load priorities: %w", err)
	}
	cfg.RetiredPriorities = map[int]bool{}
	for _, pr := range prios {
		if pr.RetiredAt != nil {
			cfg.RetiredPriorities[pr.ID] = true
			continue
		}
		cfg.Priorities = append(cfg.Priorities, PriorityChoice{ID: pr.ID, Name: pr.Name, Order: pr.SortOrder})
	}

	if err := cfg.loadBoards(ctx, c, tenantID); err != nil {
		return nil, err
	}

	users, err := c.User.Query().Where(user.TenantID(tenantID)).Select(user.FieldID, user.FieldDeactivatedAt).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("load users: %w", err)
	}
	cfg.Users = make(map[int]bool, len(users))
	for _, u := range users {
		cfg.Users[u.ID] = u.DeactivatedAt == nil
	}
	return cfg, nil
}

// loadBoards finds each board's starting status and the default board,
// with the same choices as the ticket desk makes (desk.DefaultStatus).
func (cfg *Config) loadBoards(ctx context.Context, c *ent.Client, tenantID int) error {
	boards, err := c.Board.Query().Where(board.TenantID(tenantID)).Order(board.ByID()).All(ctx)
	if err != nil {
		return fmt.Errorf("load boards: %w", err)
	}
	statuses, err := c.TicketStatus.Query().
		Where(ticketstatus.TenantID(tenantID)).
		Order(ent.Asc(ticketstatus.FieldSortOrder), ent.Asc(ticketstatus.FieldID)).
		All(ctx)
	if err != nil {
		return fmt.Errorf("load statuses: %w", err)
	}
	cfg.Boards = make(map[int]BoardConfig, len(boards))
	for _, b := range boards {
		cfg.Boards[b.ID] = BoardConfig{ID: b.ID, Retired: b.RetiredAt != nil}
		if b.IsDefault && b.RetiredAt == nil && cfg.DefaultBoard == 0 {
			cfg.DefaultBoard = b.ID
		}
	}
	// A board's default open status wins, else its first open one.
	defaults := map[int]bool{}
	for _, st := range statuses {
		b, ok := cfg.Boards[st.BoardID]
		switch {
		case !ok || st.RetiredAt != nil:
			continue
		case st.IsClosed:
			b.ClosedStatuses = append(b.ClosedStatuses, st.ID)
		case st.IsDefault && !defaults[b.ID]:
			b.DefaultStatus, defaults[b.ID] = st.ID, true
		case b.DefaultStatus == 0:
			b.DefaultStatus = st.ID
		}
		cfg.Boards[st.BoardID] = b
	}
	return nil
}
