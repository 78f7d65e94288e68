package pipeline

import (
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/maintenance"
	"github.com/alertdesk/alertdesk/rule"
)

func TestDecide(t *testing.T) {
	ptr := func(n int) *int { return &n }
	no := false
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cfg := &Config{
		Rules:        rule.NewCache().Set([]rule.Rule{{ID: 1, Name: "catch-all", Active: true}}),
		Priorities:   []PriorityChoice{{ID: 5, Name: "High"}, {ID: 6, Name: "Low"}},
		Boards:       map[int]BoardConfig{10: {ID: 10, DefaultStatus: 100}, 11: {ID: 11, DefaultStatus: 110}, 12: {ID: 12, Retired: true, DefaultStatus: 120}},
		DefaultBoard: 10,
		Users:        map[int]bool{20: true, 21: false},
		Devices:      map[string]AssetRef{"dev-1": {ID: 30, Client: &ClientRef{ID: 40}}},
		Orgs:         map[string]ClientRef{"org-1": {ID: 41}},
		Windows: []maintenance.Window{{ID: 50, Name: "client 40", Active: true, ClientID: ptr(40),
			StartsAt: &at, EndsAt: ptr2(at.Add(time.Hour))}},
	}
	alertAt := func(device, org string, when time.Time) *ent.Alert {
		return &ent.Alert{ID: 1, IntegrationID: 7, ExternalDeviceID: device, ExternalOrganizationID: org,
			Severity: entalert.SeverityMajor, Message: "Disk full", LastEventAt: when, TriggeredAt: &when}
	}
	set := func(a rule.Actions) *rule.Set {
		return rule.NewCache().Set([]rule.Rule{
			{ID: -1, Name: "memory", Active: true, Conditions: rule.Conditions{Keywords: []string{"memory"}}},
			{ID: -2, Name: "proposed", Active: true, PriorityOrder: 1, Actions: a},
		})
	}
	cases := []struct {
		name  string
		alert *ent.Alert
		rules *rule.Set
		want  Decision
	}{
		{"current rules, priority by severity, default board", alertAt("", "org-1", at.Add(2*time.Hour)), nil,
			Decision{Outcome: Created, BoardID: 10, PriorityID: ptr(5)}},
		{"unmapped organization stops first", alertAt("dev-9", "org-9", at), nil, Decision{Outcome: Unmapped}},
		{"window of the asset's client suppresses", alertAt("dev-1", "org-9", at.Add(time.Minute)), nil, Decision{Outcome: Suppressed, WindowID: 50}},
		{"window's end is outside", alertAt("dev-1", "", at.Add(time.Hour)), nil, Decision{Outcome: Created, BoardID: 10, PriorityID: ptr(5)}},
		{"no rule", alertAt("", "org-1", at.Add(2*time.Hour)), rule.NewCache().Set(nil), Decision{Outcome: NoRule}},
		{"record only", alertAt("", "org-1", at.Add(2*time.Hour)), set(rule.Actions{CreateTicket: &no}), Decision{Outcome: Recorded}},
		{"board, priority, assignee", alertAt("", "org-1", at.Add(2*time.Hour)),
			set(rule.Actions{BoardID: ptr(11), PriorityOverride: ptr(6), AssignToUserID: ptr(20)}),
			Decision{Outcome: Created, BoardID: 11, PriorityID: ptr(6), AssigneeID: ptr(20)}},
		{"deactivated assignee is left out", alertAt("", "org-1", at.Add(2*time.Hour)), set(rule.Actions{AssignToUserID: ptr(21)}),
			Decision{Outcome: Created, BoardID: 10, PriorityID: ptr(5)}},
		{"retired board fails", alertAt("", "org-1", at.Add(2*time.Hour)), set(rule.Actions{BoardID: ptr(12)}),
			Decision{Outcome: TicketFailed, Error: "invalid: board 12 is retired"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := cfg.Scope(c.alert)
			got := cfg.Decide(&sc, c.rules)
			if got.Outcome != c.want.Outcome || got.WindowID != c.want.WindowID || got.BoardID != c.want.BoardID ||
				!sameInt(got.PriorityID, c.want.PriorityID) || !sameInt(got.AssigneeID, c.want.AssigneeID) ||
				(c.want.Error != "" && got.Error == "") {
				t.Errorf("Decide = %+v, want %+v", got, c.want)
			}
			if c.want.Outcome == Created || c.want.Outcome == Recorded {
				if got.Rule == nil {
					t.Error("no matched rule")
				}
			}
		})
	}
}

func ptr2(t time.Time) *time.Time { return &t }

func sameInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
