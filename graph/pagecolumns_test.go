package graph_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// An alert page reads the JSON columns only when they are selected; what
// it answers is the same as the alert's own lookup either way, and a page
// that leaves them out still answers every other field and relation.
func TestAlertPageJSONColumns(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			for i := range 3 {
				e.Post(ninja, ninjaTrigger(t, map[string]any{"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}))
			}
			type node struct {
				ID            string
				Message       string
				Metadata      json.RawMessage
				DecisionTrace json.RawMessage
				Integration   struct{ Name string }
				Ticket        *struct{ Number int }
			}
			page := func(fields string) []node {
				var p struct{ Alerts struct{ Nodes []node } }
				e.Admin(`{ alerts(first: 10) { nodes { id message integration { name } ticket { number } `+fields+` } } }`, nil).Must(&p)
				if len(p.Alerts.Nodes) != 3 {
					t.Fatalf("%d alerts", len(p.Alerts.Nodes))
				}
				return p.Alerts.Nodes
			}
			with, without := page("metadata decisionTrace { event outcome steps }"), page("")
			for i, n := range with {
				var one struct{ Alert node }
				e.Admin(`query($id: ID!) { alert(id: $id) { id message integration { name } ticket { number } metadata decisionTrace { event outcome steps } } }`,
					apptest.Vars("id", n.ID)).Must(&one)
				if !reflect.DeepEqual(n, one.Alert) {
					t.Errorf("page %+v\nalert %+v", n, one.Alert)
				}
				if string(n.Metadata) == "null" || string(n.DecisionTrace) == "[]" {
					t.Errorf("alert %s: metadata %s, trace %s", n.ID, n.Metadata, n.DecisionTrace)
				}
				n.Metadata, n.DecisionTrace = nil, nil
				if !reflect.DeepEqual(n, without[i]) {
					t.Errorf("without the JSON columns %+v, with %+v", without[i], n)
				}
			}
		})
	}
}
