package e2e_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// TestLiveFeedToClosedTicket follows an alert from the webhook to the live
// feed (no reload), into its ticket, which a dispatcher comments on, logs
// time on and closes.
func TestLiveFeedToClosedTicket(t *testing.T) {
	u := newUI(t, 1280)
	u.signIn()
	before := u.feedListeners()
	u.goTo("#/alerts")
	u.waitJS("empty feed", `document.querySelector('main .empty')`)
	u.waitSubscribed(before)
	// A marker on the page: it survives only if nothing reloads.
	u.eval(`window.__sameDocument = true`, nil)

	ninja := u.PostFixture(event.NinjaOne, "ninjaone-condition-triggered.json")
	if ninja.Status != 200 || ninja.TicketID == nil {
		t.Fatalf("webhook: %+v", ninja)
	}
	row := fmt.Sprintf(`main tr[data-alert-id="%d"]`, ninja.AlertID)
	u.waitJS("alert streamed into the feed", fmt.Sprintf(`document.querySelector(%q)`, row))
	var same bool
	u.eval(`window.__sameDocument === true`, &same)
	if !same {
		t.Fatal("the page reloaded")
	}
	got := u.text(row)
	for _, want := range []string{"Major", "SRV-01", "Memory Utilization", "Contoso", "Active", "1", fmt.Sprintf("#%d", ticketNumber(t, u, *ninja.TicketID))} {
		if !strings.Contains(got, want) {
			t.Errorf("feed row %q lacks %q", got, want)
		}
	}

	// A second provider's alert streams in too; the filters narrow the list.
	tactical := u.PostFixture(event.TacticalRMM, "tactical-check-trigger.json")
	u.waitJS("tactical alert streamed", fmt.Sprintf(`document.querySelector('main tr[data-alert-id="%d"]')`, tactical.AlertID))
	u.screenshot("alerts")
	u.setValue("#flt-integration", fmt.Sprint(u.Integration(event.TacticalRMM).ID))
	u.waitJS("filtered by integration", fmt.Sprintf(`!document.querySelector(%q) && document.querySelector('main tr[data-alert-id="%d"]')`, row, tactical.AlertID))
	u.setValue("#flt-integration", "")
	u.setValue("#flt-severity", "MAJOR")
	u.waitJS("filtered by severity", fmt.Sprintf(`document.querySelector(%q) && !document.querySelector('main tr[data-alert-id="%d"]')`, row, tactical.AlertID))
	u.setValue("#flt-status", "RESOLVED")
	u.waitJS("filtered by status", `document.querySelector('main .empty')`)
	u.setValue("#flt-status", "")
	u.setValue("#flt-severity", "")
	u.waitJS("unfiltered", fmt.Sprintf(`document.querySelector(%q)`, row))

	// The alert's detail: decision trace and raw payload.
	u.click(row + " a.row-link")
	u.waitJS("alert detail", `document.querySelector('ol.trace')`)
	trace := u.text("ol.trace")
	for _, want := range []string{"Catch-all", "created ticket"} {
		if !strings.Contains(trace, want) {
			t.Errorf("decision trace %q lacks %q", trace, want)
		}
	}
	u.click("details.raw summary")
	if raw := u.text("details.raw pre"); !strings.Contains(raw, "e6b0b0bd-5753-445d-9e4a-71c08983cbd5") {
		t.Errorf("raw payload = %q", raw)
	}
	u.screenshot("alert-detail")

	// Its ticket: comment, log time, close.
	u.clickText("main a.btn", "Open ticket")
	u.waitJS("ticket detail", `document.querySelector('#comment-body')`)
	u.typeInto("#comment-body", "Checked the server: a runaway backup job. Stopped it.")
	u.clickText("main button", "Add comment")
	u.waitJS("comment shown", `[...document.querySelectorAll('.comment')].some((c) => c.textContent.includes('runaway backup job'))`)
	u.typeInto("#time-minutes", "25")
	u.clickText("main button", "Log time")
	u.waitJS("time shown", `document.querySelector('main').textContent.includes('25 min by Demo Admin')`)

	u.clickText("main button", "Close ticket")
	u.waitJS("confirmation", `document.querySelector('dialog[open]')`)
	u.clickText("dialog[open] button", "Close ticket")
	u.waitJS("closed", `document.querySelector('main .head-badges') && document.querySelector('main .head-badges').textContent.includes('Closed')`)
	if hist := u.text("main ol.timeline.compact"); !strings.Contains(hist, "Closed") {
		t.Errorf("status history = %q", hist)
	}
	u.screenshot("ticket")

	var out struct {
		Ticket struct {
			ClosedAt *string
			Status   struct{ Name string }
			Comments []struct {
				Body       string
				AuthorKind string
			}
			TimeEntries []struct{ Minutes int }
			Alerts      []struct{ ID string }
		}
	}
	u.gql(`query($id: ID!) { ticket(id: $id) { closedAt status { name } comments { body authorKind } timeEntries { minutes } alerts { id } } }`,
		map[string]any{"id": apptest.ID(*ninja.TicketID)}, &out)
	tk := out.Ticket
	if tk.ClosedAt == nil || tk.Status.Name != "Closed" {
		t.Errorf("ticket not closed: %+v", tk)
	}
	human := false
	for _, c := range tk.Comments {
		human = human || (c.AuthorKind == "HUMAN" && strings.Contains(c.Body, "runaway backup job"))
	}
	if !human {
		t.Errorf("comments = %+v", tk.Comments)
	}
	if len(tk.TimeEntries) != 1 || tk.TimeEntries[0].Minutes != 25 {
		t.Errorf("time entries = %+v", tk.TimeEntries)
	}

	// The tickets list shows it among the closed ones.
	u.goTo("#/tickets")
	u.waitJS("tickets list", `document.querySelector('#tf-open')`)
	u.setValue("#tf-open", "")
	u.waitJS("all tickets", fmt.Sprintf(`document.querySelector('main tr[data-ticket-id="%d"]')`, *ninja.TicketID))
	u.screenshot("tickets")
}

func ticketNumber(t *testing.T, u *UI, id int) int {
	t.Helper()
	var out struct{ Ticket struct{ Number int } }
	u.gql(`query($id: ID!) { ticket(id: $id) { number } }`, map[string]any{"id": apptest.ID(id)}, &out)
	return out.Ticket.Number
}
