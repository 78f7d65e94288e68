package graph_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/internal/apptest"
	"github.com/alertdesk/alertdesk/internal/proddata"
)

// A text page reads a window of the newest rows, then searches older
// ones by the trigram indexes; paged to the end, it must list exactly
// the matches, in order, whether they are common (all in windows), rare
// (all found by the search) or in between, alone or merged over several
// statuses, and on tickets as on alerts.
func TestTextPagesListEveryMatch(t *testing.T) {
	e := apptest.New(t, dialect.Postgres)
	ctx := context.Background()
	f, err := proddata.Load(ctx, e.Store.DB, proddata.Options{TenantID: e.Demo.TenantID, Size: proddata.Scaled(40_000)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		text     string
		statuses []string
		size     int
	}{
		{text: "spooler", size: 100},
		{text: "WS-00042", size: 7},
		{text: "WS-0004", size: 50},
		{text: "WS-0004", size: 100},
		{text: "ws-0004", statuses: []string{"RESOLVED", "ACTIVE"}, size: 50},
		{text: "no such text", size: 50},
	} {
		t.Run(c.text+"/"+strings.Join(c.statuses, "+"), func(t *testing.T) {
			lower := make([]string, len(c.statuses))
			for i, s := range c.statuses {
				lower[i] = strings.ToLower(s)
			}
			q := `SELECT id FROM alerts WHERE tenant_id = $1
				AND (message ILIKE '%' || $2 || '%' OR device_name ILIKE '%' || $2 || '%')`
			args := []any{f.TenantID, c.text}
			if len(lower) > 0 {
				q += ` AND status = ANY($3)`
				args = append(args, lower)
			}
			want := ids(t, e, q+` ORDER BY last_event_at DESC, id DESC`, args...)
			filter := map[string]any{"text": c.text}
			if len(c.statuses) > 0 {
				filter["status"] = c.statuses
			}
			nodes := pageAll(t, e, filter, c.size, nil)
			got := make([]string, len(nodes))
			for i, n := range nodes {
				got[i] = n.ID
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged %d alerts, want %d: first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
	for _, text := range []string{"spooler", "WS-00042", "#42"} {
		t.Run("tickets/"+text, func(t *testing.T) {
			want := ids(t, e, `SELECT id FROM tickets WHERE tenant_id = $1
				AND (title ILIKE '%' || $2 || '%' OR number = $3) ORDER BY id DESC`,
				f.TenantID, text, numberOf(text))
			var got []string
			var after any
			for {
				var p struct {
					Tickets struct {
						Nodes    []struct{ ID string }
						PageInfo struct {
							HasNextPage bool
							EndCursor   *string
						}
					}
				}
				e.Admin(`query($f: TicketFilter, $after: String) { tickets(filter: $f, first: 100, after: $after) {
					nodes { id } pageInfo { hasNextPage endCursor } } }`,
					apptest.Vars("f", map[string]any{"text": text}, "after", after)).Must(&p)
				for _, n := range p.Tickets.Nodes {
					got = append(got, n.ID)
				}
				if !p.Tickets.PageInfo.HasNextPage {
					break
				}
				after = *p.Tickets.PageInfo.EndCursor
			}
			if !slices.Equal(got, want) {
				t.Errorf("paged %d tickets, want %d: first difference at %d", len(got), len(want), firstDiff(got, want))
			}
		})
	}
}

func ids(t *testing.T, e *apptest.Env, query string, args ...any) []string {
	t.Helper()
	rows, err := e.Store.DB.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// numberOf is the ticket number a "#n" text also matches (-1: none).
func numberOf(text string) int {
	n := 0
	if !strings.HasPrefix(text, "#") {
		return -1
	}
	for _, r := range text[1:] {
		n = n*10 + int(r-'0')
	}
	return n
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
