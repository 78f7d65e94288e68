package workflow_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/outbound"
	"github.com/alertdesk/alertdesk/outbox"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// flipResolver answers a name with a public address until flipped, then
// with loopback: DNS rebinding between the save and the dial.
type flipResolver struct {
	mu      sync.Mutex
	flipped bool
}

func (r *flipResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case host == "localhost", host == "rebind.test" && r.flipped:
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	case host == "rebind.test":
		return []netip.Addr{netip.MustParseAddr("93.184.215.14")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (r *flipResolver) flip() { r.mu.Lock(); r.flipped = true; r.mu.Unlock() }

// TestDeliveryRefusedAtDial: subscriptions whose URLs reach loopback,
// link-local or private addresses — rows stored before the save-time
// check, and a name that resolved publicly when saved and to 127.0.0.1
// when dialed — get no request: the dial is refused, the log says so
// with no status, and the loopback server behind them sees nothing.
func TestDeliveryRefusedAtDial(t *testing.T) {
	eachStore(t, func(t *testing.T, e *apptest.Env) {
		var hits atomic.Int32
		internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
			w.Write([]byte("internal admin page"))
		}))
		t.Cleanup(internal.Close)
		_, port, _ := net.SplitHostPort(internal.Listener.Addr().String())

		res := &flipResolver{}
		guard := &outbound.Guard{Resolver: res}
		svc := &workflow.Service{Store: e.Store, Secrets: e.Services.Secrets, Outbound: guard}
		tenant := e.Demo.TenantID

		// Saved while the name answered a public address.
		sub, err := svc.CreateSubscription(e.Ctx, tenant, workflow.SubscriptionInput{
			URL: "http://rebind.test:" + port + "/hook", EventTypes: []string{outbox.AlertTriggered}})
		if err != nil {
			t.Fatalf("public name refused at save: %v", err)
		}
		res.flip()
		if _, err := svc.UpdateSubscription(e.Ctx, tenant, sub.ID, workflow.SubscriptionUpdate{Description: ptr("x")}); err != nil {
			t.Fatal(err)
		}

		// Rows from before the check, written straight to the table.
		hosts := []string{"127.0.0.1", "localhost", "[::1]", "[::ffff:127.0.0.1]", "2130706433", "0177.0.0.1",
			"169.254.169.254", "10.0.0.1", "192.168.0.1", "[fe80::1]", "[fc00::1]"}
		sealed, err := e.Services.Secrets.SealSigningSecret(tenant, strings.Repeat("s", 32))
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hosts {
			e.DB.EventSubscription.Create().SetTenantID(tenant).SetURL("http://" + h + ":" + port + "/hook").
				SetSecret("").SetSecretSealed(sealed).SetEventTypes([]string{outbox.AlertTriggered}).ExecX(e.Ctx)
		}

		d := &workflow.Deliverer{Store: e.Store, Secrets: e.Services.Secrets, Outbound: guard}
		entry := worker.Entry{ID: 4242, TenantID: tenant, Topic: outbox.AlertTriggered,
			Payload: map[string]any{"alertId": 1}, Created: time.Now(), Attempt: 1}
		if err := d.Consume(e.Ctx, entry); err == nil {
			t.Fatal("deliveries to refused addresses reported success")
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the loopback server got %d requests", n)
		}
		subs, err := svc.ListSubscriptions(e.Ctx, tenant)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != len(hosts)+1 {
			t.Fatalf("%d subscriptions", len(subs))
		}
		for _, s := range subs {
			log, err := svc.Deliveries(e.Ctx, tenant, s.ID, workflow.DeliveryFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(log) != 1 || log[0].Success || log[0].StatusCode != 0 || log[0].ResponseBytes != 0 ||
				!strings.Contains(log[0].Error, "outbound:") || strings.Contains(log[0].Error, "admin page") {
				t.Errorf("%s: log %+v, want one refused attempt", s.URL, log)
			}
		}

		// The control: the same guard with loopback allowed reaches it, and
		// the log keeps the status and size, not the page.
		allow, _ := outbound.ParseAllow("127.0.0.0/8")
		guard.Allow = allow
		d = &workflow.Deliverer{Store: e.Store, Secrets: e.Services.Secrets, Outbound: guard}
		entry.ID++
		_ = d.Consume(e.Ctx, entry)
		if hits.Load() == 0 {
			t.Fatal("allowed loopback not reached: the refusals above prove nothing")
		}
		log, _ := svc.Deliveries(e.Ctx, tenant, sub.ID, workflow.DeliveryFilter{})
		if len(log) != 2 || log[0].StatusCode != 500 || log[0].Error != "HTTP 500" || log[0].ResponseBytes != len("internal admin page") {
			t.Errorf("allowed attempt logged %+v", log[0])
		}
	})
}

func ptr[T any](v T) *T { return &v }
