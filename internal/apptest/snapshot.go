package apptest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"

	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/ticket"
)

// numberRef matches the ticket numbers and ids processing writes into
// comments and traces, which differ between two databases.
var numberRef = regexp.MustCompile(`#\d+|\b(ticket|alert|asset|window) \d+`)

// Snapshot is what processing left in the demo tenant — tickets with their
// comments, alerts with their traces, condition rows and outbox entries —
// with ids and times left out, sorted: two databases that processed the
// same events alike have equal snapshots.
func Snapshot(t *testing.T, e *Env) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	tickets := map[int]*ent.Ticket{}
	for _, tk := range e.DB.Ticket.Query().Where(ticket.TenantID(e.Demo.TenantID)).WithComments().WithAsset().AllX(ctx) {
		tickets[tk.ID] = tk
		asset := ""
		if tk.Edges.Asset != nil {
			asset = tk.Edges.Asset.Name
		}
		var bodies []string
		for _, c := range tk.Edges.Comments {
			bodies = append(bodies, numberRef.ReplaceAllString(c.Body, "#"))
		}
		slices.Sort(bodies)
		out = append(out, fmt.Sprintf("ticket %s: %q %q board=%d status=%d prio=%v client=%v asset=%q closed=%v comments=%q",
			tk.SourceReference, tk.Title, tk.Description, tk.BoardID, tk.StatusID, deref(tk.PriorityID), deref(tk.ClientID),
			asset, tk.ClosedAt != nil, bodies))
	}
	ref := func(id *int) string {
		if id == nil {
			return "-"
		}
		return tickets[*id].SourceReference
	}
	for _, a := range e.DB.Alert.Query().Where(entalert.TenantID(e.Demo.TenantID)).WithAsset().AllX(ctx) {
		asset := ""
		if a.Edges.Asset != nil {
			asset = a.Edges.Asset.Name
		}
		var steps []string
		for _, tr := range a.DecisionTrace {
			steps = append(steps, numberRef.ReplaceAllString(fmt.Sprint(tr["event"], tr["origin"], tr["outcome"], tr["steps"]), "#"))
		}
		out = append(out, fmt.Sprintf("alert %s: %s sev=%s ticket=%s auto=%v err=%q rule=%v window=%v client=%v asset=%q unmapped=%v count=%d dedup=%s trace=%q",
			a.ExternalAlertID, a.Status, a.Severity, ref(a.TicketID), a.AutoTicketCreated, a.TicketError, deref(a.MatchedRuleID),
			deref(a.SuppressedByWindowID), deref(a.ClientID), asset, a.OrganizationUnmapped, a.OccurrenceCount, a.DedupKey, steps))
	}
	for _, c := range e.DB.AlertCondition.Query().AllX(ctx) {
		head := e.DB.Alert.GetX(ctx, c.HeadAlertID)
		out = append(out, fmt.Sprintf("condition %s: ticket=%s head=%s count=%d comments=%d",
			c.DedupKey, ref(c.TicketID), head.ExternalAlertID, c.OccurrenceCount, c.BurstComments))
	}
	for _, o := range e.DB.OutboxEntry.Query().AllX(ctx) {
		p := o.Payload
		out = append(out, fmt.Sprintf("outbox %s: %v %v %v %v %v", o.Topic, p["externalAlertId"], p["outcome"], p["occurrenceCount"], p["type"], p["reason"]))
	}
	slices.Sort(out)
	return out
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
