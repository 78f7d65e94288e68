package replicas

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/providers/providertest"
	"github.com/alertdesk/alertdesk/worker"
	"github.com/alertdesk/alertdesk/workflow"
)

// pollMinute shortens the polling minute (ALERTDESK_POLL_MINUTE): the
// integrations poll every 5 "minutes", 10 s, and a scheduled cycle is
// claimed only 4 "minutes" (8 s) after the last one.
const (
	pollMinute   = 2 * time.Second
	pollInterval = 5 * pollMinute
	pollGap      = 4 * pollMinute
)

// demo is the part of demo.json the test needs.
type demo struct {
	AdminToken   string `json:"adminToken"`
	Integrations []struct {
		ID           int    `json:"id"`
		Provider     string `json:"provider"`
		SecretHeader string `json:"secretHeader"`
		Secret       string `json:"secret"`
	} `json:"integrations"`
}

// alert is one alert the load fires, and what then happens to it.
type alert struct {
	provider string // "ninjaone" or "tacticalrmm"
	external string // seriesUid or alert_id
	fate     string // "open", "webhook-reset" or "closed" (ticket closed through the API)
	ticketID int
}

// TestReplicas runs two API and two worker processes of the built binary
// on one PostgreSQL database and one Redis, under a mixed load, kills a
// worker and an API replica with SIGKILL mid-run, restarts them, and
// checks:
//
//   - no duplicate tickets: every alert fired (each its own condition, each
//     trigger sent to both API replicas at once) has one alert row and one
//     ticket;
//   - workflow events: every RMM_ALERT_TRIGGERED and RMM_ALERT_RESOLVED
//     entry reached the receiver, signed, at least once (delivery is
//     at-least-once; a receiver drops repeats by webhook-id, whose count is
//     logged);
//   - live feed: subscribers on the API replica that stays up get every
//     feed event; those on the killed one reconnect and get every event
//     whose entry committed after they resubscribed (the feed is live only:
//     what was published while a socket was down is not replayed);
//   - polling: each integration's schedule ran once per interval, not once
//     per worker: consecutive list calls are at least the claim gap apart
//     and their number fits the elapsed intervals;
//   - outbound resets: each alert whose ticket was closed through the API
//     was reset in its RMM exactly once, and no other was.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs four processes for about a minute")
	}
	st := storetest.Open(t, "postgres")
	dbURL := storetest.URL(t, st)
	redisURL := redisDB(t)
	bin := buildBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()

	ninja, tactical := providertest.NewNinjaOne(t), providertest.NewTactical(t)
	ninjaAPI, tacticalAPI := newCounter(ninja.URL), newCounter(tactical.URL)
	defer ninjaAPI.Close()
	defer tacticalAPI.Close()
	hooks := newReceiver()
	defer hooks.Close()

	common := []string{"DATABASE_URL=" + dbURL, "REDIS_URL=" + redisURL, "ALERTDESK_SECRET_KEY=" + secretKey(),
		"ALERTDESK_OUTBOUND_ALLOW=127.0.0.1/32", "ALERTDESK_API_RATE_PER_MINUTE=0", "ALERTDESK_LOG_LEVEL=info",
		"ALERTDESK_POLL_MINUTE=" + pollMinute.String()}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ALERTDESK_") && k != "DATABASE_URL" && k != "REDIS_URL" && k != "GOGC" {
			common = append(common, kv)
		}
	}
	api1 := newProc(t, bin, "api1", "api", common, true) // seeds the demo tenant
	api2 := newProc(t, bin, "api2", "api", common, false)
	w1 := newProc(t, bin, "worker1", "worker", common, false)
	w2 := newProc(t, bin, "worker2", "worker", common, false)
	procs := []*proc{api1, api2, w1, w2}
	defer func() {
		if t.Failed() {
			for _, p := range procs {
				t.Log(p.logs())
			}
		}
	}()
	api1.start(ctx)
	for _, p := range procs[1:] {
		p.start(ctx)
	}
	var d demo
	if b, err := os.ReadFile(filepath.Join(api1.dir, "demo.json")); err != nil || json.Unmarshal(b, &d) != nil {
		t.Fatalf("demo.json: %v", err)
	}
	bases := []string{api1.base, api2.base}
	integration := map[string]int{}
	secrets := map[string][2]string{}
	for _, in := range d.Integrations {
		h := in.SecretHeader
		if h == "" {
			h = "X-Alertdesk-Secret"
		}
		integration[in.Provider], secrets[in.Provider] = in.ID, [2]string{h, in.Secret}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	// Connect both integrations to their fake RMMs, poll every 5 minutes
	// (10 s) with a grace period past the test's end (the fakes list no
	// alerts; a poll then changes none), and subscribe the receiver.
	must(gql(ctx, bases, d.AdminToken, `mutation($id: ID!, $url: String!) {
		connectNinjaOneClientCredentials(integrationId: $id, clientId: "client", clientSecret: "secret", baseUrl: $url) { integration { connectionState } } }`,
		map[string]any{"id": integration["ninjaone"], "url": ninjaAPI.URL}, nil))
	must(gql(ctx, bases, d.AdminToken, `mutation($id: ID!, $url: String!) {
		connectTacticalRmm(integrationId: $id, baseUrl: $url, apiKey: "key") { integration { connectionState } } }`,
		map[string]any{"id": integration["tacticalrmm"], "url": tacticalAPI.URL}, nil))
	for _, p := range []string{"ninjaone", "tacticalrmm"} {
		must(gql(ctx, bases, d.AdminToken, `mutation($id: ID!) {
			updatePollingSettings(input: {integrationId: $id, enabled: true, intervalMinutes: 5, graceSeconds: 3600}) { id } }`,
			map[string]any{"id": integration[p]}, nil))
	}
	// Connecting lists alerts once to check the key, and requests a cycle
	// at once; the schedules count from here.
	connected := time.Now()
	var sub struct {
		CreateEventSubscription struct {
			ID     string `json:"id"`
			Secret string `json:"secret"`
		} `json:"createEventSubscription"`
	}
	must(gql(ctx, bases, d.AdminToken, `mutation($url: String!) {
		createEventSubscription(input: {url: $url, eventTypes: ["RMM_ALERT_TRIGGERED", "RMM_ALERT_RESOLVED"]}) { id secret } }`,
		map[string]any{"url": hooks.URL + "/hook"}, &sub))
	hooks.mu.Lock()
	hooks.secret = sub.CreateEventSubscription.Secret
	hooks.mu.Unlock()
	subID, _ := strconv.Atoi(sub.CreateEventSubscription.ID)

	// Two live-feed subscribers on each API replica.
	sctx, stopSubs := context.WithCancel(ctx)
	var subsWG sync.WaitGroup
	defer func() { stopSubs(); subsWG.Wait() }()
	var subs []*subscriber
	for i, p := range []*proc{api1, api1, api2, api2} {
		s := &subscriber{name: fmt.Sprintf("%s/%d", p.name, i%2), url: "ws" + strings.TrimPrefix(p.base, "http") + "/graphql", token: d.AdminToken}
		subs = append(subs, s)
		subsWG.Add(1)
		go func() { defer subsWG.Done(); s.run(sctx) }()
	}

	// Webhook bodies: each alert its own device and condition, so its own
	// ticket; now keeps the events' times in order.
	seq := 0
	var alerts []*alert
	body := func(a *alert, reset bool) []byte {
		now := time.Now().UTC()
		if reset {
			now = now.Add(time.Second)
		}
		var m map[string]any
		if a.provider == "ninjaone" {
			name := "ninjaone-condition-triggered.json"
			if reset {
				name = "ninjaone-condition-reset.json"
			}
			must(json.Unmarshal(fixtures.Read(name), &m))
			n, _ := strconv.Atoi(strings.TrimPrefix(a.external, "replicas-"))
			m["id"], m["deviceId"], m["seriesUid"] = 500000+n, 10000+n, a.external
			m["activityTime"] = float64(now.UnixMicro()) / 1e6
			if dev, ok := m["device"].(map[string]any); ok {
				dev["id"], dev["organizationId"] = 10000+n, 2
				dev["displayName"], dev["systemName"] = fmt.Sprintf("NODE-%d", n), fmt.Sprintf("NODE-%d", n)
			}
		} else {
			name := "tactical-check-trigger.json"
			if reset {
				name = "tactical-check-resolve.json"
			}
			must(json.Unmarshal(fixtures.Read(name), &m))
			m["alert_id"], m["agent_id"], m["check_id"] = a.external, "agent-"+a.external, a.external
			m["hostname"] = "HOST-" + a.external
			ts := now.Format("2006-01-02 15:04:05.000000+00:00")
			if reset {
				m["resolved_on"] = ts
			} else {
				m["alert_time"] = ts
			}
		}
		b, _ := json.Marshal(m)
		return b
	}
	send := func(a *alert, reset bool, both bool) (map[string]any, error) {
		h := http.Header{secrets[a.provider][0]: {secrets[a.provider][1]}}
		path := fmt.Sprintf("/webhooks/%s/%d", a.provider, integration[a.provider])
		b := body(a, reset)
		order := bases
		if rand.IntN(2) == 0 {
			order = []string{bases[1], bases[0]}
		}
		if !both {
			status, out, err := post(ctx, order, path, h, b)
			if err == nil && status != 200 {
				err = fmt.Errorf("webhook %s: %d %s", path, status, out)
			}
			var r map[string]any
			_ = json.Unmarshal(out, &r)
			return r, err
		}
		// The same delivery to both replicas at once, as an RMM retrying
		// through a load balancer might.
		type res struct {
			r   map[string]any
			err error
		}
		ch := make(chan res, 2)
		for _, o := range [][]string{order, {order[1], order[0]}} {
			go func() {
				status, out, err := post(ctx, o, path, h, b)
				if err == nil && status != 200 {
					err = fmt.Errorf("webhook %s: %d %s", path, status, out)
				}
				var r map[string]any
				_ = json.Unmarshal(out, &r)
				ch <- res{r, err}
			}()
		}
		a1, a2 := <-ch, <-ch
		if a1.err != nil {
			return nil, a1.err
		}
		if a2.err != nil {
			return nil, a2.err
		}
		if a1.r["status"] == "ticket_created" {
			return a1.r, nil
		}
		return a2.r, nil
	}

	// Every subscriber listens before the load: warm-up webhooks until one
	// reached all four.
	warm := &alert{provider: "ninjaone", external: "replicas-0", fate: "open"}
	alerts = append(alerts, warm)
	r, err := send(warm, false, false)
	must(err)
	warmIDs := map[int]bool{int(r["alertId"].(float64)): true}
	for deadline := time.Now().Add(30 * time.Second); ; {
		all := true
		for _, s := range subs {
			if ses := s.current(); ses == nil || !func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				for k := range ses.events {
					if warmIDs[k.alert] {
						return true
					}
				}
				return false
			}() {
				all = false
			}
		}
		if all {
			break
		}
		if time.Now().After(deadline) {
			for _, s := range subs {
				s.mu.Lock()
				t.Logf("subscriber %s: %d connections, errors %v", s.name, len(s.sessions), s.errs)
				for _, ses := range s.sessions {
					t.Logf("  events %v", ses.events)
				}
				s.mu.Unlock()
			}
			t.Fatal("no warm-up alert reached every subscriber in 30 s")
		}
		// A replay publishes nothing: fire a fresh warm-up alert.
		time.Sleep(2 * time.Second)
		seq++
		warm = &alert{provider: "ninjaone", external: fmt.Sprintf("replicas-%d", 900+seq), fate: "open"}
		alerts = append(alerts, warm)
		r, err := send(warm, false, false)
		must(err)
		warmIDs[int(r["alertId"].(float64))] = true
	}
	var baseline int // the last outbox entry before the measured load
	must(st.DB.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM outbox_entries`).Scan(&baseline))
	loadStart := time.Now()

	// The load: a new alert every 250 ms, alternating providers, each
	// trigger sent to both replicas at once; a third reset by webhook
	// later, a third closed through the API (an outbound reset), the
	// rest left open. Meanwhile a worker and then an API replica are
	// killed and restarted.
	var loadWG sync.WaitGroup
	errs := make(chan error, 1000)
	closeTicket := func(a *alert) {
		defer loadWG.Done()
		if err := gql(ctx, bases, d.AdminToken, `mutation($id: ID!) { closeTicket(ticketId: $id) { id } }`,
			map[string]any{"id": a.ticketID}, nil); err != nil && !strings.Contains(err.Error(), "ALREADY_CLOSED") {
			errs <- fmt.Errorf("close ticket %d: %w", a.ticketID, err)
		}
	}
	killed, burst := make(chan struct{}), make(chan struct{})
	loadWG.Add(1)
	go func() {
		defer loadWG.Done()
		defer close(killed)
		<-burst
		time.Sleep(100 * time.Millisecond) // the burst is in the pipeline and the relay
		var undelivered int
		_ = st.DB.QueryRowContext(ctx, `SELECT count(*) FROM outbox_entries WHERE delivered_at IS NULL`).Scan(&undelivered)
		t.Logf("SIGKILL worker1 (%d outbox entries undelivered)", undelivered)
		w1.kill()
		time.Sleep(3 * time.Second)
		t.Log("SIGKILL api1")
		api1.kill()
		time.Sleep(2 * time.Second)
		t.Log("restart worker1")
		w1.start(ctx)
		t.Log("restart api1")
		api1.start(ctx)
	}()
	// Alerts 25 to 44 come as a burst, and worker1 dies in its wake.
	const n = 100
	for i := 1; i <= n; i++ {
		a := &alert{provider: "ninjaone", external: fmt.Sprintf("replicas-%d", i), fate: "open"}
		if i%2 == 0 {
			a.provider, a.external = "tacticalrmm", strconv.Itoa(700000+i)
		}
		a.fate = []string{"open", "webhook-reset", "closed"}[(i-1)/2%3] // each fate for both providers
		alerts = append(alerts, a)
		loadWG.Add(1)
		go func() {
			defer loadWG.Done()
			r, err := send(a, false, true)
			if err != nil {
				errs <- err
				return
			}
			if id, ok := r["ticketId"].(float64); ok {
				a.ticketID = int(id)
			}
			switch a.fate {
			case "webhook-reset":
				time.Sleep(time.Second)
				if _, err := send(a, true, false); err != nil {
					errs <- err
				}
			case "closed":
				if a.ticketID == 0 {
					errs <- fmt.Errorf("alert %s: no ticket in %v", a.external, r)
					return
				}
				time.Sleep(500 * time.Millisecond)
				loadWG.Add(1)
				go closeTicket(a)
			}
		}()
		if i == 44 {
			close(burst)
		}
		if i < 25 || i >= 44 {
			time.Sleep(250 * time.Millisecond)
		}
	}
	<-killed
	loadWG.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	loadEnd := time.Now()
	t.Logf("load of %d alerts in %s", n, loadEnd.Sub(loadStart).Round(time.Millisecond))

	// Wait until the outbox is drained (an entry leased by the killed
	// worker comes back after its lease), the receiver has every event
	// and every closed ticket's alerts were reset.
	wantDeliveries := func() (map[string]string, error) {
		rows, err := st.DB.QueryContext(ctx, `SELECT id, topic FROM outbox_entries
			WHERE id > $1 AND topic IN ('RMM_ALERT_TRIGGERED', 'RMM_ALERT_RESOLVED') ORDER BY id`, baseline)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		out := map[string]string{}
		for rows.Next() {
			var id int
			var topic string
			if err := rows.Scan(&id, &topic); err != nil {
				return nil, err
			}
			out[workflow.DeliveryID(id, subID)] = fmt.Sprintf("entry %d (%s)", id, topic)
		}
		return out, rows.Err()
	}
	var pending int
	settled := time.Now().Add(3 * time.Minute)
	for {
		must(st.DB.QueryRowContext(ctx, `SELECT count(*) FROM outbox_entries WHERE delivered_at IS NULL`).Scan(&pending))
		want, err := wantDeliveries()
		must(err)
		got, _ := hooks.snapshot()
		missing := 0
		for id := range want {
			if got[id] == 0 {
				missing++
			}
		}
		if pending == 0 && missing == 0 {
			break
		}
		if time.Now().After(settled) {
			t.Errorf("after 3 minutes: %d outbox entries undelivered, %d workflow events not received", pending, missing)
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // the feed's last publications reach the sockets
	end := time.Now()
	stopSubs()
	subsWG.Wait()
	t.Logf("settled %s after the load", end.Sub(loadEnd).Round(time.Millisecond))

	// No duplicate tickets: one alert row and one ticket per alert fired.
	for _, a := range alerts {
		var rowsN, tickets int
		must(st.DB.QueryRowContext(ctx, `SELECT count(*), count(DISTINCT ticket_id) FROM alerts WHERE integration_id = $1 AND external_alert_id = $2`,
			integration[a.provider], a.external).Scan(&rowsN, &tickets))
		if rowsN != 1 || tickets != 1 {
			t.Errorf("%s alert %s: %d alert rows, %d tickets; want 1 and 1", a.provider, a.external, rowsN, tickets)
		}
	}
	var ticketsN, alertsN int
	must(st.DB.QueryRowContext(ctx, `SELECT count(*) FROM tickets`).Scan(&ticketsN))
	must(st.DB.QueryRowContext(ctx, `SELECT count(*) FROM alerts`).Scan(&alertsN))
	if ticketsN != len(alerts) || alertsN != len(alerts) {
		t.Errorf("%d tickets and %d alerts for %d alerts fired", ticketsN, alertsN, len(alerts))
	}

	// Workflow events: each delivered at least once, correctly signed.
	want, err := wantDeliveries()
	must(err)
	got, bad := hooks.snapshot()
	repeats := 0
	for id, what := range want {
		if got[id] == 0 {
			t.Errorf("workflow event %s (webhook-id %s) never reached the receiver", what, id)
		}
		repeats += max(got[id]-1, 0)
	}
	for _, b := range bad {
		t.Errorf("badly signed delivery: %s", b)
	}
	t.Logf("workflow: %d events, %d deliveries received, %d repeats (dropped by webhook-id)", len(want), len(got), repeats)

	// Live feed: the events of every entry since the baseline.
	type feedEntry struct {
		key     feedKey
		created time.Time
	}
	var feedWant []feedEntry
	rows, err := st.DB.QueryContext(ctx, `SELECT id, tenant_id, topic, payload, created_at FROM outbox_entries
		WHERE id > $1 AND topic IN ('RMM_ALERT_TRIGGERED', 'RMM_ALERT_RESOLVED', 'ALERT_FEED') ORDER BY id`, baseline)
	must(err)
	for rows.Next() {
		var e worker.Entry
		var payload []byte
		must(rows.Scan(&e.ID, &e.TenantID, &e.Topic, &payload, &e.Created))
		must(json.Unmarshal(payload, &e.Payload))
		m, err := worker.FeedMessage(e)
		if err != nil {
			continue // set aside by the worker too
		}
		feedWant = append(feedWant, feedEntry{keyOf(m.AlertID, m.Type, m.At), e.Created})
	}
	must(rows.Err())
	rows.Close()
	for _, s := range subs {
		s.mu.Lock()
		sessions := slices.Clone(s.sessions)
		s.mu.Unlock()
		// A subscriber that never lost its socket has one session, opened
		// before the load: it must get every event. One that reconnected
		// must get every event whose entry was written after its new
		// subscription stood, which the first event it received proves
		// (the feed publishes an entry only after it committed).
		from := time.Time{}
		if last := sessions[len(sessions)-1]; len(sessions) > 1 {
			from = last.first
			if from.IsZero() {
				from = last.opened.Add(5 * time.Second) // nothing came: everything after a while is lost
			}
		}
		lost, checked := 0, 0
		for _, f := range feedWant {
			if f.created.Before(from) {
				continue
			}
			checked++
			if !s.received(f.key) {
				lost++
				if lost <= 5 {
					t.Errorf("subscriber %s: feed event %+v (entry at %s) never arrived", s.name, f.key, f.created.Format(time.RFC3339Nano))
				}
			}
		}
		if lost > 0 {
			t.Errorf("subscriber %s: %d of %d feed events lost", s.name, lost, checked)
		}
		t.Logf("subscriber %s: %d connections, %d of %d feed events checked", s.name, len(sessions), checked, len(feedWant))
	}
	for _, s := range subs[2:] {
		if len(s.sessions) != 1 {
			t.Errorf("subscriber %s on the replica that stayed up reconnected: %v", s.name, s.errs)
		}
	}
	for _, s := range subs[:2] {
		if len(s.sessions) < 2 {
			t.Errorf("subscriber %s on the killed replica did not reconnect", s.name)
		}
	}

	// Outbound resets: once for each alert whose ticket was closed through
	// the API, never for another.
	resets := map[string]int{}
	for _, uid := range ninja.Resets() {
		resets["ninjaone/"+uid]++
	}
	for _, id := range tactical.Resolves() {
		resets["tacticalrmm/"+id]++
	}
	closed := 0
	for _, a := range alerts {
		k := a.provider + "/" + a.external
		switch {
		case a.fate == "closed":
			closed++
			if resets[k] != 1 {
				t.Errorf("alert %s: reset %d times in its RMM, want once", k, resets[k])
			}
		case resets[k] != 0:
			t.Errorf("alert %s (%s): reset %d times in its RMM, want never", k, a.fate, resets[k])
		}
	}
	t.Logf("outbound resets: %d alerts closed through the API, %d reset calls", closed, len(ninja.Resets())+len(tactical.Resolves()))

	// Polling: one cycle per interval, whichever worker ran it.
	for name, calls := range map[string][]time.Time{
		"ninjaone":    ninjaAPI.times("GET /v2/alerts"),
		"tacticalrmm": tacticalAPI.times("PATCH /alerts/"),
	} {
		// The requested cycle of the connect comes first; the schedule's
		// claim leaves the gap after it too.
		var window []time.Time
		for _, c := range calls {
			if !c.Before(connected) && !c.After(end) {
				window = append(window, c)
			}
		}
		if len(window) < 2 {
			t.Errorf("%s: %d poll cycles during the run", name, len(window))
			continue
		}
		span := window[len(window)-1].Sub(window[0])
		// A double schedule (one per worker) would put two cycles in
		// each interval, one of them at most half an interval after the
		// other; the claim keeps them a gap apart. Two seconds of slack
		// for the time between the claim and the list call.
		for i := 1; i < len(window); i++ {
			if gap := window[i].Sub(window[i-1]); gap < pollGap-2*time.Second {
				t.Errorf("%s: poll cycles %s apart (at %s and %s); want at least %s", name, gap.Round(time.Millisecond),
					window[i-1].Format("15:04:05.000"), window[i].Format("15:04:05.000"), pollGap)
			}
		}
		elapsed := end.Sub(connected)
		most := int(elapsed/(pollGap-2*time.Second)) + 1
		least := int(elapsed/pollInterval) - 1 // a schedule starts an interval after it is read
		if len(window) > most || len(window) < least {
			t.Errorf("%s: %d poll cycles in %s; want %d to %d (every %s)", name, len(window), elapsed.Round(time.Second), least, most, pollInterval)
		}
		t.Logf("%s: %d poll cycles in %s over %s", name, len(window), elapsed.Round(time.Second), span.Round(time.Second))
	}
}
