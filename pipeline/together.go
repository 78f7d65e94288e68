package pipeline

import (
	"context"
	"time"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/store"
)

// ProcessTogether runs events of one tenant and integration, in order,
// giving each the result Process would, in one transaction on PostgreSQL
// and in a few round trips whatever their number: with BEGIN, the locks
// of all their alerts and conditions (as lockAll orders them) and each
// triggered event's lookup (its alert, its condition's open ticket with
// the ticket's number, an id), the first event's configuration version
// and secret and each device's directory, read once for all; then each
// event's stages, in order, on what was read, each event's view of its
// condition carried over from the events before it in memory (see
// groupReads); and their writes held and sent with COMMIT a statement per
// kind (see together). An event whose alert is stored already or repeats
// one of the group's, and every event of a device after one that made the
// device's asset otherwise than prepare does, runs its statements as
// Process does, after what the group holds is sent. Firings of one
// condition thus share the wait for its lock, the round trips and the
// commit's WAL flush instead of queueing for each one by one. If the
// transaction fails, each event runs through Process; on SQLite they
// always do.
func (p *Pipeline) ProcessTogether(ctx context.Context, evs []event.Event, opts ...Option) ([]Result, []error) {
	res := make([]Result, len(evs))
	errs := make([]error, len(evs))
	one := func() ([]Result, []error) {
		for i, ev := range evs {
			res[i], errs[i] = p.Process(ctx, ev, opts...)
		}
		return res, errs
	}
	if len(evs) < 2 || !p.store.IsPostgres() {
		return one()
	}
	var (
		runs []*run
		idx  []int
		take []event.Event
	)
	for i, ev := range evs {
		ev, err := prepare(ev)
		if err == nil && (ev.TenantID != evs[0].TenantID || ev.IntegrationID != evs[0].IntegrationID) {
			return one()
		}
		if err != nil {
			errs[i] = err
			continue
		}
		runs, idx, take = append(runs, p.newRun(ev)), append(idx, i), append(take, ev)
	}
	if len(runs) == 0 {
		return res, errs
	}
	o := applyOptions(opts)
	got := make([]Result, len(runs))
	reads := newGroupReads(runs)
	first := append([]store.Statement{lockAll("pipeline: lock events", take)}, reads.statements()...)
	err := p.store.BatchTx(ctx, first, func(tx *ent.Tx, b *store.Batch) error {
		g := newTogether(p.store, take[0].TenantID)
		if err := p.prepare(ctx, tx, b, g, reads); err != nil {
			return err
		}
		for j, r := range runs {
			shared := reads.use(j)
			if !shared {
				// Its own reads, after the group's writes so far: its
				// locks are held already (taking them again costs
				// nothing), and its lookup sees what the events before
				// it wrote.
				if err := g.flush(ctx, b); err != nil {
					return err
				}
				r = p.newRun(r.ev) // read afresh, into its own
				if err := b.Send(ctx, r.first...); err != nil {
					return err
				}
			}
			var (
				s   *State
				err error
			)
			if got[j], s, err = p.execIn(ctx, tx, b, r, o, groupOf(shared, g)); err != nil {
				return err
			}
			reads.after(s, g)
		}
		return g.flush(ctx, b)
	})
	if err != nil {
		p.log.WarnContext(ctx, "pipeline: events processed together failed, each runs alone", "events", len(runs), "err", err)
		for _, i := range idx {
			res[i], errs[i] = p.Process(ctx, evs[i], opts...)
		}
		return res, errs
	}
	for j, i := range idx {
		res[i] = got[j]
		p.logged(ctx, runs[j].ev, got[j])
	}
	return res, errs
}

func groupOf(shared bool, g *together) *together {
	if shared {
		return g
	}
	return nil
}

// groupReads is what a group's first round trip reads for its triggered
// events, and what each event may take of it when its turn comes. Every
// read holds at the turn of the event it is for but the condition's open
// ticket, which the events before it in the group may have opened or
// counted on: that is carried over from their changes (the condition's
// row changes only under its lock, which the group holds). A device's
// directory holds until an event makes the device's asset.
type groupReads struct {
	runs []*run
	// read says which runs' lookups went with the locks: triggered
	// events whose alert is not an earlier one's of the group.
	read []bool
	// heads is each condition's open ticket group as the events so far
	// left it, once one of them changed it.
	heads map[string]*groupHead
	// dirs is the directory each read run shares with the runs of its
	// device and organization.
	dirs []*eventDirectory
	// stale are the devices whose asset an event made: the directories
	// read before miss it.
	stale map[string]bool
}

func newGroupReads(runs []*run) *groupReads {
	g := &groupReads{runs: runs, read: make([]bool, len(runs)), dirs: make([]*eventDirectory, len(runs)),
		heads: map[string]*groupHead{}, stale: map[string]bool{}}
	seen := map[string]bool{}
	for j, r := range runs {
		if r.ev.Kind != event.Triggered || r.look == nil || seen[r.ev.ExternalAlertID] {
			continue
		}
		seen[r.ev.ExternalAlertID] = true
		g.read[j] = true
	}
	return g
}

// statements are the reads that go with the locks: the configuration
// version and secret once (the first read event's lock statement; its
// locks are held already), each read event's lookup, and each device's
// and organization's directory once.
func (g *groupReads) statements() []store.Statement {
	var (
		stmts []store.Statement
		lead  *run
		dirs  = map[[2]string]*eventDirectory{}
	)
	for j, r := range g.runs {
		if !g.read[j] {
			continue
		}
		if lead == nil {
			lead = r
			stmts = append(stmts, r.first[0])
		}
		stmts = append(stmts, r.first[1])
		key := [2]string{r.ev.ExternalDeviceID, r.ev.ExternalOrganizationID}
		if d, ok := dirs[key]; ok {
			g.dirs[j] = d
			continue
		}
		dirs[key], g.dirs[j] = r.dir, r.dir
		stmts = append(stmts, r.first[2])
	}
	for j, r := range g.runs {
		if g.read[j] && r != lead {
			r.lockOf = lead
		}
	}
	return stmts
}

// use says whether run j goes on what the group read, and if so sets its
// lookup's open ticket group to its condition's as the events before it
// left it.
func (g *groupReads) use(j int) bool {
	r := g.runs[j]
	if !g.read[j] || g.stale[r.ev.ExternalDeviceID] || !r.look.isNew() {
		return false
	}
	r.lock = r.lockRead()
	r.dir = g.dirs[j]
	if h, ok := g.heads[r.ev.DedupKey()]; ok {
		r.look.group = h
	}
	return true
}

// after takes what an event's run changed of what the group read: a
// device's asset it made, as prepare made it, goes into the device's
// directories, as Process would read them now (it made the asset in the
// client it found); one made otherwise leaves them stale.
func (g *groupReads) after(s *State, made *together) {
	if s == nil || s.Alert == nil {
		return
	}
	if device := s.Alert.ExternalDeviceID; s.assetMade {
		m, ok := made.assets[device]
		if !ok || s.ClientID == nil {
			g.stale[device] = true
		} else {
			ref := AssetRef{ID: m.id, Name: m.name, Client: &ClientRef{ID: *s.ClientID, Name: s.ClientName}}
			for _, d := range g.dirs {
				if d != nil && d.device == device {
					d.dir.Devices[device] = ref
				}
			}
		}
	}
	ch := s.condition
	if ch == nil || s.Outcome == Replay || s.Outcome == Stale {
		return
	}
	// As the condition's row will hold it: times to the microsecond.
	at := ch.at.Truncate(time.Microsecond)
	if ch.joined != nil {
		h := *ch.joined
		h.OccurrenceCount, h.LastOccurrenceAt, h.Burst = h.OccurrenceCount+1, at, ch.burst
		if since := h.Burst.SummarySince; since != nil {
			t := since.Truncate(time.Microsecond)
			h.Burst.SummarySince = &t
		}
		g.heads[s.Alert.DedupKey] = &h
		return
	}
	// It opened the condition's ticket: the condition had none open.
	h := &groupHead{AlertID: s.Alert.ID, TicketID: ch.opened, OccurrenceCount: 1, LastOccurrenceAt: at}
	if s.Ticket != nil && s.Ticket.ID == ch.opened {
		h.TicketNumber = s.Ticket.Number
	}
	g.heads[s.Alert.DedupKey] = h
}
