package desk

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
)

// OnCommit makes f run after every transaction that wrote outbox entries
// through the desk, or that a caller marked with Signal, has committed, so
// the outbox relay can be woken at once instead of at its next poll. f
// must not block. Set it before serving.
func (d *Desk) OnCommit(f func()) { d.onCommit.Store(&f) }

// Signal arranges for the OnCommit callback to run once tx commits; a
// caller that writes outbox entries itself calls it.
func (d *Desk) Signal(tx *ent.Tx) {
	f := d.onCommit.Load()
	if f == nil {
		return
	}
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(ctx context.Context, tx *ent.Tx) error {
			err := next.Commit(ctx, tx)
			if err == nil {
				(*f)()
			}
			return err
		})
	})
}
