package graph_test

import (
	"time"

	"testing"

	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// eachDialect runs a test on PostgreSQL and on SQLite.
var eachDialect = apptest.EachDialect

const ninja = event.NinjaOne

// ninjaTrigger is the NinjaOne TRIGGERED fixture with changes applied.
var ninjaTrigger = apptest.NinjaTrigger

// technician returns a token of a new technician of the demo tenant.
func technician(e *apptest.Env) string {
	tok, _ := e.NewToken(e.Demo.TenantID, "tech@demo.test", user.RoleTechnician)
	return tok
}

func wantFields(t *testing.T, r apptest.GQLResponse, want ...string) {
	t.Helper()
	r.WantCode("BAD_USER_INPUT")
	got := r.Fields()
	for _, w := range want {
		found := false
		for _, g := range got {
			if g == w {
				found = true
			}
		}
		if !found {
			t.Errorf("fields %v lack %q; response %s", got, w, r.Raw)
		}
	}
}

var (
	fixtureStart = mustTime("2030-01-01T00:00:00Z")
	fixtureEnd   = mustTime("2030-01-02T00:00:00Z")
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
