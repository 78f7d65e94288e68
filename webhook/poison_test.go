package webhook_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"testing"

	entalert "github.com/alertdesk/alertdesk/ent/alert"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// TestPoisonBodies posts every poison body of the normalizers' fuzz
// corpus to both stores: a refused one is answered 400 and writes
// nothing; an accepted one stays readable ever after: its replay, its
// reset, the alert and its raw payload through the API, and the alert
// list the poll cycle loads.
func TestPoisonBodies(t *testing.T) {
	resets := map[event.Provider]map[string]any{
		event.NinjaOne:    {"statusCode": "RESET", "status": "Reset", "activityTime": json.Number("1742392275.101")},
		event.TacticalRMM: {"event": "resolve", "resolved": "True", "resolved_on": "2026-06-12 10:25:31.004211+00:00"},
	}
	// The fixtures' alert ids, replaced in the text to give every body
	// an alert of its own without decoding it.
	ids := map[event.Provider]string{
		event.NinjaOne:    `"seriesUid":"e6b0b0bd-5753-445d-9e4a-71c08983cbd5"`,
		event.TacticalRMM: `"alert_id":"1523"`,
	}
	eachDialect(t, func(t *testing.T, e *apptest.Env) {
		for _, p := range []event.Provider{event.NinjaOne, event.TacticalRMM} {
			for i, poison := range providertest.Poisons(string(p)) {
				t.Run(string(p)+"/"+poison.Name, func(t *testing.T) {
					body := poison.Body
					if poison.Accepted {
						key, _, _ := bytes.Cut([]byte(ids[p]), []byte(":"))
						own := fmt.Sprintf(`%s:"poison-%d"`, key, i)
						if body = bytes.Replace(body, []byte(ids[p]), []byte(own), 1); bytes.Equal(body, poison.Body) {
							t.Fatalf("no %s in the body", ids[p])
						}
					}
					before := e.Count()
					r := e.Post(p, body)
					if !poison.Accepted {
						if r.Status != http.StatusBadRequest || e.Count() != before {
							t.Fatalf("answered %d (%s), counts %+v → %+v; want 400 and nothing written", r.Status, r.Error, before, e.Count())
						}
						return
					}
					if r.Status != http.StatusOK || r.AlertID == 0 {
						t.Fatalf("answered %d (%s), want 200", r.Status, r.Error)
					}
					checkReadable(t, e, r.AlertID, event.StorableJSON(body))
					if again := e.Post(p, body); again.Status != http.StatusOK || again.Outcome != "replay" {
						t.Errorf("replay answered %d %q (%s)", again.Status, again.Outcome, again.Error)
					}
					reset := e.Post(p, apptest.Patch(t, body, resets[p]))
					if reset.Status != http.StatusOK || reset.AlertID != r.AlertID || e.Alert(r.AlertID).Status != entalert.StatusResolved {
						t.Errorf("reset answered %d %q (%s) for alert %d", reset.Status, reset.Outcome, reset.Error, reset.AlertID)
					}
					checkReadable(t, e, r.AlertID, nil)
				})
			}
		}
	})
}

// checkReadable reads the alert back through the API and as the poll
// cycle loads alerts; with want, its raw payload must equal want (numbers
// by value: PostgreSQL prints 1e309 as 310 digits).
func checkReadable(t *testing.T, e *apptest.Env, alertID int, want []byte) {
	t.Helper()
	var got struct {
		Alert struct {
			Metadata json.RawMessage
		}
	}
	e.Admin(`query($id: ID!) { alert(id: $id) { id status metadata ticket { number } decisionTrace { outcome } } }`,
		apptest.Vars("id", apptest.ID(alertID))).Must(&got)
	if _, err := e.DB.Alert.Query().Where(entalert.StatusNEQ(entalert.StatusSuppressed)).All(e.Ctx); err != nil {
		t.Fatalf("load alerts: %v", err)
	}
	if want == nil {
		return
	}
	var meta struct{ Raw json.RawMessage }
	if err := json.Unmarshal(got.Alert.Metadata, &meta); err != nil {
		t.Fatalf("metadata: %v", err)
	}
	if g, w := exactJSON(t, meta.Raw), exactJSON(t, want); !reflect.DeepEqual(g, w) {
		t.Errorf("raw payload read back\n got %.300s\nwant %.300s", meta.Raw, want)
	}
}

// exactJSON decodes JSON with numbers as exact rationals.
func exactJSON(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %.100q: %v", b, err)
	}
	var walk func(any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case json.Number:
			r, ok := new(big.Rat).SetString(string(v))
			if !ok {
				t.Fatalf("number %.40s", v)
			}
			return r.RatString()
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
		case []any:
			for i, x := range v {
				v[i] = walk(x)
			}
		}
		return v
	}
	return walk(v)
}
