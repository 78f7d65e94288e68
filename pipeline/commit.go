package pipeline

import "github.com/alertdesk/alertdesk/desk"

// OnCommit makes f run after every transaction of the pipeline, or of its
// desk, that wrote outbox entries has committed, so the outbox relay can be
// woken at once instead of at its next poll. f must not block. Set it
// before serving.
func (p *Pipeline) OnCommit(f func()) { p.desk.OnCommit(f) }

// Desk is the desk the pipeline works tickets with; the API shares it, so
// its commits wake the relay too.
func (p *Pipeline) Desk() *desk.Desk { return p.desk }
