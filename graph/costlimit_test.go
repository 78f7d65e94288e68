package graph_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/graph"
	"github.com/alertdesk/alertdesk/internal/apptest"
)

// The live feed's own page: 100 alerts with their rows, counted.
const feedPage = `{ alerts(first: 100) { totalCount totalCountIsEstimate nodes { id severity status deviceName message
	lastEventAt occurrenceCount organizationUnmapped externalOrganizationId integration { id name provider }
	client { id name } asset { id name } ticket { id number status { id name isClosed } } } } }`

// A token pays for each operation with its complexity: once its points are
// spent, a costly page is refused with 429, RATE_LIMITED, Retry-After and
// the page's cost, by either of two API handlers sharing one Redis, over
// HTTP and on a WebSocket, while a cheap query still fits and another
// token goes on.
func TestCostLimitPerToken(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	// One point a minute after a burst of 4,000, one page and a bit: the
	// test cannot outrun the refill.
	limit := graph.RateLimit{CostPerMinute: 1, CostBurst: 4_000}
	a, b := limitedAPI(t, e, limit), limitedAPI(t, e, limit)
	other := technician(e)

	a.Admin(feedPage, nil).Must(nil)
	status, header, out := post(t, b, e.Demo.AdminToken, feedPage)
	if status != http.StatusTooManyRequests || len(out.Errors) != 1 || out.Errors[0].Extensions.Code != graph.CodeRateLimited {
		t.Fatalf("page past the points: %d %+v", status, out)
	}
	if secs, err := strconv.Atoi(header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After %q", header.Get("Retry-After"))
	}
	cost := out.Errors[0].Extensions.Cost
	if cost != feedPageCost {
		t.Errorf("the page cost %d points", cost)
	}
	if !strings.Contains(out.Errors[0].Message, "costs "+strconv.Itoa(cost)+" points") {
		t.Errorf("message %q", out.Errors[0].Message)
	}
	if d := string(out.Data); d != "null" && d != "" {
		t.Errorf("a refused operation answered data %s", out.Data)
	}
	// What is left pays for a small query.
	a.Admin(`{ me { id } }`, nil).Must(nil)

	// A subscription is charged too, on the socket's token.
	s, ok := b.Subscribe(bearer(e.Demo.AdminToken), feedPage, nil)
	if !ok {
		t.Fatalf("not connected: %v", s.Err)
	}
	defer s.Close()
	if typ, payload, _ := s.Next(5 * time.Second); typ == "complete" || !strings.Contains(string(payload), graph.CodeRateLimited) {
		t.Errorf("operation past the points on a socket: %s %s", typ, payload)
	}

	b.GraphQL(other, feedPage, nil).Must(nil)
	a.GraphQL(other, `{ me { id } }`, nil).Must(nil)
}

// feedPageCost is feedPage's complexity: 25 for its statement, 100 times
// each item's 27, and its two counts once.
const feedPageCost = 25 + 100*27 + 2*25

// An operation's complexity, which its token pays, counts a page's items
// times its size and what the page has once (its counts, pageInfo) once,
// fragments included; each alias is its own statement.
func TestOperationCost(t *testing.T) {
	e := apptest.New(t, "sqlite3")
	// A point's burst, spent by the first operation: every later one is
	// refused and says its cost.
	api := limitedAPI(t, e, graph.RateLimit{CostPerMinute: 1, CostBurst: 1})
	api.Admin(`{ me { id } }`, nil).Must(nil)
	for _, tc := range []struct {
		name, query string
		cost        int
	}{
		{"count of a page", `{ alerts(first: 100) { totalCount } }`, 25 + 25},
		{"items of a page", `{ alerts(first: 100) { nodes { id } } }`, 25 + 100*2},
		{"default page size", `{ alerts { nodes { id } } }`, 25 + 50*2},
		{"page in a fragment", `{ alerts(first: 10) { ...P } }
			fragment P on AlertConnection { totalCount nodes { id } pageInfo { hasNextPage } }`, 25 + 10*2 + 25 + 2},
		{"inline fragment", `{ tickets(first: 10) { ... on TicketConnection { totalCount edges { node { id } } } } }`, 25 + 10*3 + 25},
		{"aliased counts", `{ a: alerts(first: 1) { totalCount } b: alerts(first: 1) { totalCount } }`, 2 * (25 + 25)},
		{"list in a page", `{ tickets(first: 10) { nodes { alerts { id } } } }`, 25 + 10*(1+5+10*1)},
		{"single record", `{ me { id } }`, 25 + 1},
		{"feed page", feedPage, feedPageCost},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, out := post(t, api, e.Demo.AdminToken, tc.query)
			if len(out.Errors) != 1 || out.Errors[0].Extensions.Code != graph.CodeRateLimited {
				t.Fatalf("answer %+v", out)
			}
			if got := out.Errors[0].Extensions.Cost; got != tc.cost {
				t.Errorf("cost %d, want %d", got, tc.cost)
			}
		})
	}
}

type costAnswer struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions struct {
			Code       string
			Cost       int
			RetryAfter int
		}
	}
}

func post(t *testing.T, api *apptest.Env, token, query string) (int, http.Header, costAnswer) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	req, _ := http.NewRequest(http.MethodPost, api.HTTP.URL+"/graphql", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out costAnswer
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, out
}
