package webhook_test

import (
	"fmt"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// eachDialect runs a test on PostgreSQL and on SQLite.
var eachDialect = apptest.EachDialect

const ninja = event.NinjaOne

// ninjaTrigger is the NinjaOne TRIGGERED fixture with changes applied.
var ninjaTrigger = apptest.NinjaTrigger

// ninjaReset is the NinjaOne RESET fixture with changes applied.
func ninjaReset(t testing.TB, changes map[string]any) []byte {
	return apptest.Patch(t, fixtures.Read("ninjaone-condition-reset.json"), changes)
}

// series builds a distinct seriesUid for the n-th firing.
func series(n int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", n) }

// onDevice moves a NinjaOne payload to another device of organization org.
func onDevice(id int, name string, org int) map[string]any {
	return map[string]any{
		"deviceId": id,
		"device":   map[string]any{"id": id, "organizationId": org, "displayName": name},
	}
}

func merge(ms ...map[string]any) map[string]any {
	out := map[string]any{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func wantOutcome(t *testing.T, r apptest.Response, status int, outcome string) {
	t.Helper()
	if r.Status != status || r.Outcome != outcome {
		t.Fatalf("webhook answered %d %q (error %q), want %d %q", r.Status, r.Outcome, r.Error, status, outcome)
	}
}
