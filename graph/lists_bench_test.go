package graph_test

import (
	"encoding/json"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
)

// BenchmarkLists measures every list the API serves, its first page and
// its fifth (after four pages of cursors), on the production-size dataset
// (ALERTDESK_BENCH_ALERTS alerts, a million by default), with totalCount
// as the UI asks for it. ms/median is the median of the iterations:
//
//	go test ./graph/ -run '^$' -bench BenchmarkLists -benchtime 5x -timeout 30m
func BenchmarkLists(b *testing.B) {
	e, f := loadProdData(b, 1_000_000)
	for _, l := range benchLists(f) {
		pages := []struct {
			name  string
			after any
		}{{"first", nil}}
		if l.pageOf != nil {
			cursor, ok := l.skip(b, e, 4)
			if !ok {
				b.Logf("%s: not served: skipped", l.name)
				continue
			}
			if cursor != nil {
				pages = append(pages, struct {
					name  string
					after any
				}{"page5", cursor})
			}
		}
		for _, page := range pages {
			b.Run(l.name+"/"+page.name, func(b *testing.B) {
				vars := l.vars(page.after)
				var times []time.Duration
				for b.Loop() {
					start := time.Now()
					e.Admin(l.query, vars).Must(nil)
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms/median")
			})
		}
	}
}

// benchList is one list query; {after} pages it.
type benchList struct {
	name  string
	query string
	args  map[string]any
	// pageOf returns the cursor the next page starts after (nil: none);
	// a list without pages has no pageOf.
	pageOf func(data json.RawMessage) any
}

func (l benchList) vars(after any) map[string]any {
	v := map[string]any{}
	for k, a := range l.args {
		v[k] = a
	}
	if after != nil {
		v["after"] = after
	}
	return v
}

// skip pages through n pages and returns the cursor after them, nil when
// the list has fewer pages; false when the API does not serve it.
func (l benchList) skip(b *testing.B, e *apptest.Env, n int) (any, bool) {
	var after any
	for range n {
		r := e.Admin(l.query, l.vars(after))
		if len(r.Errors) > 0 {
			return nil, false
		}
		if after = l.pageOf(r.Data); after == nil {
			return nil, true
		}
	}
	return after, true
}

func benchLists(f *proddata.Facts) []benchList {
	const alertRow = `id status severity message deviceName lastEventAt client { name } ticket { number }`
	alerts := func(name string, filter map[string]any) benchList {
		return benchList{name: "alerts/" + name, args: map[string]any{"f": filter},
			query: `query($f: AlertFilter, $after: String) { alerts(filter: $f, first: 50, after: $after) {
				totalCount nodes { ` + alertRow + ` } pageInfo { endCursor } } }`,
			pageOf: connectionCursor("alerts")}
	}
	const ticketRow = `id number title status { name } assignee { name } client { name } createdAt`
	tickets := func(name string, filter map[string]any) benchList {
		return benchList{name: "tickets/" + name, args: map[string]any{"f": filter},
			query: `query($f: TicketFilter, $after: String) { tickets(filter: $f, first: 50, after: $after) {
				totalCount nodes { ` + ticketRow + ` } pageInfo { endCursor } } }`,
			pageOf: connectionCursor("tickets")}
	}
	id := func(n int) string { return strconv.Itoa(n) }
	return []benchList{
		alerts("all", nil),
		alerts("active", map[string]any{"status": []string{"ACTIVE"}}),
		alerts("active+acknowledged", map[string]any{"status": []string{"ACTIVE", "ACKNOWLEDGED"}}),
		alerts("resolved", map[string]any{"status": []string{"RESOLVED"}}),
		alerts("suppressed", map[string]any{"status": []string{"SUPPRESSED"}}),
		alerts("client", map[string]any{"clientId": id(f.ClientID)}),
		alerts("integration", map[string]any{"integrationId": id(f.Integrations[len(f.Integrations)-1])}),
		alerts("critical", map[string]any{"severity": []string{"CRITICAL"}}),
		alerts("critical+major", map[string]any{"severity": []string{"CRITICAL", "MAJOR"}}),
		alerts("asset", map[string]any{"assetId": id(f.AssetID)}),
		alerts("unmapped", map[string]any{"organizationUnmapped": true}),
		alerts("ticket", map[string]any{"ticketId": id(f.StormTicketID)}),
		alerts("text", map[string]any{"text": "spooler"}),
		alerts("text-rare", map[string]any{"text": "WS-00042"}),
		tickets("all", nil),
		tickets("open", map[string]any{"open": true}),
		tickets("closed", map[string]any{"open": false}),
		tickets("board-open", map[string]any{"boardId": id(f.BoardID), "open": true}),
		tickets("status", map[string]any{"statusId": id(f.WorkingStatusID)}),
		tickets("assignee", map[string]any{"assigneeId": id(f.TechnicianUserID)}),
		tickets("client", map[string]any{"clientId": id(f.ClientID)}),
		tickets("text", map[string]any{"text": "spooler"}),
		{name: "notifications/all", args: map[string]any{},
			query: `query($after: String) { notifications(first: 50, after: $after) {
				totalCount nodes { id title readAt createdAt } pageInfo { endCursor } } }`,
			pageOf: connectionCursor("notifications")},
		{name: "notifications/unread", args: map[string]any{},
			query: `query($after: String) { notifications(unreadOnly: true, first: 50, after: $after) {
				totalCount nodes { id title readAt createdAt } pageInfo { endCursor } } }`,
			pageOf: connectionCursor("notifications")},
		{name: "eventDeliveries/all", args: map[string]any{"s": id(f.SubscriptionID)},
			query: `query($s: ID!, $after: ID) { eventDeliveries(subscriptionId: $s, first: 50, before: $after) {
				id attempt success statusCode createdAt } }`,
			pageOf: lastID("eventDeliveries")},
		{name: "eventDeliveries/failed", args: map[string]any{"s": id(f.SubscriptionID)},
			query: `query($s: ID!, $after: ID) { eventDeliveries(subscriptionId: $s, first: 50, before: $after, failedOnly: true) {
				id attempt success statusCode createdAt } }`,
			pageOf: lastID("eventDeliveries")},
		{name: "unmappedOrganizations", args: map[string]any{},
			query: `{ unmappedOrganizations { externalOrganizationId alertCount pendingAlertCount lastSeenAt } }`},
	}
}

func connectionCursor(field string) func(json.RawMessage) any {
	return func(data json.RawMessage) any {
		var d map[string]struct {
			PageInfo struct{ EndCursor *string }
		}
		if json.Unmarshal(data, &d) != nil || d[field].PageInfo.EndCursor == nil {
			return nil
		}
		return *d[field].PageInfo.EndCursor
	}
}

func lastID(field string) func(json.RawMessage) any {
	return func(data json.RawMessage) any {
		var d map[string][]struct{ ID string }
		if json.Unmarshal(data, &d) != nil || len(d[field]) == 0 {
			return nil
		}
		return d[field][len(d[field])-1].ID
	}
}
