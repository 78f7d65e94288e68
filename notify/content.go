package notify

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/alertrule"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
)

// content is what a notification says, on every channel.
type content struct {
	Title    string
	Body     string
	Link     string
	RuleName string
	TicketID *int
	AlertID  *int
}

// content loads the ticket, alert and rule of a request. Rows that are gone
// (a deleted ticket) just leave their part out.
func (c *Consumer) content(ctx context.Context, tenantID int, r request) (content, error) {
	var out content
	if r.Title != "" {
		out.Title, out.Body = r.Title, r.Body
		if r.IntegrationID > 0 {
			out.Link = strings.TrimRight(c.PublicURL, "/") + "/#/integrations/" + strconv.Itoa(r.IntegrationID)
			out.Body += "\nOpen the integration: " + out.Link
		}
		return out, nil
	}
	db := c.Store.Ent
	var t *ent.Ticket
	if r.TicketID > 0 {
		var err error
		t, err = db.Ticket.Query().Where(ticket.TenantID(tenantID), ticket.ID(r.TicketID)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return out, fmt.Errorf("notify: load ticket %d: %w", r.TicketID, err)
		}
	}
	var a *ent.Alert
	if r.AlertID > 0 {
		var err error
		a, err = db.Alert.Query().Where(entalert.TenantID(tenantID), entalert.ID(r.AlertID)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return out, fmt.Errorf("notify: load alert %d: %w", r.AlertID, err)
		}
	}
	if r.RuleID > 0 {
		rl, err := db.AlertRule.Query().Where(alertrule.TenantID(tenantID), alertrule.ID(r.RuleID)).Only(ctx)
		if err != nil && !ent.IsNotFound(err) {
			return out, fmt.Errorf("notify: load rule %d: %w", r.RuleID, err)
		}
		if rl != nil {
			out.RuleName = rl.Name
		}
	}

	var lines []string
	if a != nil {
		out.AlertID = &a.ID
		device := a.DeviceName
		if device == "" {
			device = a.ExternalDeviceID
		}
		lines = append(lines, fmt.Sprintf("%s alert on %s (severity %s): %s",
			event.Provider(a.Provider).Label(), orDash(device), a.Severity, orDash(a.Message)))
		out.Title = "RMM alert on " + orDash(device)
	}
	if t != nil {
		out.TicketID = &t.ID
		out.Title = fmt.Sprintf("Ticket #%d: %s", t.Number, t.Title)
		out.Link = strings.TrimRight(c.PublicURL, "/") + "/#/tickets/" + strconv.Itoa(t.ID)
		lines = append(lines, "Open the ticket: "+out.Link)
	}
	if out.Title == "" {
		out.Title = "RMM alert"
	}
	out.Body = strings.Join(lines, "\n")
	return out, nil
}

// mailText is the plain-text email body.
func (ct content) mailText() string {
	var b strings.Builder
	b.WriteString(ct.Title + "\n\n")
	if ct.Body != "" {
		b.WriteString(ct.Body + "\n\n")
	}
	if ct.RuleName != "" {
		fmt.Fprintf(&b, "You get this because the rule %q notifies you. ", ct.RuleName)
	}
	b.WriteString("Your notification preferences in alertdesk choose which emails you get.\n")
	return b.String()
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}
