package tacticalrmm_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/providers/tacticalrmm"
)

func TestClient(t *testing.T) {
	f := providertest.NewTactical(t)
	a := providertest.TacticalAlert(1523, "agent-1", "SRV-01", 88)
	snoozed := providertest.TacticalAlert(1524, "agent-1", "SRV-01", 89)
	snoozed["snoozed"] = true
	f.SetAlerts(a, snoozed)
	cl, err := tacticalrmm.NewClient(tacticalrmm.Config{BaseURL: f.URL, Credentials: tacticalrmm.Credentials{APIKey: "key"}, HTTP: f.Client()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	evs, err := cl.FetchActive(ctx)
	if err != nil || len(evs) != 1 || evs[0].ExternalAlertID != "1523" || evs[0].ConditionIdentity != "check:88" {
		t.Fatalf("FetchActive = %+v, %v", evs, err)
	}
	if err := cl.ResetAlert(ctx, "1523"); err != nil {
		t.Fatal(err)
	}
	if got := f.Resolves(); !slices.Equal(got, []string{"1523"}) {
		t.Errorf("resolves = %v", got)
	}
	if evs, err := cl.FetchActive(ctx); err != nil || len(evs) != 0 {
		t.Errorf("after resolve: %v, %v", evs, err)
	}

	f.FailList(http.StatusBadGateway)
	if _, err := cl.FetchActive(ctx); err == nil {
		t.Error("502 list read as nothing active")
	}
	bad, _ := tacticalrmm.NewClient(tacticalrmm.Config{BaseURL: f.URL, Credentials: tacticalrmm.Credentials{APIKey: "wrong"}, HTTP: f.Client()})
	if err := bad.ResetAlert(ctx, "1523"); err == nil {
		t.Error("wrong API key accepted")
	}
	if _, err := tacticalrmm.NewClient(tacticalrmm.Config{BaseURL: ""}); err == nil {
		t.Error("client without base URL")
	}
	if _, err := tacticalrmm.ParseCredentials([]byte(`{}`)); err == nil {
		t.Error("credentials without API key accepted")
	}
}
