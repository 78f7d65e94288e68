package app_test

import (
	"bufio"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/config"
)

// series is one sample of a /metrics scrape.
type series struct {
	name   string
	labels map[string]string
	value  float64
}

var labelPair = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)

// scrape reads /metrics in the Prometheus text format.
func (r *running) scrape() []series {
	r.t.Helper()
	a := r.get("/metrics")
	if a.status != 200 {
		r.t.Fatalf("/metrics: %d %s", a.status, a.body)
	}
	var out []series
	sc := bufio.NewScanner(strings.NewReader(a.body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			r.t.Fatalf("/metrics line %q: %v", line, err)
		}
		s := series{name: line[:i], labels: map[string]string{}, value: v}
		if j := strings.IndexByte(line[:i], '{'); j >= 0 {
			s.name = line[:j]
			for _, m := range labelPair.FindAllStringSubmatch(line[j:i], -1) {
				s.labels[m[1]] = m[2]
			}
		}
		out = append(out, s)
	}
	return out
}

// sum adds the samples of name whose labels include want.
func sum(ss []series, name string, want map[string]string) (float64, bool) {
	total, found := 0.0, false
	for _, s := range ss {
		if s.name != name {
			continue
		}
		match := true
		for k, v := range want {
			if s.labels[k] != v {
				match = false
			}
		}
		if match {
			total, found = total+s.value, true
		}
	}
	return total, found
}

// delta is how much name{want} grew from before to after.
func delta(t *testing.T, before, after []series, name string, want map[string]string) float64 {
	t.Helper()
	b, _ := sum(before, name, want)
	a, ok := sum(after, name, want)
	if !ok {
		t.Errorf("/metrics has no %s%v", name, want)
	}
	return a - b
}

// TestMetricsAfterTraffic: a webhook that opens a ticket and a named
// GraphQL operation that fails show in /metrics by route pattern (never
// the raw path), operation name and error code, with the
// webhook-to-ticket latency and the database pools, on both databases.
func TestMetricsAfterTraffic(t *testing.T) {
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			var r *running
			pools := []string{"main"}
			if db == "postgres" {
				r, _ = startPostgres(t, limits(), config.DefaultDatabase())
				pools = append(pools, "ingest", "control")
			} else {
				r = start(t, config.Config{HTTP: limits()})
			}
			before := r.scrape()

			a := r.post(ninjaBody(t, "metrics-"+db))
			if a.status != 200 || !strings.Contains(a.body, `"ticket_created"`) {
				t.Fatalf("webhook: %d %s", a.status, a.body)
			}
			bad := r.graphql(r.app.Demo.AdminToken, `mutation MetricsBadComment { addComment(ticketId: "987654321", body: "x") { id } }`)
			invalid := r.graphql(r.app.Demo.AdminToken, `query MetricsNoSuchField { noSuchField }`)
			ok := r.graphql(r.app.Demo.AdminToken, `{ me { id } }`)
			for _, g := range []answer{bad, invalid} {
				if !strings.Contains(g.body, `"errors"`) {
					t.Fatalf("graphql: want an error, got %s", g.body)
				}
			}
			if strings.Contains(ok.body, `"errors"`) {
				t.Fatalf("graphql: %s", ok.body)
			}
			after := r.scrape()

			webhook := map[string]string{"method": "POST", "route": "POST /webhooks/{provider}/{integrationId}", "code": "200"}
			if d := delta(t, before, after, "alertdesk_http_requests_total", webhook); d != 1 {
				t.Errorf("webhook requests grew by %v, want 1", d)
			}
			if d := delta(t, before, after, "alertdesk_http_request_duration_seconds_count", webhook); d != 1 {
				t.Errorf("webhook durations grew by %v, want 1", d)
			}
			if d := delta(t, before, after, "alertdesk_http_requests_total", map[string]string{"method": "POST", "route": "/graphql", "code": "200"}); d != 2 {
				t.Errorf("graphql requests answered 200 grew by %v, want 2", d)
			}
			if d := delta(t, before, after, "alertdesk_http_requests_total", map[string]string{"method": "POST", "route": "/graphql", "code": "422"}); d != 1 {
				t.Errorf("graphql requests answered 422 (invalid document) grew by %v, want 1", d)
			}
			for _, s := range after {
				if route, ok := s.labels["route"]; ok && strings.Contains(route, "/webhooks/ninjaone") {
					t.Errorf("raw path as a route label: %s%v", s.name, s.labels)
				}
			}

			latency := map[string]string{"provider": "ninjaone", "outcome": "ticket_created"}
			if d := delta(t, before, after, "alertdesk_webhook_to_ticket_seconds_count", latency); d != 1 {
				t.Errorf("webhook-to-ticket observations grew by %v, want 1", d)
			}
			// Positive and within the webhook's own round trip.
			if d := delta(t, before, after, "alertdesk_webhook_to_ticket_seconds_sum", latency); d <= 0 || d > a.took.Seconds() {
				t.Errorf("webhook-to-ticket latency %vs, want in (0, %vs]", d, a.took.Seconds())
			}

			for _, c := range []struct {
				name  string
				want  map[string]string
				delta float64
			}{
				{"alertdesk_graphql_operations_total", map[string]string{"operation": "MetricsBadComment", "type": "mutation", "result": "error"}, 1},
				{"alertdesk_graphql_errors_total", map[string]string{"operation": "MetricsBadComment", "code": "NOT_FOUND"}, 1},
				{"alertdesk_graphql_operation_duration_seconds_count", map[string]string{"operation": "MetricsBadComment", "type": "mutation"}, 1},
				{"alertdesk_graphql_operations_total", map[string]string{"operation": "MetricsNoSuchField", "type": "invalid", "result": "error"}, 1},
				{"alertdesk_graphql_errors_total", map[string]string{"operation": "MetricsNoSuchField", "code": "GRAPHQL_VALIDATION_FAILED"}, 1},
				{"alertdesk_graphql_operations_total", map[string]string{"operation": "anonymous", "type": "query", "result": "ok"}, 1},
			} {
				if d := delta(t, before, after, c.name, c.want); d != c.delta {
					t.Errorf("%s%v grew by %v, want %v", c.name, c.want, d, c.delta)
				}
			}

			for _, p := range pools {
				open, ok := sum(after, "alertdesk_db_pool_open_connections", map[string]string{"pool": p})
				maxOpen, _ := sum(after, "alertdesk_db_pool_max_open_connections", map[string]string{"pool": p})
				inUse, _ := sum(after, "alertdesk_db_pool_in_use_connections", map[string]string{"pool": p})
				idle, _ := sum(after, "alertdesk_db_pool_idle_connections", map[string]string{"pool": p})
				if !ok || open < 1 || open != inUse+idle || (maxOpen > 0 && open > maxOpen) {
					t.Errorf("pool %s: open %v (found %v), in use %v, idle %v, max %v", p, open, ok, inUse, idle, maxOpen)
				}
				if _, ok := sum(after, "alertdesk_db_pool_wait_duration_seconds_total", map[string]string{"pool": p}); !ok {
					t.Errorf("pool %s: no wait duration", p)
				}
			}
		})
	}
}
