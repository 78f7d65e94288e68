package worker_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
)

func TestCronspec(t *testing.T) {
	for in, want := range map[int]string{15: "@every 15m", 5: "@every 5m", 60: "@every 60m", 1: "@every 5m", 90: "@every 60m"} {
		if got := worker.Cronspec(in); got != want {
			t.Errorf("Cronspec(%d) = %q, want %q", in, got, want)
		}
	}
}

// schedules returns the spec of each poll schedule of this harness's
// queue, by integration id, as the running schedulers report them to
// asynq's Inspector.
func (h *harness) schedules() map[int]string {
	h.T.Helper()
	entries, err := h.Worker.Inspector().SchedulerEntries()
	if err != nil {
		h.T.Fatal(err)
	}
	out := map[int]string{}
	for _, e := range entries {
		if e.Task.Type() != worker.TypePoll || !strings.Contains(fmt.Sprint(e.Opts), `"`+h.Queue+`"`) {
			continue
		}
		var p struct{ IntegrationID int }
		if json.Unmarshal(e.Task.Payload(), &p) == nil {
			out[p.IntegrationID] = e.Spec
		}
	}
	return out
}

func TestScheduleFollowsIntegrations(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		provider := &worker.ScheduleProvider{Store: h.Store, Queue: h.Queue}
		configs := func() []string {
			cs, err := provider.GetConfigs()
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cs {
				out = append(out, c.Cronspec+" "+string(c.Task.Payload()))
			}
			return out
		}
		if got := configs(); len(got) != 0 {
			t.Fatalf("disconnected integrations scheduled: %v", got)
		}
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		want := fmt.Sprintf(`@every 15m {"tenantId":%d,"integrationId":%d}`, in.TenantID, in.ID)
		if got := configs(); len(got) != 1 || got[0] != want {
			t.Fatalf("configs = %v, want [%s]", got, want)
		}
		// A shortened minute (ALERTDESK_POLL_MINUTE) scales the interval.
		scaled, err := (&worker.ScheduleProvider{Store: h.Store, Queue: h.Queue, Minute: 2 * time.Second}).GetConfigs()
		if err != nil || len(scaled) != 1 || scaled[0].Cronspec != "@every 30s" {
			t.Fatalf("configs with a 2 s minute = %v, %v; want one @every 30s", scaled, err)
		}
		waitSchedule := func(what, spec string) {
			t.Helper()
			eventually(t, 10*time.Second, what, func() bool {
				s := h.schedules()
				if spec == "" {
					return len(s) == 0
				}
				return len(s) == 1 && s[in.ID] == spec
			})
		}
		waitSchedule("schedule created on connect", "@every 15m")

		h.DB.Integration.UpdateOneID(in.ID).SetPollingIntervalMinutes(30).ExecX(h.Ctx)
		waitSchedule("schedule changed with the interval", "@every 30m")

		h.DB.Integration.UpdateOneID(in.ID).SetPollingEnabled(false).ExecX(h.Ctx)
		waitSchedule("schedule removed when polling is off", "")

		h.DB.Integration.UpdateOneID(in.ID).SetPollingEnabled(true).ExecX(h.Ctx)
		waitSchedule("schedule back", "@every 30m")

		h.DB.Integration.UpdateOneID(in.ID).SetConnectionState(integration.ConnectionStateDisconnected).ExecX(h.Ctx)
		waitSchedule("schedule removed on disconnect", "")
	})
}

func TestPollNowRunsACycle(t *testing.T) {
	eachDialect(t, func(t *testing.T, h *harness) {
		n := providertest.NewNinjaOne(t)
		in := h.connect(ninja, n.URL, n.Credentials())
		n.SetAlerts(fixtureAlert())
		enq := worker.NewEnqueuer(h.Store, h.Redis, h.Queue)
		if err := enq.PollNow(h.Ctx, in.TenantID, in.ID); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "poll task ran", func() bool {
			return h.DB.Integration.GetX(h.Ctx, in.ID).LastPollCounts["ingested"] == 1
		})
		if n := h.Count().Tickets; n != 1 {
			t.Errorf("%d tickets, want 1", n)
		}
	})
}
