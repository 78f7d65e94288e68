package pipeline

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
)

// A reset merges its metadata and trace entry into the stored ones in
// the UPDATE, leaving what Go would have left after decoding them: the
// event's keys over the stored metadata (other keys kept), its entry
// after the stored trace, the last maxTraces kept, and a stored JSON null
// or SQL NULL taken as empty.
func TestResetMergesStoredJSON(t *testing.T) {
	st, in, ticket := rowFixture(t)
	ctx := context.Background()
	p := New(st, desk.New(st), nil)
	trace := func(n int) string {
		var entries []map[string]any
		for i := range n {
			entries = append(entries, map[string]any{"event": "triggered", "n": i})
		}
		b, _ := json.Marshal(entries)
		return string(b)
	}
	for i, tc := range []struct {
		name, metadata, trace string // stored, as SQL
	}{
		{"SQL NULL", "NULL", "NULL"},
		{"JSON null", "'null'::jsonb", "'null'::jsonb"},
		{"stamped metadata, short trace", `'{"raw": {"old": true, "n": 1e400}, "origin": "poll", "rmmResetAt": "2026-01-02T03:04:05Z"}'::jsonb`, "'" + trace(3) + "'::jsonb"},
		{"full trace", `'{"raw": {"old": true}}'::jsonb`, "'" + trace(maxTraces) + "'::jsonb"},
		{"longer trace", `'{}'::jsonb`, "'" + trace(maxTraces+5) + "'::jsonb"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at := time.Date(2026, 3, 19, 13, 41, 15, 0, time.UTC)
			ev := event.Event{TenantID: ticket.TenantID, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Triggered,
				ExternalAlertID: fmt.Sprintf("merge-%d", i), ExternalDeviceID: "7", ConditionIdentity: fmt.Sprintf("merge-%d", i),
				SourceType: "CONDITION", Severity: event.Major, Message: "Disk almost full", DeviceName: "host-7",
				ExternalOrganizationID: "2", OccurredAt: at, Raw: json.RawMessage(`{"id": 1, "status": "TRIGGERED"}`)}
			r, err := p.Process(ctx, ev)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.DB.ExecContext(ctx, fmt.Sprintf(`UPDATE alerts SET metadata = %s, decision_trace = %s WHERE id = $1`,
				tc.metadata, tc.trace), r.AlertID); err != nil {
				t.Fatal(err)
			}
			stored := st.Ent.Alert.GetX(ctx, r.AlertID)

			ev.Kind, ev.OccurredAt = event.Reset, at.Add(time.Minute)
			ev.Raw, ev.Extra = json.RawMessage(`{"id": 2, "status": "RESET", "n": 1e400}`), map[string]string{"k": "v"}
			if r, err := p.Process(ctx, ev); err != nil || r.Outcome != Resolved {
				t.Fatalf("reset: %+v, %v", r, err)
			}
			after := st.Ent.Alert.GetX(ctx, r.AlertID)
			if after.Status != entalert.StatusResolved {
				t.Errorf("status %s", after.Status)
			}
			sameJSON(t, st.DB, "metadata", after.Metadata, withEvent(stored.Metadata, ev))
			want := append([]map[string]any{}, stored.DecisionTrace...)
			if len(want) > maxTraces-1 {
				want = want[len(want)-(maxTraces-1):]
			}
			n := len(after.DecisionTrace)
			if n != len(want)+1 {
				t.Fatalf("trace of %d entries, want %d", n, len(want)+1)
			}
			sameJSON(t, st.DB, "trace", after.DecisionTrace[:n-1], want)
			if last := after.DecisionTrace[n-1]; last["event"] != string(event.Reset) || last["outcome"] != string(Resolved) {
				t.Errorf("last trace entry %v", last)
			}
		})
	}
}

// sameJSON compares two values as PostgreSQL's jsonb does.
func sameJSON(t *testing.T, db *sql.DB, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	var equal bool
	if err := db.QueryRowContext(context.Background(), `SELECT $1::jsonb = $2::jsonb`, string(g), string(w)).Scan(&equal); err != nil {
		t.Fatal(err)
	}
	if !equal {
		t.Errorf("%s\n got %s\nwant %s", what, g, w)
	}
}
