package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/feed"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/tenancy"
)

// TestFeedLoadsOncePerMessage: many subscribers reading one message cause
// one read of the alert, each gets its own copy, and the next message of
// the same alert is read afresh.
func TestFeedLoadsOncePerMessage(t *testing.T) {
	st := storetest.Open(t, dialect.Postgres)
	ctx := context.Background()
	demo, err := seed.Demo(ctx, st, seed.Options{DataDir: t.TempDir(), Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatal(err)
	}
	in := demo.Integrations[0]
	a := st.Ent.Alert.Create().SetTenantID(demo.TenantID).SetIntegrationID(in.ID).SetProvider(alert.Provider(in.Provider)).
		SetExternalAlertID("a1").SetLastEventAt(time.Now()).SetDedupKey("k").SaveX(ctx)

	db := tenancy.Client(st)
	var reads atomic.Int32
	db.Alert.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			reads.Add(1)
			return next.Query(ctx, q)
		})
	}))
	var integrationReads atomic.Int32
	db.Integration.Intercept(ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			integrationReads.Add(1)
			return next.Query(ctx, q)
		})
	}))
	loads := newFeedLoads(db)
	vctx := tenancy.WithViewer(ctx, tenancy.Viewer{TenantID: demo.TenantID})
	m := feed.Message{Type: feed.Triggered, TenantID: demo.TenantID, AlertID: a.ID, At: "2026-12-06T10:00:00Z"}

	const subscribers = 200
	got := make([]*ent.Alert, subscribers)
	var wg sync.WaitGroup
	for i := range subscribers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if got[i], err = loads.alert(vctx, demo.TenantID, m); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Errorf("%d subscribers made %d reads, want 1", subscribers, n)
	}
	// The relations the feed shows come with it, read once for all.
	if n := integrationReads.Load(); n != 1 {
		t.Errorf("%d subscribers made %d integration reads, want 1", subscribers, n)
	}
	if in, err := got[0].Edges.IntegrationOrErr(); err != nil || in.ID != a.IntegrationID {
		t.Errorf("integration edge: %+v, %v", in, err)
	}
	for name, err := range map[string]error{"client": edgeErr(got[0].Edges.ClientOrErr()),
		"asset": edgeErr(got[0].Edges.AssetOrErr()), "ticket": edgeErr(got[0].Edges.TicketOrErr())} {
		if _, ok := loaded(&struct{}{}, err); !ok {
			t.Errorf("%s edge not loaded: %v", name, err)
		}
	}
	for i, g := range got {
		if g == nil || g.ID != a.ID || (i > 0 && g == got[0]) {
			t.Fatalf("subscriber %d got %p %+v, want its own copy of alert %d", i, g, g, a.ID)
		}
	}

	// Each copy knows the condition read with it (none: no ticket); an
	// alert from elsewhere does not.
	if c, ok := loads.condition(got[1]); !ok || c != nil {
		t.Errorf("condition of a handed-out copy: %v %v, want none, known", c, ok)
	}
	if _, ok := loads.condition(a); ok {
		t.Error("condition known for an alert not handed out by the feed")
	}

	st.Ent.Alert.UpdateOneID(a.ID).SetMessage("changed").ExecX(ctx)
	m.Type, m.At = feed.Acknowledged, "2026-12-06T10:01:00Z"
	g, err := loads.alert(vctx, demo.TenantID, m)
	if err != nil || g.Message != "changed" || reads.Load() != 2 {
		t.Errorf("next message: %+v, %v after %d reads; want the alert read again", g, err, reads.Load())
	}
	// Another tenant's message for the alert finds nothing.
	if _, err := loads.alert(vctx, demo.TenantID+1, m); !ent.IsNotFound(err) {
		t.Errorf("other tenant: err = %v, want not found", err)
	}
}

func edgeErr[T any](_ T, err error) error { return err }
