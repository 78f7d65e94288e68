package pipeline

import (
	"context"

	"github.com/alertdesk/alertdesk/ent"
)

// OnCommit makes f run after every transaction of the pipeline that wrote
// outbox entries has committed, so the outbox relay can be woken at once
// instead of at its next poll. f must not block. Set it before serving.
func (p *Pipeline) OnCommit(f func()) { p.onCommit.Store(&f) }

// signalCommit arranges for the OnCommit callback to run once tx commits.
func (p *Pipeline) signalCommit(tx *ent.Tx) {
	f := p.onCommit.Load()
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
