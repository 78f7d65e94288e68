package graph_test

import (
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
)

// A document sent again is answered from its cached parse with the new
// request's variables, and a document that failed validation fails again
// with the same error rather than being remembered as valid.
func TestRepeatedDocument(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	for i := range 3 {
		e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": "00000000-0000-4000-8000-00000000000" + string(rune('1'+i))}))
	}
	const page = `query($n: Int!) { alerts(first: $n) { edges { node { id } } } }`
	for _, n := range []int{1, 3, 2, 3} {
		var d struct {
			Alerts struct{ Edges []struct{} }
		}
		e.Admin(page, map[string]any{"n": n}).Must(&d)
		if len(d.Alerts.Edges) != n {
			t.Errorf("first: %d gave %d alerts", n, len(d.Alerts.Edges))
		}
	}
	for range 2 {
		r := e.Admin(`{ alerts(first: 1) { edges { node { nope } } } }`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Message != `Cannot query field "nope" on type "Alert".` {
			t.Errorf("invalid document: %s", r.Raw)
		}
	}
}
