package pipeline

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

// TestInsertAlertWritesWhatEntWrites: insertAlert's one statement and ent's
// INSERT plus outbox.Add store the same alert and outbox rows, field for
// field, for a mutation with every field the pipeline sets and for the
// bare first-seen one (where the columns left out take their defaults).
func TestInsertAlertWritesWhatEntWrites(t *testing.T) {
	st, in, ticket := rowFixture(t)
	ctx, tn := context.Background(), ticket.TenantID
	rule := st.Ent.AlertRule.Query().FirstX(ctx)
	asset := st.Ent.Asset.Query().FirstX(ctx)
	client := st.Ent.Customer.Query().FirstX(ctx)
	window := st.Ent.MaintenanceWindow.Create().SetTenantID(tn).SetName("w").
		SetStartsAt(time.Now()).SetEndsAt(time.Now().Add(time.Hour)).SaveX(ctx)

	at := time.Now().Add(-time.Minute).Round(time.Microsecond)
	full := func(m *ent.AlertMutation) {
		m.SetMatchedRuleID(rule.ID)
		m.SetAssetID(asset.ID)
		m.SetClientID(client.ID)
		m.SetTicketID(ticket.ID)
		m.SetAutoTicketCreated(true)
		m.SetTicketError("none")
		m.SetOrganizationUnmapped(true)
		m.SetSuppressedByWindowID(window.ID)
		m.SetOccurrenceCount(3)
		m.SetLastOccurrenceAt(at)
		m.SetResolvedAt(at)
		m.SetAcknowledgedAt(at)
		m.SetAcknowledgedBy("tech@example.com")
		m.SetStatus(entalert.StatusSuppressed)
		m.SetDecisionTrace([]map[string]any{{"steps": []string{"a", "b"}, "outcome": "created"}})
	}
	for _, tc := range []struct {
		name   string
		change func(*ent.AlertMutation)
	}{
		{"every field", full},
		{"first seen", func(*ent.AlertMutation) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			write := func(id string, fast bool) (*ent.Alert, []*ent.OutboxEntry) {
				ev := event.Event{TenantID: tn, IntegrationID: in.ID, Provider: event.NinjaOne, Kind: event.Triggered,
					ExternalAlertID: id, ExternalDeviceID: "7", ConditionIdentity: "cpu", Severity: event.Major,
					Message: "CPU high", DeviceName: "SRV-01", ExternalOrganizationID: "2", OccurredAt: at,
					Raw: json.RawMessage(`{"id": 1}`), Extra: map[string]string{"activityId": "1"}, Origin: "webhook"}
				var alertID int
				if err := st.BatchTx(ctx, nil, func(tx *ent.Tx, b *store.Batch) error {
					s := &State{Event: ev, Tx: tx, batch: b, Alert: firstSeen(ev, entalert.StatusActive)}
					s.create = alertCreate(tx, s.Alert)
					tc.change(s.create.Mutation())
					s.publish(outbox.AlertTriggered, func() map[string]any { return eventPayload(s, "") })
					if !fast {
						a, err := s.create.Save(ctx)
						if err != nil {
							return err
						}
						s.Alert.ID = a.ID
						return outbox.Add(ctx, tx.Client(), tn, s.outbox[0].topic, s.outbox[0].payload())
					}
					if err := store.ScanOne(ctx, tx, "SELECT nextval(pg_get_serial_sequence('alerts', 'id'))", nil, &s.Alert.ID); err != nil {
						return err
					}
					return insertAlert(ctx, s)
				}); err != nil {
					t.Fatal(err)
				}
				alertID = st.Ent.Alert.Query().Where(entalert.ExternalAlertID(id)).OnlyIDX(ctx)
				return st.Ent.Alert.GetX(ctx, alertID),
					st.Ent.OutboxEntry.Query().Where(outboxentry.TenantID(tn)).Order(ent.Desc(outboxentry.FieldID)).Limit(1).AllX(ctx)
			}
			viaEnt, entOutbox := write("ent-"+tc.name, false)
			viaInsert, insertOutbox := write("insert-"+tc.name, true)
			if d := viaInsert.CreatedAt.Sub(viaEnt.CreatedAt).Abs(); viaInsert.CreatedAt.IsZero() || d > time.Second {
				t.Errorf("created_at %v, ent path %v", viaInsert.CreatedAt, viaEnt.CreatedAt)
			}
			if got, want := alertFields(t, viaInsert), alertFields(t, viaEnt); !maps.Equal(got, want) {
				t.Errorf("alert row\n got %v\nwant %v (ent)", got, want)
			}
			if got, want := outboxFields(t, insertOutbox[0], viaInsert.ID), outboxFields(t, entOutbox[0], viaEnt.ID); !maps.Equal(got, want) {
				t.Errorf("outbox row\n got %v\nwant %v (ent)", got, want)
			}
		})
	}
}

// rowFixture is a PostgreSQL store with the demo tenant, its NinjaOne
// integration and a ticket, for the tests that compare rows written by
// hand with ent's.
func rowFixture(t *testing.T) (*store.Store, seed.Integration, *ent.Ticket) {
	t.Helper()
	st := storetest.Open(t, "postgres")
	ctx := context.Background()
	demo, err := seed.Demo(ctx, st, seed.Options{DataDir: t.TempDir(), PublicURL: "http://alertdesk.test", Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatal(err)
	}
	var in seed.Integration
	for _, i := range demo.Integrations {
		if i.Provider == string(event.NinjaOne) {
			in = i
		}
	}
	var ticket *ent.Ticket
	if err := st.Tx(ctx, func(tx *ent.Tx) (err error) {
		ticket, err = desk.New(st).Create(ctx, tx, desk.NewTicket{TenantID: demo.TenantID, Title: "t"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return st, in, ticket
}

// alertFields is an alert's columns as JSON text, but its id, external
// id and creation time.
func alertFields(t *testing.T, a *ent.Alert) map[string]string {
	t.Helper()
	out := jsonFields(t, a)
	for _, k := range []string{"id", "external_alert_id", "created_at"} {
		delete(out, k)
	}
	return out
}

// outboxFields is an outbox entry's columns but id and times, with the
// payload's alert id checked against the alert's and left out.
func outboxFields(t *testing.T, o *ent.OutboxEntry, alertID int) map[string]string {
	t.Helper()
	if got := outbox.Int(o.Payload["alertId"]); got != alertID {
		t.Errorf("outbox payload names alert %d, want %d", got, alertID)
	}
	delete(o.Payload, "alertId")
	delete(o.Payload, "externalAlertId")
	out := jsonFields(t, o)
	for _, k := range []string{"id", "created_at", "available_at"} {
		delete(out, k)
	}
	return out
}

func jsonFields(t *testing.T, v any) map[string]string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range m {
		if k != "edges" {
			out[k] = string(v)
		}
	}
	return out
}

// TestValidateAlertRunsEveryValidator: validateAlert calls each validator
// ent generates for alert fields, so insertAlert refuses what Save would.
func TestValidateAlertRunsEveryValidator(t *testing.T) {
	generated := validatorNames(t, "../ent/alert/alert.go", func(n ast.Node) (string, bool) {
		switch d := n.(type) {
		case *ast.FuncDecl:
			return d.Name.Name, d.Recv == nil
		case *ast.ValueSpec:
			return d.Names[0].Name, true
		}
		return "", false
	})
	used := validatorNames(t, "insert.go", func(n ast.Node) (string, bool) {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "entalert" {
				return sel.Sel.Name, true
			}
		}
		return "", false
	})
	if len(generated) == 0 || !slices.Equal(generated, used) {
		t.Fatalf("ent generates alert validators %v; validateAlert calls %v", generated, used)
	}
}

func validatorNames(t *testing.T, file string, name func(ast.Node) (string, bool)) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if s, ok := name(n); ok && strings.HasSuffix(s, "Validator") {
			seen[s] = true
		}
		return true
	})
	return slices.Sorted(maps.Keys(seen))
}
