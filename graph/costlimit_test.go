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
	// One point a minute after a burst of 10,000: the test cannot outrun
	// the refill.
	limit := graph.RateLimit{CostPerMinute: 1, CostBurst: 10_000}
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
	if cost < 5000 || cost > 10_000 {
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
