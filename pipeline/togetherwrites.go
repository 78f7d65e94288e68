package pipeline

import (
	"context"
	"fmt"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/store"
)

// together is what the firings of a group that ProcessTogether runs on
// what it read with the locks share (PostgreSQL): their writes, held
// until a firing that reads the database runs or the group commits, then
// written a statement per kind for the group instead of a few per
// firing: one multi-row INSERT of their alerts and one of their outbox
// entries (in the firings' order), one UPDATE per condition counting all
// its firings, and a storm's summary comment rewritten once, with the
// text its last firing gives it. The rows are those the firings' own
// statements would leave.
type together struct {
	tenantID int
	rows     page // alerts and outbox, for its INSERTs; tickets drawn
	counts   []*occurrences
	revise   *revision
	// assets are the devices' assets prepare found or made.
	assets map[string]*madeAsset
}

// occurrences is the firings of a group that joined one condition's
// open ticket since the last flush: how many, and the condition's last
// firing and burst after them.
type occurrences struct {
	integrationID int
	dedupKey      string
	headAlertID   int
	n             int
	at            time.Time
	burst         burst
}

// revision is the last text of a summary comment.
type revision struct {
	ticket    *ent.Ticket
	commentID int
	body      string
	at        time.Time
}

func newTogether(s *store.Store, tenantID int) *together {
	return &together{tenantID: tenantID, rows: page{store: s, tenantID: tenantID}}
}

// asset takes the asset prepare made or found for a device: made only
// for the first firing that takes it, found for any later one.
func (g *together) asset(deviceID string) (madeAsset, bool) {
	m, ok := g.assets[deviceID]
	if !ok {
		return madeAsset{}, false
	}
	got := *m
	m.created = false
	return got, true
}

// writeDraft defers the INSERT of the ticket s drafted, before anything
// that names the ticket: its alert, its condition, a later firing's note.
func (g *together) writeDraft(ctx context.Context, s *State) error {
	if s.draft == nil {
		return nil
	}
	d := *s.draft
	s.draft = nil
	return desk.InsertLater(ctx, s.batch, []desk.Draft{d})
}

// addAlert takes a first-seen alert whose id was drawn, with its outbox
// entries, as insertAlert would write them.
func (g *together) addAlert(ctx context.Context, s *State) error {
	alert, rows, err := heldAlert(ctx, s)
	if err != nil {
		return err
	}
	g.rows.alerts = append(g.rows.alerts, alert)
	g.rows.outbox = append(g.rows.outbox, rows...)
	if len(g.rows.alerts) >= PageSize {
		// As a page: the statement's parameters stay bounded.
		return g.flush(ctx, s.batch)
	}
	return nil
}

// join counts a firing that joined its condition's open ticket, as
// writeCondition would.
func (g *together) join(ctx context.Context, b *store.Batch, s *State) error {
	ch, a := s.condition, s.Alert
	for _, c := range g.counts {
		if c.integrationID != a.IntegrationID || c.dedupKey != a.DedupKey {
			continue
		}
		if c.headAlertID == ch.joined.AlertID {
			c.n, c.at, c.burst = c.n+1, ch.at, ch.burst
			return nil
		}
		// Another ticket group of the condition: what came before goes
		// first.
		if err := g.flush(ctx, b); err != nil {
			return err
		}
		break
	}
	g.counts = append(g.counts, &occurrences{integrationID: a.IntegrationID, dedupKey: a.DedupKey,
		headAlertID: ch.joined.AlertID, n: 1, at: ch.at, burst: ch.burst})
	return nil
}

func (c *occurrences) statement(tenantID int) store.Statement {
	return countOccurrences(tenantID, c.integrationID, c.dedupKey, c.headAlertID, c.n, c.at, c.burst)
}

// reviseLater takes a summary comment's new text; only the last text of
// a run of revisions is written.
func (g *together) reviseLater(ctx context.Context, b *store.Batch, t *ent.Ticket, commentID int, body string, at time.Time) error {
	if body == "" {
		return fmt.Errorf("%w: empty comment", desk.ErrInvalid)
	}
	if r := g.revise; r != nil && (r.commentID != commentID || r.ticket.ID != t.ID) {
		if err := g.flushRevision(ctx, b); err != nil {
			return err
		}
	}
	g.revise = &revision{ticket: t, commentID: commentID, body: body, at: at}
	return nil
}

// flushRevision defers the pending revision: before any other comment of
// the group, so that the ticket's last update is the last one's.
func (g *together) flushRevision(ctx context.Context, b *store.Batch) error {
	r := g.revise
	if r == nil {
		return nil
	}
	g.revise = nil
	return desk.ReviseLater(ctx, b, r.ticket, r.commentID, r.body, r.at)
}

// flush defers what the group holds, in the order the firings' own
// statements would go: alerts with their outbox entries, then the
// conditions' counts (which update the alerts that head them), then the
// summary's text.
func (g *together) flush(ctx context.Context, b *store.Batch) error {
	for _, st := range []store.Statement{g.rows.alertInsert(), g.rows.outboxInsert()} {
		if st.SQL == "" {
			continue
		}
		if err := b.Defer(ctx, st); err != nil {
			return err
		}
	}
	g.rows.alerts, g.rows.outbox = nil, nil
	for _, c := range g.counts {
		if err := b.Defer(ctx, c.statement(g.tenantID)); err != nil {
			return err
		}
	}
	g.counts = nil
	return g.flushRevision(ctx, b)
}
