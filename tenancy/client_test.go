package tenancy_test

import (
	"context"
	"errors"
	"testing"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/comment"
	"github.com/alertdesk/alertdesk/ent/ticket"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/store"
	"github.com/alertdesk/alertdesk/tenancy"
)

// world is one tenant's rows, made through the unscoped client.
type world struct {
	tenant, user, board, status, ticket, comment int
}

func makeWorld(t *testing.T, c *ent.Client, slug string) world {
	t.Helper()
	ctx := context.Background()
	tn := c.Tenant.Create().SetName(slug).SetSlug(slug).SaveX(ctx)
	u := c.User.Create().SetTenantID(tn.ID).SetEmail("a@" + slug).SaveX(ctx)
	b := c.Board.Create().SetTenantID(tn.ID).SetName("Desk").SetIsDefault(true).SaveX(ctx)
	st := c.TicketStatus.Create().SetTenantID(tn.ID).SetBoardID(b.ID).SetName("Open").SaveX(ctx)
	tk := c.Ticket.Create().SetTenantID(tn.ID).SetNumber(1).SetTitle("t").SetBoardID(b.ID).SetStatusID(st.ID).SaveX(ctx)
	cm := c.Comment.Create().SetTenantID(tn.ID).SetTicketID(tk.ID).SetBody("hi").SetAuthorKind(comment.AuthorKindHuman).SaveX(ctx)
	return world{tn.ID, u.ID, b.ID, st.ID, tk.ID, cm.ID}
}

func setup(t *testing.T, s *store.Store) (scoped *ent.Client, a, b world, ctxA context.Context) {
	t.Helper()
	a = makeWorld(t, s.Ent, "a")
	b = makeWorld(t, s.Ent, "b")
	ctxA = tenancy.WithViewer(context.Background(), tenancy.Viewer{TenantID: a.tenant, UserID: a.user, Role: tenancy.RoleAdmin})
	return tenancy.Client(s), a, b, ctxA
}

func TestNoViewerFailsClosed(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c, a, _, _ := setup(t, s)
		ctx := context.Background()
		if _, err := c.Ticket.Query().All(ctx); !errors.Is(err, tenancy.ErrNoViewer) {
			t.Errorf("query without viewer: %v, want ErrNoViewer", err)
		}
		if _, err := c.Ticket.Query().Count(ctx); !errors.Is(err, tenancy.ErrNoViewer) {
			t.Errorf("count without viewer: %v, want ErrNoViewer", err)
		}
		if err := c.Ticket.UpdateOneID(a.ticket).SetTitle("x").Exec(ctx); !errors.Is(err, tenancy.ErrNoViewer) {
			t.Errorf("update without viewer: %v, want ErrNoViewer", err)
		}
		if err := c.User.Create().SetTenantID(a.tenant).SetEmail("x@a").Exec(ctx); !errors.Is(err, tenancy.ErrNoViewer) {
			t.Errorf("create without viewer: %v, want ErrNoViewer", err)
		}
		if _, err := c.Tx(ctx); err != nil {
			t.Fatal(err) // starting a transaction runs no query
		}
	})
}

func TestScopedReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c, a, b, ctx := setup(t, s)
		ids := c.Ticket.Query().IDsX(ctx)
		if len(ids) != 1 || ids[0] != a.ticket {
			t.Errorf("tickets = %v, want only %d", ids, a.ticket)
		}
		if n := c.Comment.Query().CountX(ctx); n != 1 {
			t.Errorf("comment count = %d, want 1", n)
		}
		if tn := c.Tenant.Query().AllX(ctx); len(tn) != 1 || tn[0].ID != a.tenant {
			t.Errorf("tenants = %v", tn)
		}
		if _, err := c.Ticket.Get(ctx, b.ticket); !ent.IsNotFound(err) {
			t.Errorf("get other tenant's ticket: %v, want not found", err)
		}
		if ok := c.User.Query().Where(user.ID(b.user)).ExistX(ctx); ok {
			t.Error("other tenant's user exists through the scoped client")
		}
	})
}

func TestScopedEdges(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c, a, b, ctx := setup(t, s)
		// A row of B pointing at A's ticket (only the unscoped client can
		// make it) must stay invisible from A's side of the edge.
		s.Ent.Comment.Create().SetTenantID(b.tenant).SetTicketID(a.ticket).SetBody("leak").
			SetAuthorKind(comment.AuthorKindHuman).ExecX(context.Background())
		tk := c.Ticket.Query().Where(ticket.ID(a.ticket)).WithComments().OnlyX(ctx)
		if len(tk.Edges.Comments) != 1 || tk.Edges.Comments[0].ID != a.comment {
			t.Errorf("eager comments = %v", tk.Edges.Comments)
		}
		if n := c.Ticket.QueryComments(tk).CountX(ctx); n != 1 {
			t.Errorf("traversed comments = %d, want 1", n)
		}
		// And an A row pointing at B's ticket does not reveal it.
		cm := s.Ent.Comment.Create().SetTenantID(a.tenant).SetTicketID(b.ticket).SetBody("x").
			SetAuthorKind(comment.AuthorKindHuman).SaveX(context.Background())
		got := c.Comment.Query().Where(comment.ID(cm.ID)).WithTicket().OnlyX(ctx)
		if got.Edges.Ticket != nil {
			t.Errorf("eager-loaded another tenant's ticket %d", got.Edges.Ticket.ID)
		}
		if _, err := c.Comment.QueryTicket(got).Only(ctx); !ent.IsNotFound(err) {
			t.Errorf("traversed to another tenant's ticket: %v", err)
		}
	})
}

func TestScopedWrites(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c, a, b, ctx := setup(t, s)
		if err := c.Ticket.UpdateOneID(b.ticket).SetTitle("pwned").Exec(ctx); !ent.IsNotFound(err) {
			t.Errorf("update other tenant's ticket: %v, want not found", err)
		}
		if n := c.Ticket.Update().SetTitle("bulk").SaveX(ctx); n != 1 {
			t.Errorf("bulk update touched %d rows, want 1", n)
		}
		if err := c.Comment.DeleteOneID(b.comment).Exec(ctx); !ent.IsNotFound(err) {
			t.Errorf("delete other tenant's comment: %v, want not found", err)
		}
		if n := c.Comment.Delete().Where(comment.ID(b.comment)).ExecX(ctx); n != 0 {
			t.Errorf("bulk delete removed %d of another tenant's rows", n)
		}
		if tk := s.Ent.Ticket.GetX(context.Background(), b.ticket); tk.Title != "t" {
			t.Errorf("other tenant's ticket changed: %q", tk.Title)
		}
		u, err := c.User.Create().SetEmail("new@a").Save(ctx)
		if err != nil || u.TenantID != a.tenant {
			t.Fatalf("create without tenant: %v, %v", u, err)
		}
		if err := c.User.Create().SetTenantID(b.tenant).SetEmail("x@b").Exec(ctx); !errors.Is(err, tenancy.ErrCrossTenant) {
			t.Errorf("create in another tenant: %v, want ErrCrossTenant", err)
		}
		if err := c.Tenant.Create().SetName("z").SetSlug("z").Exec(ctx); !errors.Is(err, tenancy.ErrCrossTenant) {
			t.Errorf("create tenant: %v, want ErrCrossTenant", err)
		}
		if err := c.Tenant.UpdateOneID(b.tenant).SetName("pwned").Exec(ctx); !ent.IsNotFound(err) {
			t.Errorf("rename other tenant: %v, want not found", err)
		}
		if err := c.Tenant.UpdateOneID(a.tenant).SetName("renamed").Exec(ctx); err != nil {
			t.Errorf("rename own tenant: %v", err)
		}
	})
}

// The API runs desk operations in transactions of the scoped client; they
// must keep its filter.
func TestTransactionKeepsScope(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		c, a, b, ctx := setup(t, s)
		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if ids := tx.Ticket.Query().IDsX(ctx); len(ids) != 1 || ids[0] != a.ticket {
			t.Errorf("tx tickets = %v", ids)
		}
		if _, err := tx.Client().Ticket.Get(ctx, b.ticket); !ent.IsNotFound(err) {
			t.Errorf("tx.Client() reads other tenant: %v", err)
		}
		if err := tx.Ticket.UpdateOneID(b.ticket).SetTitle("x").Exec(ctx); !ent.IsNotFound(err) {
			t.Errorf("tx update other tenant: %v", err)
		}
		if _, err := tx.Ticket.Query().All(context.Background()); !errors.Is(err, tenancy.ErrNoViewer) {
			t.Errorf("tx query without viewer: %v", err)
		}
	})
}
