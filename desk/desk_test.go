package desk_test

import (
	"context"
	"errors"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/alertdesk/alertdesk/desk"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/outboxentry"
	"github.com/alertdesk/alertdesk/ent/ticketstatus"
	"github.com/alertdesk/alertdesk/internal/storetest"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

type fixture struct {
	ctx  context.Context
	s    *store.Store
	d    *desk.Desk
	demo *seed.Result
}

func setup(t *testing.T, s *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	demo, err := seed.Demo(ctx, s, seed.Options{DataDir: t.TempDir(), PublicURL: "http://x", Secrets: storetest.Secrets(t)})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ctx, s, desk.New(s), demo}
}

func (f fixture) tx(t *testing.T, fn func(tx *ent.Tx) error) error {
	t.Helper()
	return f.s.Tx(f.ctx, fn)
}

func (f fixture) ticket(t *testing.T) *ent.Ticket {
	t.Helper()
	var tk *ent.Ticket
	if err := f.tx(t, func(tx *ent.Tx) (err error) {
		tk, err = f.d.Create(f.ctx, tx, desk.NewTicket{TenantID: f.demo.TenantID, Title: "Disk full"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return tk
}

func (f fixture) status(t *testing.T, name string) int {
	return f.s.Ent.TicketStatus.Query().Where(ticketstatus.Name(name)).OnlyX(f.ctx).ID
}

func TestTouched(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		admin := f.demo.AdminUserID
		// Looked up outside the transactions: SQLite has one connection.
		inProgress := f.status(t, "In Progress")
		cases := []struct {
			name  string
			act   func(tx *ent.Tx, id int) error
			touch bool
		}{
			{"nothing", func(*ent.Tx, int) error { return nil }, false},
			{"system comment", func(tx *ent.Tx, id int) error {
				_, err := f.d.Comment(f.ctx, tx, f.demo.TenantID, id, "re-triggered", true, desk.System)
				return err
			}, false},
			{"assignment", func(tx *ent.Tx, id int) error {
				_, err := f.d.Assign(f.ctx, tx, f.demo.TenantID, id, &admin)
				return err
			}, false},
			{"automation status change", func(tx *ent.Tx, id int) error {
				_, err := f.d.ChangeStatus(f.ctx, tx, f.demo.TenantID, id, inProgress, desk.System)
				return err
			}, false},
			{"human comment", func(tx *ent.Tx, id int) error {
				_, err := f.d.Comment(f.ctx, tx, f.demo.TenantID, id, "on it", false, desk.Person(admin))
				return err
			}, true},
			{"time entry", func(tx *ent.Tx, id int) error {
				_, err := f.d.LogTime(f.ctx, tx, f.demo.TenantID, id, admin, 10, "")
				return err
			}, true},
			{"manual status change", func(tx *ent.Tx, id int) error {
				_, err := f.d.ChangeStatus(f.ctx, tx, f.demo.TenantID, id, inProgress, desk.Person(admin))
				return err
			}, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				tk := f.ticket(t)
				if err := f.tx(t, func(tx *ent.Tx) error { return c.act(tx, tk.ID) }); err != nil {
					t.Fatal(err)
				}
				tk, err := desk.Get(f.ctx, s.Ent, f.demo.TenantID, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got := desk.Touched(tk); got != c.touch {
					t.Errorf("Touched = %v; want %v", got, c.touch)
				}
			})
		}
	})
}

func TestCloseAndReopen(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		tk := f.ticket(t)
		if tk.Number < 1 || tk.ClosedAt != nil {
			t.Fatalf("new ticket %+v", tk)
		}
		closeIt := func() (*ent.Ticket, error) {
			var out *ent.Ticket
			err := f.tx(t, func(tx *ent.Tx) (err error) {
				out, err = f.d.Close(f.ctx, tx, f.demo.TenantID, tk.ID, nil, desk.Person(f.demo.AdminUserID))
				return err
			})
			return out, err
		}
		closed, err := closeIt()
		if err != nil || closed.ClosedAt == nil || closed.StatusID != f.status(t, "Closed") {
			t.Fatalf("close: %+v, %v", closed, err)
		}
		if _, err := closeIt(); !errors.Is(err, desk.ErrAlreadyClosed) {
			t.Errorf("second close: %v, want ErrAlreadyClosed", err)
		}
		if n := s.Ent.OutboxEntry.Query().Where(outboxentry.Topic("TICKET_CLOSED")).CountX(f.ctx); n != 1 {
			t.Errorf("ticket-closed entries = %d, want 1", n)
		}
		open := f.status(t, "Open")
		var reopened *ent.Ticket
		if err := f.tx(t, func(tx *ent.Tx) (err error) {
			reopened, err = f.d.ChangeStatus(f.ctx, tx, f.demo.TenantID, tk.ID, open, desk.Person(f.demo.AdminUserID))
			return err
		}); err != nil || reopened.ClosedAt != nil {
			t.Errorf("reopen: %+v, %v", reopened, err)
		}
		n := s.Ent.StatusChange.Query().CountX(f.ctx)
		if n != 2 {
			t.Errorf("status changes = %d, want 2", n)
		}
	})
}

func TestInvalidInputChangesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		f := setup(t, s)
		tk := f.ticket(t)
		bad := []func(tx *ent.Tx) error{
			func(tx *ent.Tx) error {
				_, err := f.d.Comment(f.ctx, tx, f.demo.TenantID, tk.ID, "  ", false, desk.Person(f.demo.AdminUserID))
				return err
			},
			func(tx *ent.Tx) error {
				_, err := f.d.LogTime(f.ctx, tx, f.demo.TenantID, tk.ID, f.demo.AdminUserID, 0, "")
				return err
			},
			func(tx *ent.Tx) error {
				_, err := f.d.Comment(f.ctx, tx, f.demo.TenantID+1, tk.ID, "other tenant", false, desk.System)
				return err
			},
			func(tx *ent.Tx) error {
				other := 999999
				_, err := f.d.Assign(f.ctx, tx, f.demo.TenantID, tk.ID, &other)
				return err
			},
			func(tx *ent.Tx) error {
				_, err := f.d.Create(f.ctx, tx, desk.NewTicket{TenantID: f.demo.TenantID, Title: "x", BoardID: 999999})
				return err
			},
		}
		for i, fn := range bad {
			err := f.tx(t, fn)
			if !errors.Is(err, desk.ErrInvalid) && !errors.Is(err, desk.ErrNotFound) {
				t.Errorf("case %d: err %v, want ErrInvalid or ErrNotFound", i, err)
			}
		}
		if n := s.Ent.Comment.Query().CountX(f.ctx) + s.Ent.TimeEntry.Query().CountX(f.ctx); n != 0 {
			t.Errorf("invalid input wrote %d rows", n)
		}
	})
}

// TestTouchesWaitForTheTicketLock: while a transaction holds a ticket's
// lock (as the reset path does while it decides to close an untouched
// ticket), each kind of touch waits for it, so none can slip in between
// that decision and its commit.
func TestTouchesWaitForTheTicketLock(t *testing.T) {
	s := storetest.Open(t, dialect.Postgres)
	f := setup(t, s)
	admin := f.demo.AdminUserID
	inProgress := f.status(t, "In Progress")
	for _, c := range []struct {
		name  string
		touch func(tx *ent.Tx, id int) error
	}{
		{"human comment", func(tx *ent.Tx, id int) error {
			_, err := f.d.Comment(f.ctx, tx, f.demo.TenantID, id, "on it", false, desk.Person(admin))
			return err
		}},
		{"time entry", func(tx *ent.Tx, id int) error {
			_, err := f.d.LogTime(f.ctx, tx, f.demo.TenantID, id, admin, 10, "")
			return err
		}},
		{"manual status change", func(tx *ent.Tx, id int) error {
			_, err := f.d.ChangeStatus(f.ctx, tx, f.demo.TenantID, id, inProgress, desk.Person(admin))
			return err
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := f.ticket(t)
			release := storetest.Hold(t, s, func(tx *ent.Tx) error {
				_, err := f.d.Lock(f.ctx, tx, f.demo.TenantID, tk.ID)
				return err
			})
			touched := make(chan error, 1)
			go func() { touched <- f.tx(t, func(tx *ent.Tx) error { return c.touch(tx, tk.ID) }) }()
			storetest.WaitForLockWait(t, s, func() bool { return len(touched) > 0 })
			if err := release(); err != nil {
				t.Fatal(err)
			}
			if err := <-touched; err != nil {
				t.Fatal(err)
			}
		})
	}
}
