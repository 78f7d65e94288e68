package worker_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/statuschange"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/redistest"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/pipeline"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/rule"
	"github.com/alertdesk/alertdesk/worker"
)

// resetOf is the poller's reset of a trigger made by pageEvent, an hour on.
func resetOf(ev event.Event) event.Event {
	ev.Kind, ev.OccurredAt = event.Reset, ev.OccurredAt.Add(time.Hour)
	return ev
}

// resetFixture prepares e and returns a page of resets covering every way
// a reset goes: three alerts of one ticket (the last one closes it), a
// ticket of its own that closes, a touched ticket, a ticket with a live
// alert outside the page, a rule that does not auto-resolve, an
// acknowledged alert, one without a ticket, a suppressed one, one resolved
// already and one never seen.
func resetFixture(t *testing.T, e *apptest.Env) []event.Event {
	t.Helper()
	ctx := context.Background()
	e.AddRule(ninja, "Keep critical tickets open", 0, rule.Conditions{Severities: []string{string(event.Critical)}},
		rule.Actions{AutoResolveTicket: apptest.Bool(false)})
	at := pageEvent(e, "x", "x", "7", "2", event.Major).OccurredAt
	ws22 := e.DB.Asset.Query().Where(asset.TenantID(e.Demo.TenantID), asset.Name("WS-22")).OnlyX(ctx)
	e.DB.MaintenanceWindow.Create().SetTenantID(e.Demo.TenantID).SetName("Over WS-22").SetAssetID(ws22.ID).
		SetStartsAt(at.Add(-time.Hour)).SetEndsAt(at.Add(time.Minute)).ExecX(ctx)
	process := func(ev event.Event) pipeline.Result {
		r, err := e.Pipeline.Process(ctx, ev)
		if err != nil {
			t.Fatalf("%s %s: %v", ev.Kind, ev.ExternalAlertID, err)
		}
		return r
	}
	var page []event.Event
	trigger := func(id, condition, device string, sev event.Severity, inPage bool) pipeline.Result {
		ev := pageEvent(e, id, condition, device, "2", sev)
		r := process(ev)
		if inPage {
			page = append(page, resetOf(ev))
		}
		return r
	}
	for i := range 3 {
		trigger(fmt.Sprintf("shared-%d", i), "shared", "7", event.Major, true)
	}
	trigger("own", "own", "7", event.Minor, true)
	touched := trigger("touched", "touched", "7", event.Major, true)
	e.HumanComment(*touched.TicketID, "Looking into it")
	trigger("kept-1", "kept", "7", event.Major, true)
	trigger("kept-2", "kept", "7", event.Major, false)
	trigger("keep-rule", "keep-rule", "7", event.Critical, true)
	trigger("acked", "acked", "7", event.Moderate, true)
	ack := pageEvent(e, "acked", "acked", "7", "2", event.Moderate)
	ack.Kind, ack.OccurredAt = event.Acknowledged, ack.OccurredAt.Add(time.Minute)
	process(ack)
	if r := trigger("supp", "supp", "9", event.Major, true); r.Outcome != pipeline.Suppressed {
		t.Fatalf("trigger in a window: %s", r.Outcome)
	}
	trigger("done", "done", "7", event.Major, true)
	process(resetOf(pageEvent(e, "done", "done", "7", "2", event.Major)))
	unmapped := pageEvent(e, "unmapped", "unmapped", "8", "404", event.Major)
	process(unmapped)
	page = append(page, resetOf(unmapped), resetOf(pageEvent(e, "unknown", "unknown", "7", "2", event.Major)))
	return page
}

// resetSnapshot is snapshot with the tickets' status changes and the
// noise rollups (summed over shards).
func resetSnapshot(t *testing.T, e *apptest.Env) []string {
	t.Helper()
	out := apptest.Snapshot(t, e)
	for _, c := range e.DB.StatusChange.Query().Where(statuschange.TenantID(e.Demo.TenantID)).WithTicket().AllX(e.Ctx) {
		from := "-"
		if c.FromStatusID != nil {
			from = fmt.Sprint(*c.FromStatusID)
		}
		out = append(out, fmt.Sprintf("status change %s: %s -> %d by %s", c.Edges.Ticket.SourceReference,
			from, c.ToStatusID, c.ActorKind))
	}
	for _, o := range e.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.TicketClosed)).AllX(e.Ctx) {
		tk := e.DB.Ticket.GetX(e.Ctx, int(o.Payload["ticketId"].(float64)))
		out = append(out, fmt.Sprintf("closed %s: number=%v status=%v actor=%v at=%v", tk.SourceReference,
			o.Payload["number"] == float64(tk.Number), o.Payload["statusId"], o.Payload["actorKind"], o.Payload["closedAt"] != nil))
	}
	rows, err := e.Store.DB.QueryContext(e.Ctx, `SELECT kind, day, key, sum(alerts), sum(resets), sum(closed), sum(tickets)
		FROM alert_noise_days WHERE tenant_id = $1 GROUP BY 1, 2, 3 HAVING sum(alerts) <> 0 OR sum(resets) <> 0 ORDER BY 1, 2, 3`,
		e.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var k [7]int64
		if err := rows.Scan(&k[0], &k[1], &k[2], &k[3], &k[4], &k[5], &k[6]); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("rollup %v", k))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestResetPageMatchesProcess: a page of resets run by ResetPage leaves
// the same tickets (closed or not), comments, status changes, alerts
// (traces included), conditions, outbox entries and noise rollups as its
// events run one by one through Process, on two fresh databases prepared
// alike; the results say the same.
func TestResetPageMatchesProcess(t *testing.T) {
	one := apptest.New(t, dialect.Postgres)
	evs := resetFixture(t, one)
	var want []pipeline.Result
	for _, ev := range evs {
		r, err := one.Pipeline.Process(one.Ctx, ev)
		if err != nil {
			t.Fatalf("process %s: %v", ev.ExternalAlertID, err)
		}
		want = append(want, r)
	}
	paged := apptest.New(t, dialect.Postgres)
	evs = resetFixture(t, paged)
	res, errs := paged.Pipeline.ResetPage(paged.Ctx, evs)
	for i, err := range errs {
		if err != nil {
			t.Fatalf("page: %s: %v", evs[i].ExternalAlertID, err)
		}
		if res[i].Outcome != want[i].Outcome || strings.Join(res[i].Trace, "\n") != strings.Join(want[i].Trace, "\n") {
			t.Errorf("page: %s: %s %q; one by one: %s %q", evs[i].ExternalAlertID, res[i].Outcome, res[i].Trace,
				want[i].Outcome, want[i].Trace)
		}
	}
	w, got := resetSnapshot(t, one), resetSnapshot(t, paged)
	if len(got) != len(w) {
		t.Errorf("%d rows after the page, %d one by one", len(got), len(w))
	}
	for i := range min(len(got), len(w)) {
		if got[i] != w[i] {
			t.Errorf("row %d:\n page:       %s\n one by one: %s", i, got[i], w[i])
		}
	}
	// The fixture reaches every case it names.
	joined := strings.Join(got, "\n")
	for _, r := range res {
		joined += "\n" + string(r.Outcome) + ": " + strings.Join(r.Trace, "; ")
	}
	for _, s := range []string{"2 other linked alert(s) still active", "someone has worked on it", "does not auto-resolve",
		"suppressed alert resolved quietly", string(pipeline.Replay), "never seen triggered", "closed automatically"} {
		if !strings.Contains(joined, s) {
			t.Errorf("no trace or comment says %q", s)
		}
	}
}

// TestResetPageStatements: a page of resets sends as many statements
// whatever its size: 10 and 100 stale alerts, each closing its ticket.
func TestResetPageStatements(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	s, statements := storetest.Counted(t, e.Store)
	p := pipeline.New(s, desk.New(s), testLog())
	page := func(name string, n int) int {
		evs := make([]event.Event, n)
		for i := range evs {
			evs[i] = pageEvent(e, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s-cond-%d", name, i), "7", "2", event.Major)
		}
		if _, errs := p.ProcessPage(e.Ctx, evs); slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
			t.Fatalf("%s: triggers: %v", name, errs)
		}
		for i := range evs {
			evs[i] = resetOf(evs[i])
		}
		statements()
		res, errs := p.ResetPage(e.Ctx, evs)
		got := statements()
		for i := range evs {
			if errs[i] != nil || res[i].Outcome != pipeline.Resolved {
				t.Fatalf("%s: %s: %+v, %v", name, evs[i].ExternalAlertID, res[i], errs[i])
			}
		}
		return got
	}
	page("warm", 3)
	ten, hundred := page("ten", 10), page("hundred", 100)
	t.Logf("statements: %d for 10 resets, %d for 100", ten, hundred)
	if ten != hundred {
		t.Errorf("a page of 10 resets sent %d statements, of 100 %d; want the same", ten, hundred)
	}
	if n := e.DB.Ticket.Query().Where(ticket.TenantID(e.Demo.TenantID), ticket.ClosedAtIsNil()).CountX(e.Ctx); n != 0 {
		t.Errorf("%d tickets left open, want none", n)
	}
}

// TestPollResetPagesRaceWebhooks: RESET webhooks for the stale alerts a
// poll cycle resets, arriving while it runs, resolve each alert once and
// close each ticket once: pages, run at once, and webhooks serialize on
// the alerts', conditions' and tickets' locks. Triggers of other alerts of
// the same tickets' day run meanwhile too, and the noise rollups, whose
// rows they all share, end equal to what the alerts give.
func TestPollResetPagesRaceWebhooks(t *testing.T) {
	h := newHarness(t, dialect.Postgres, redistest.Addr(t), func(d *worker.Deps) { d.PollPageSize = 7 })
	n := providertest.NewNinjaOne(t)
	in := h.connect(ninja, n.URL, n.Credentials())
	h.DB.Integration.UpdateOneID(in.ID).SetPollGraceSeconds(0).ExecX(h.Ctx)
	const alerts, conditions = 40, 25 // fifteen tickets have two alerts
	trigger := func(i int) map[string]any {
		return map[string]any{"seriesUid": fmt.Sprintf("race-%d", i), "id": 1000 + i,
			"sourceConfigUid": fmt.Sprintf("race-cond-%d", i%conditions)}
	}
	for i := range alerts {
		h.Post(ninja, apptest.NinjaTrigger(t, trigger(i)))
	}
	n.SetAlerts() // the RMM lists none of them
	var wg sync.WaitGroup
	var (
		perr error
		c    worker.PollCounts
	)
	wg.Add(3)
	go func() {
		defer wg.Done()
		c, perr = h.Worker.Poll(h.Ctx, in.TenantID, in.ID, true)
	}()
	go func() {
		defer wg.Done()
		for i := alerts - 1; i >= 0; i-- { // from the end, to meet the pages midway
			reset := trigger(i)
			reset["id"] = 5000 + i
			h.Post(ninja, apptest.Patch(t, fixtures.Read("ninjaone-condition-reset.json"), reset))
		}
	}()
	go func() {
		defer wg.Done()
		for i := range 20 {
			h.Post(ninja, apptest.NinjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("other-%d", i), "id": 9000 + i,
				"sourceConfigUid": fmt.Sprintf("other-cond-%d", i)}))
		}
	}()
	wg.Wait()
	if perr != nil {
		t.Fatalf("poll = %+v, %v", c, perr)
	}
	for i := range alerts {
		if a := h.AlertByExternalID(fmt.Sprintf("race-%d", i)); a.Status != entalert.StatusResolved {
			t.Errorf("alert race-%d is %s", i, a.Status)
		}
	}
	resolved := map[any]int{}
	for _, p := range h.outboxPayloads(outbox.AlertResolved) {
		if id, _ := p["externalAlertId"].(string); strings.HasPrefix(id, "race-") {
			resolved[id]++
		}
	}
	for id, k := range resolved {
		if k != 1 {
			t.Errorf("alert %v resolved %d times", id, k)
		}
	}
	if len(resolved) != alerts {
		t.Errorf("%d alerts resolved, want %d", len(resolved), alerts)
	}
	raceTickets := map[float64]bool{}
	for _, tk := range h.DB.Ticket.Query().Where(ticket.TenantID(h.Demo.TenantID), ticket.SourceReferenceHasPrefix("race-")).
		WithComments().WithStatusChanges().AllX(h.Ctx) {
		raceTickets[float64(tk.ID)] = true
		cleared := 0
		for _, cm := range tk.Edges.Comments {
			if strings.HasPrefix(cm.Body, "Alert cleared") {
				cleared++
			}
		}
		want := 1 // each alert's reset comments while the ticket is open; the last closes it
		if i, _ := strconv.Atoi(strings.TrimPrefix(tk.SourceReference, "race-")); i < alerts-conditions {
			want = 2
		}
		if tk.ClosedAt == nil || len(tk.Edges.StatusChanges) != 1 || cleared != want {
			t.Errorf("ticket %s: closed %v, %d status changes, %d reset comments (want %d)", tk.SourceReference,
				tk.ClosedAt != nil, len(tk.Edges.StatusChanges), cleared, want)
		}
	}
	if len(raceTickets) != conditions {
		t.Errorf("%d tickets, want %d", len(raceTickets), conditions)
	}
	closed := map[any]int{}
	for _, p := range h.outboxPayloads(outbox.TicketClosed) {
		if raceTickets[p["ticketId"].(float64)] {
			closed[p["ticketId"]]++
		}
	}
	if len(closed) != conditions {
		t.Errorf("%d tickets closed, want %d", len(closed), conditions)
	}
	for id, k := range closed {
		if k != 1 {
			t.Errorf("ticket %v closed %d times", id, k)
		}
	}
	if n := h.DB.OutboxEntry.Query().Where(outboxentry.Topic(outbox.AlertTriggered)).CountX(h.Ctx); n != alerts+20 {
		t.Errorf("%d triggered events, want %d", n, alerts+20)
	}
	if got, want := storetest.NoiseRollups(t, h.Store.DB, ""), storetest.NoiseRollups(t, h.Store.DB, "SELECT alert_noise_backfill(NULL, 0)"); got != want {
		t.Errorf("noise rollups\n%s\nfrom the alerts\n%s", got, want)
	}
}
