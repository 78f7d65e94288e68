package pipeline_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/pipeline"
)

// TestResetStatements counts the statements a reset that closes its
// untouched ticket sends to PostgreSQL, through a proxy: with BEGIN, the
// pipeline's locks, the ticket's lock and the lookup; with COMMIT, the
// comment and the close in one statement (one update of the ticket) and
// the alert with its outbox entry in another. The comment and the close
// were two statements, each updating the ticket.
func TestResetStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, statements := storetest.Counted(t, e.Store)
	p := pipeline.New(s, desk.New(s), nil)
	ctx := context.Background()
	at := time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC)
	fire := func(id string) (trigger, reset event.Event) {
		trigger = event.Event{
			TenantID: e.Demo.TenantID, IntegrationID: e.Integration(event.NinjaOne).ID, Provider: event.NinjaOne,
			Kind: event.Triggered, ExternalAlertID: id, ExternalDeviceID: "7", ConditionIdentity: "cond-" + id,
			SourceType: "CONDITION", Severity: event.Major, Message: "Disk almost full", DeviceName: "host-7",
			ExternalOrganizationID: "2", OccurredAt: at,
		}
		if r, err := p.Process(ctx, trigger); err != nil || r.Outcome != pipeline.Created {
			t.Fatalf("trigger %s: %+v, %v", id, r, err)
		}
		reset = trigger
		reset.Kind, reset.OccurredAt = event.Reset, at.Add(time.Minute)
		return trigger, reset
	}
	// The first reset loads the configuration.
	_, warm := fire("warm")
	if _, err := p.Process(ctx, warm); err != nil {
		t.Fatal(err)
	}
	_, reset := fire("counted")
	count := func() [3]int {
		return [3]int{e.DB.StatusChange.Query().CountX(ctx),
			e.DB.OutboxEntry.Query().Where(outboxentry.Topic("TICKET_CLOSED")).CountX(ctx),
			e.DB.OutboxEntry.Query().Where(outboxentry.Topic("RMM_ALERT_RESOLVED")).CountX(ctx)}
	}
	before := count()
	statements()
	r, err := p.Process(ctx, reset)
	got := statements()
	if err != nil || r.Outcome != pipeline.Resolved || r.TicketID == nil {
		t.Fatalf("reset: %+v, %v", r, err)
	}
	// Everything the reset writes is there.
	tk := e.DB.Ticket.GetX(ctx, *r.TicketID)
	if tk.ClosedAt == nil {
		t.Errorf("ticket %d not closed", tk.ID)
	}
	c := e.DB.Comment.Query().Where(comment.TicketID(tk.ID)).Order(comment.ByID()).AllX(ctx)
	if last := c[len(c)-1].Body; !strings.Contains(last, "closed automatically") {
		t.Errorf("last comment %q", last)
	}
	if after := count(); after != [3]int{before[0] + 1, before[1] + 1, before[2] + 1} {
		t.Errorf("status changes, TICKET_CLOSED and RMM_ALERT_RESOLVED entries %v -> %v, want one more each", before, after)
	}
	if a := e.DB.Alert.GetX(ctx, r.AlertID); a.Status != "resolved" || len(a.DecisionTrace) != 2 {
		t.Errorf("alert %s with %d traces", a.Status, len(a.DecisionTrace))
	}
	// BEGIN, lock, ticket lock, lookup; comment and close, alert, COMMIT.
	if want := 7; got != want {
		t.Errorf("a reset that closes its ticket sent %d statements, want %d", got, want)
	}
}
