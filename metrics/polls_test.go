package metrics_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/alertdesk/alertdesk/ent/integration"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/metrics"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

// TestPollAges: each polling integration's age is since its last good
// cycle's start, or while cycles fail since the first failure;
// disconnected integrations, ones with polling off and ones never polled
// have none.
func TestPollAges(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		demo, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: "http://localhost", Secrets: storetest.Secrets(t)})
		if err != nil {
			t.Fatal(err)
		}
		if len(demo.Integrations) < 2 {
			t.Fatalf("demo has %d integrations, want 2", len(demo.Integrations))
		}
		good, failing := demo.Integrations[0].ID, demo.Integrations[1].ID
		now := time.Now()
		s.Ent.Integration.UpdateOneID(good).SetConnectionState(integration.ConnectionStateConnected).
			SetPollingEnabled(true).SetLastPolledAt(now.Add(-10 * time.Minute)).ClearPollFailingSince().ExecX(ctx)
		s.Ent.Integration.UpdateOneID(failing).SetConnectionState(integration.ConnectionStateError).
			SetPollingEnabled(true).SetLastPolledAt(now.Add(-time.Minute)).SetPollFailingSince(now.Add(-3 * time.Hour)).ExecX(ctx)

		ages := scrapeAges(t, metrics.NewPollAges(s.Ent))
		within := func(id int, want time.Duration) {
			t.Helper()
			got, ok := ages[strconv.Itoa(id)]
			if !ok {
				t.Errorf("integration %d: no age (have %v)", id, ages)
				return
			}
			if got < want.Seconds() || got > want.Seconds()+time.Since(now).Seconds() {
				t.Errorf("integration %d: age %vs, want %v", id, got, want)
			}
		}
		within(good, 10*time.Minute)
		within(failing, 3*time.Hour)

		// Disconnected and polling off: none (a fresh collector; reads
		// are cached).
		s.Ent.Integration.UpdateOneID(good).SetConnectionState(integration.ConnectionStateDisconnected).ExecX(ctx)
		s.Ent.Integration.UpdateOneID(failing).SetPollingEnabled(false).ExecX(ctx)
		if ages := scrapeAges(t, metrics.NewPollAges(s.Ent)); len(ages) != 0 {
			t.Errorf("ages of integrations that do not poll: %v", ages)
		}
	})
}

func scrapeAges(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if mf.GetName() != "alertdesk_integration_last_poll_success_age_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[label(m, "integration")] = m.GetGauge().GetValue()
		}
	}
	return out
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// TestIntegrationHealth: every integration has a series per state, 1 for
// its stored state and 0 for the others.
func TestIntegrationHealth(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		demo, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: "http://localhost", Secrets: storetest.Secrets(t)})
		if err != nil {
			t.Fatal(err)
		}
		failing := demo.Integrations[1].ID
		s.Ent.Integration.UpdateOneID(failing).SetHealthState(integration.HealthStateFailing).ExecX(ctx)

		reg := prometheus.NewRegistry()
		reg.MustRegister(metrics.NewIntegrationHealth(s.Ent))
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, mf := range mfs {
			if mf.GetName() != "alertdesk_integration_health" {
				continue
			}
			for _, m := range mf.GetMetric() {
				got[label(m, "integration")+"/"+label(m, "state")] = m.GetGauge().GetValue()
			}
		}
		for _, in := range demo.Integrations {
			want := "healthy"
			if in.ID == failing {
				want = "failing"
			}
			for _, st := range []string{"healthy", "degraded", "failing"} {
				k := strconv.Itoa(in.ID) + "/" + st
				v, ok := got[k]
				if !ok {
					t.Errorf("no series %s (have %v)", k, got)
					continue
				}
				if (st == want) != (v == 1) {
					t.Errorf("%s = %v, want state %s", k, v, want)
				}
			}
		}
	})
}
