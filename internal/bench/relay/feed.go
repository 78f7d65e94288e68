package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/redis/go-redis/v9"
)

type feedResult struct {
	bin       string
	round     int
	latencies []time.Duration // webhook 200 to subscriber, per delivery
	relay     []time.Duration // webhook 200 to the message on Redis, per event
	missing   int
	hookCalls int64
	// cpu is the server process's CPU time from the first measured
	// webhook until every delivery arrived: the webhooks' ingest, the
	// outbound webhooks and the fan-out, the same work for every binary.
	cpu  time.Duration
	load string // load average at the end of the run
}

// cpuPerDelivery is the server's CPU time per delivery, in µs.
func (r feedResult) cpuPerDelivery() float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	return float64(r.cpu.Microseconds()) / float64(len(r.latencies))
}

func (r feedResult) p(q float64) time.Duration { return percentile(r.latencies, q) }

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// The subscriptions: the alert's id alone, or the live feed page's row
// (web/static/js/feed.js), which reads the alert's relations too.
var alertEventsQueries = map[string]string{
	"id": `subscription { alertEvents { type alert { id } } }`,
	"row": `subscription { alertEvents { type at alert { id severity status deviceName message lastEventAt occurrenceCount
  organizationUnmapped externalOrganizationId integration { id name provider } client { id name } asset { id name }
  ticket { id number status { id name isClosed } } } } }`,
}

// feedRun measures one binary's event-to-delivery on the live feed.
func feedRun(ctx context.Context, o options, b binary, log *slog.Logger) (feedResult, error) {
	res := feedResult{bin: b.name}
	s, err := startServer(ctx, o, b.path, "")
	if err != nil {
		return res, err
	}
	defer s.stop()

	// The outbound webhooks' receiver.
	var calls atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	sink := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})}
	go sink.Serve(ln)
	defer sink.Close()
	for i := range o.hooks {
		err := graphql(s, `mutation($in: CreateEventSubscriptionInput!) { createEventSubscription(input: $in) { id } }`,
			map[string]any{"in": map[string]any{"url": fmt.Sprintf("http://%s/hook/%d", ln.Addr(), i), "eventTypes": []string{"RMM_ALERT_TRIGGERED"}}})
		if err != nil {
			return res, fmt.Errorf("create event subscription: %w", err)
		}
	}

	// Subscribers record when each alert's event reached them.
	type got struct {
		alert int
		at    time.Time
	}
	var mu sync.Mutex
	var received []got
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	sem := make(chan struct{}, 32)
	errs := make(chan error, o.subscribers)
	wsURL := "ws" + strings.TrimPrefix(s.base, "http") + "/graphql"
	for range o.subscribers {
		sem <- struct{}{}
		conn, err := subscribe(sctx, wsURL, s.demo.AdminToken, alertEventsQueries[o.query])
		<-sem
		if err != nil {
			return res, err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer conn.CloseNow()
			for {
				_, data, err := conn.Read(sctx)
				if err != nil {
					if sctx.Err() == nil {
						errs <- err
					}
					return
				}
				at := time.Now()
				var m wsMessage
				if json.Unmarshal(data, &m) != nil {
					continue
				}
				switch m.Type {
				case "ping":
					_ = conn.Write(sctx, websocket.MessageText, []byte(`{"type":"pong"}`))
				case "next":
					var p struct {
						Data struct {
							AlertEvents struct {
								Alert struct {
									ID json.Number `json:"id"`
								} `json:"alert"`
							} `json:"alertEvents"`
						} `json:"data"`
					}
					if json.Unmarshal(m.Payload, &p) == nil {
						id, _ := p.Data.AlertEvents.Alert.ID.Int64()
						mu.Lock()
						received = append(received, got{int(id), at})
						mu.Unlock()
					}
				}
			}
		}()
	}
	// Every subscriber's Redis subscription is in place before posting.
	rdb, err := redisClient(o.redisURL)
	if err != nil {
		return res, err
	}
	defer rdb.Close()
	channel := fmt.Sprintf("alertdesk:feed:%d", s.demo.TenantID)
	// The relay's part alone: when the message reaches Redis subscribers.
	published := map[int]time.Time{}
	ps := rdb.Subscribe(ctx, channel)
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		return res, err
	}
	go func() {
		for msg := range ps.Channel() {
			at := time.Now()
			var m struct {
				AlertID int `json:"alertId"`
			}
			if json.Unmarshal([]byte(msg.Payload), &m) == nil {
				mu.Lock()
				if _, ok := published[m.AlertID]; !ok {
					published[m.AlertID] = at
				}
				mu.Unlock()
			}
		}
	}()
	// Every subscriber is listening before posting: warm-up webhooks, one
	// every two seconds, until one of them reached all subscribers. (A
	// process may hold one Redis subscription per subscriber or one per
	// tenant, so Redis's subscriber count cannot tell.)
	warm := 0
	for deadline := time.Now().Add(90 * time.Second); ; {
		if time.Now().After(deadline) {
			return res, fmt.Errorf("no warm-up webhook reached all %d subscribers", o.subscribers)
		}
		id, err := postWebhook(s, webhookBody("warm", 900000, warm))
		if err != nil {
			return res, err
		}
		warm++
		reached := func() bool {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, g := range received {
				if g.alert == id {
					n++
				}
			}
			return n >= o.subscribers
		}
		for wait := time.Now().Add(2 * time.Second); time.Now().Before(wait) && !reached(); {
			time.Sleep(50 * time.Millisecond)
		}
		if reached() {
			break
		}
	}
	time.Sleep(time.Second)

	committed := map[int]time.Time{}
	cpu0 := processCPU(s.cmd.Process.Pid)
	for i := range o.events {
		id, err := postWebhook(s, webhookBody("feed", 1000, i))
		if err != nil {
			return res, err
		}
		mu.Lock()
		committed[id] = time.Now()
		mu.Unlock()
		time.Sleep(o.interval)
	}
	want := o.events * o.subscribers
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		mu.Lock()
		n := 0
		for _, g := range received {
			if _, ok := committed[g.alert]; ok {
				n++
			}
		}
		mu.Unlock()
		if n >= want && calls.Load() >= int64((warm+o.events)*o.hooks) {
			break
		}
	}
	res.cpu = processCPU(s.cmd.Process.Pid) - cpu0
	res.load = loadAverage()
	select {
	case err := <-errs:
		log.Warn("a subscriber's connection ended", "err", err)
	default:
	}
	mu.Lock()
	defer mu.Unlock()
	for _, g := range received {
		if at, ok := committed[g.alert]; ok {
			res.latencies = append(res.latencies, g.at.Sub(at))
		}
	}
	res.missing = want - len(res.latencies)
	for id, at := range published {
		if c, ok := committed[id]; ok {
			res.relay = append(res.relay, at.Sub(c))
		}
	}
	slices.Sort(res.relay)
	res.hookCalls = calls.Load() - int64(warm*o.hooks) // the outbound webhooks still work alongside
	slices.Sort(res.latencies)
	return res, nil
}

// subscribe opens a graphql-transport-ws connection subscribed to alertEvents.
func subscribe(ctx context.Context, url, token, query string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial websocket: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	init, _ := json.Marshal(wsMessage{Type: "connection_init", Payload: json.RawMessage(fmt.Sprintf(`{"authorization":"Bearer %s"}`, token))})
	if err := conn.Write(dctx, websocket.MessageText, init); err != nil {
		conn.CloseNow()
		return nil, err
	}
	_, data, err := conn.Read(dctx)
	if err != nil || !strings.Contains(string(data), "connection_ack") {
		conn.CloseNow()
		return nil, fmt.Errorf("no connection_ack: %s %v", data, err)
	}
	payload, _ := json.Marshal(map[string]any{"query": query})
	sub, _ := json.Marshal(wsMessage{ID: "1", Type: "subscribe", Payload: payload})
	if err := conn.Write(dctx, websocket.MessageText, sub); err != nil {
		conn.CloseNow()
		return nil, err
	}
	return conn, nil
}

func redisClient(u string) (*redis.Client, error) {
	opts, err := redis.ParseURL(u)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opts), nil
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// loadAverage is the machine's 1, 5 and 15 minute load averages (Linux).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
