package desk

import (
	"slices"
	"testing"

	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
)

// TestInsertCoversTheSchema: the hand-written INSERT sets every column of
// tickets and comments but the id (and a ticket's closed_at and touched_at), so a field
// added to the schema fails here until the INSERT sets it too.
func TestInsertCoversTheSchema(t *testing.T) {
	for _, tc := range []struct {
		table   string
		insert  []column
		columns []string
		left    []string
	}{
		{ticket.Table, ticketInsert, ticket.Columns, []string{ticket.FieldID, ticket.FieldClosedAt, ticket.FieldTouchedAt}},
		{comment.Table, commentInsert, comment.Columns, []string{comment.FieldID}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			var set []string
			for _, c := range tc.insert {
				set = append(set, c.name)
			}
			got := slices.Sorted(slices.Values(append(set, tc.left...)))
			want := slices.Sorted(slices.Values(tc.columns))
			if !slices.Equal(got, want) {
				t.Fatalf("INSERT INTO %s sets %v (and leaves %v); the schema has %v", tc.table, set, tc.left, want)
			}
		})
	}
}
