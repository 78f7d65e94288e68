package desk_test

import (
	"slices"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
)

// entOnly hides the store's ticket sequence, so Create takes the ent path
// (a number from NextTicketNumber, then the ticket, then the comment).
type entOnly struct{ desk.Locker }

// TestCreateWritesTheSameRows: on PostgreSQL Create writes a ticket and its
// initial comment in one hand-written statement; the rows must be what the
// ent path writes, field for field, and the ticket returned must be the
// row stored.
func TestCreateWritesTheSameRows(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		tn := f.demo.TenantID
		in := desk.NewTicket{
			TenantID: tn, Title: "  Disk full on SRV-01  ", Description: "C: has 1% free",
			PriorityID: ptr(s.Ent.Priority.Query().FirstIDX(f.ctx)),
			AssigneeID: &f.demo.AdminUserID,
			ClientID:   ptr(s.Ent.Customer.Query().FirstIDX(f.ctx)),
			// The last asset: its id differs from the client's.
			AssetID: ptr(s.Ent.Asset.Query().Order(ent.Desc(asset.FieldID)).FirstIDX(f.ctx)),
			Source:  "ninjaone", SourceReference: "series-1",
			InitialComment: "Ticket opened by rule \"All\".\n\nSeverity: major",
		}
		create := func(d *desk.Desk, in desk.NewTicket) *ent.Ticket {
			var tk *ent.Ticket
			if err := f.tx(t, func(tx *ent.Tx) (err error) {
				tk, err = d.Create(f.ctx, tx, in)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return tk
		}
		if *in.AssetID == *in.ClientID {
			t.Fatal("asset and client ids are equal: a swap would go unnoticed")
		}
		// The key is unique per tenant: one for each path, compared below.
		entKey, storeKey := "step-1/ent", "step-1/store"
		in.IdempotencyKey = &entKey
		viaEnt := create(desk.New(entOnly{s}), in)
		in.IdempotencyKey = &storeKey
		viaStore := create(f.d, in)
		if viaStore.Number != viaEnt.Number+1 {
			t.Errorf("numbers %d then %d, want consecutive", viaEnt.Number, viaStore.Number)
		}

		stored := func(id int) (*ent.Ticket, []*ent.Comment) {
			tk := s.Ent.Ticket.GetX(f.ctx, id)
			cs := s.Ent.Comment.Query().Where(comment.TicketID(id)).AllX(f.ctx)
			return tk, cs
		}
		entRow, entComments := stored(viaEnt.ID)
		row, comments := stored(viaStore.ID)
		if got, want := ticketFields(row), ticketFields(entRow); !slices.Equal(got, want) {
			t.Errorf("ticket row\n got %v\nwant %v (ent)", got, want)
		}
		if got, want := ticketFields(viaStore), ticketFields(row); !slices.Equal(got, want) {
			t.Errorf("ticket returned %v, stored %v", got, want)
		}
		if viaStore.ID != row.ID || viaStore.Number != row.Number ||
			viaStore.CreatedAt.Sub(row.CreatedAt).Abs() > time.Millisecond ||
			viaStore.UpdatedAt.Sub(row.UpdatedAt).Abs() > time.Millisecond {
			t.Errorf("returned id/number/times %d %d %v %v, stored %d %d %v %v", viaStore.ID, viaStore.Number,
				viaStore.CreatedAt, viaStore.UpdatedAt, row.ID, row.Number, row.CreatedAt, row.UpdatedAt)
		}
		for _, k := range []struct {
			what string
			got  *string
			want string
		}{{"ent path", entRow.IdempotencyKey, entKey}, {"stored", row.IdempotencyKey, storeKey}, {"returned", viaStore.IdempotencyKey, storeKey}} {
			if k.got == nil || *k.got != k.want {
				t.Errorf("%s idempotency key %v, want %q", k.what, k.got, k.want)
			}
		}
		if len(comments) != 1 || len(entComments) != 1 {
			t.Fatalf("%d comments, ent path %d; want 1 each", len(comments), len(entComments))
		}
		c, ec := comments[0], entComments[0]
		if c.TenantID != ec.TenantID || c.Body != ec.Body || c.Internal != ec.Internal ||
			c.AuthorKind != ec.AuthorKind || (c.AuthorID == nil) != (ec.AuthorID == nil) ||
			c.CreatedAt.Sub(row.CreatedAt).Abs() > time.Second {
			t.Errorf("comment %+v, ent path %+v", c, ec)
		}

		// No initial comment: no comment row.
		in.InitialComment, in.IdempotencyKey = "  ", nil
		bare := create(f.d, in)
		if _, cs := stored(bare.ID); len(cs) != 0 {
			t.Errorf("%d comments on a ticket made without one", len(cs))
		}
	})
}

// ticketFields is a ticket's columns but id, number and the times.
func ticketFields(t *ent.Ticket) []any {
	deref := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	return []any{t.TenantID, t.Title, t.Description, deref(t.ClientID), deref(t.AssetID), t.BoardID, t.StatusID,
		deref(t.PriorityID), deref(t.AssigneeID), t.Source, t.SourceReference, t.ClosedAt == nil, t.TouchedAt == nil}
}

// TestTicketFieldsCoverTheSchema keeps ticketFields honest: a field added
// to tickets must be compared above (the idempotency key on its own) (and written by the hand-written
// INSERT, which its own test checks).
func TestTicketFieldsCoverTheSchema(t *testing.T) {
	compared := []string{ticket.FieldID, ticket.FieldNumber, ticket.FieldCreatedAt, ticket.FieldUpdatedAt,
		ticket.FieldTenantID, ticket.FieldTitle, ticket.FieldDescription, ticket.FieldClientID, ticket.FieldAssetID,
		ticket.FieldBoardID, ticket.FieldStatusID, ticket.FieldPriorityID, ticket.FieldAssigneeID,
		ticket.FieldSource, ticket.FieldSourceReference, ticket.FieldClosedAt, ticket.FieldTouchedAt,
		ticket.FieldIdempotencyKey}
	slices.Sort(compared)
	cols := slices.Sorted(slices.Values(ticket.Columns))
	if !slices.Equal(compared, cols) {
		t.Fatalf("tickets has columns %v; TestCreateWritesTheSameRows compares %v", cols, compared)
	}
}

func ptr(i int) *int { return &i }
