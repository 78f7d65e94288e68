package graph_test

import (
	"time"

	"testing"

	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/storetest"
)

// eachDialect runs a test on PostgreSQL and on SQLite.
func eachDialect(t *testing.T, fn func(t *testing.T, e *apptest.Env)) {
	t.Helper()
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, apptest.New(t, d)) })
	}
}

const ninja = event.NinjaOne

// ninjaTrigger is the NinjaOne TRIGGERED fixture with changes applied.
func ninjaTrigger(t testing.TB, changes map[string]any) []byte {
	return apptest.Patch(t, fixtures.Read("ninjaone-condition-triggered.json"), changes)
}

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
