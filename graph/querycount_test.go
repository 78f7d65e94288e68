package graph_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/storetest"
)

// statementCounter counts the SQL statements the API's client sends.
type statementCounter struct {
	mu    sync.Mutex
	stmts []string
}

func (c *statementCounter) log(_ context.Context, v ...any) {
	s := fmt.Sprint(v...)
	if strings.Contains(s, ".Query: ") || strings.Contains(s, ".Exec: ") {
		c.mu.Lock()
		c.stmts = append(c.stmts, s)
		c.mu.Unlock()
	}
}

func (c *statementCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.stmts
	c.stmts = nil
	return out
}

const alertList = `query($n: Int!) { alerts(first: $n) {
	totalCount
	pageInfo { hasNextPage endCursor }
	edges { cursor node {
		id severity status message occurrenceCount
		integration { name }
		client { name }
		asset { name }
		matchedRule { id name priorityOrder }
		ticket { id number title status { name isClosed } priority { name } board { name } }
	} }
} }`

// Listing 100 alerts with their tickets and rules costs a fixed number of
// statements, the same as listing 10: one per relation, not per alert.
func TestAlertListQueryCount(t *testing.T) {
	for _, d := range storetest.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := apptest.New(t, d)
			for i := range 100 {
				r := e.Post(ninja, ninjaTrigger(t, map[string]any{
					"seriesUid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
					"deviceId":  1000 + i,
					"device":    map[string]any{"id": 1000 + i, "organizationId": 2, "displayName": fmt.Sprintf("PC-%d", i)},
				}))
				if r.TicketID == nil {
					t.Fatalf("webhook %d: %+v", i, r)
				}
			}
			counter := &statementCounter{}
			drv := dialect.DebugWithContext(entsql.OpenDB(e.Store.Dialect, e.Store.DB), counter.log)
			h := graph.NewHandler(graph.Deps{Store: e.Store, Pipeline: e.Pipeline, Desk: e.Desk,
				Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Driver: drv})
			srv := httptest.NewServer(h)
			t.Cleanup(srv.Close)
			api := *e
			api.HTTP = srv

			counts := map[int]int{}
			for _, n := range []int{10, 100} {
				var out struct {
					Alerts struct {
						TotalCount int
						Edges      []struct {
							Node struct {
								Ticket      *struct{ Status struct{ Name string } }
								MatchedRule *struct{ Name string }
							}
						}
					}
				}
				api.Admin(alertList, map[string]any{"n": n}).Must(&out)
				stmts := counter.take()
				counts[n] = len(stmts)
				if out.Alerts.TotalCount != 100 || len(out.Alerts.Edges) != n {
					t.Fatalf("listed %d of %d", len(out.Alerts.Edges), out.Alerts.TotalCount)
				}
				for _, edge := range out.Alerts.Edges {
					if edge.Node.Ticket == nil || edge.Node.MatchedRule == nil {
						t.Fatalf("alert without ticket or rule: %+v", edge.Node)
					}
				}
				t.Logf("%d alerts: %d statements", n, len(stmts))
				if testing.Verbose() {
					for _, s := range stmts {
						t.Log(" ", s[:min(len(s), 160)])
					}
				}
			}
			// alerts, count, and one each for integrations, clients, assets,
			// rules, tickets, statuses, priorities, boards and conditions.
			const bound = 11
			if counts[100] > bound || counts[100] != counts[10] {
				t.Errorf("statements: %v, want at most %d and independent of the page size", counts, bound)
			}
		})
	}
}
