// Package desk is alertdesk's small ticket desk: tickets, comments, time
// entries, status changes and closing, all inside a caller's transaction so
// the pipeline and the API share one set of rules.
package desk

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/alertdesk/alertdesk/ent"
)

// Locker is what the desk needs from the store: row-independent locks and
// per-tenant ticket numbers.
type Locker interface {
	LockKeys(ctx context.Context, tx *ent.Tx, keys ...string) error
	NextTicketNumber(ctx context.Context, tx *ent.Tx, tenantID int) (int, error)
}

// Desk performs ticket operations. Every method takes the caller's
// transaction and the tenant, and never reads or writes another tenant's rows.
type Desk struct {
	locks    Locker
	onCommit atomic.Pointer[func()] // see OnCommit
}

// New returns a Desk using the store's locks and ticket numbers.
func New(l Locker) *Desk { return &Desk{locks: l} }

// ActorKind says who did something to a ticket.
type ActorKind string

const (
	// Human is a person working the ticket (touches it).
	Human ActorKind = "human"
	// Automation is alertdesk itself: rules, the pipeline, the poller.
	Automation ActorKind = "automation"
)

// Actor is who performs an operation.
type Actor struct {
	Kind   ActorKind
	UserID *int
}

// System is the automation actor.
var System = Actor{Kind: Automation}

// Person is a human actor.
func Person(userID int) Actor { return Actor{Kind: Human, UserID: &userID} }

// Errors callers can test for.
var (
	ErrNotFound      = errors.New("desk: not found")
	ErrAlreadyClosed = errors.New("desk: ticket already closed")
	ErrNoBoard       = errors.New("desk: no default board")
	ErrNoStatus      = errors.New("desk: board has no suitable status")
	ErrInvalid       = errors.New("desk: invalid input")
	// ErrRetired is a retired board, status or priority chosen anew.
	ErrRetired = fmt.Errorf("%w: retired", ErrInvalid)
)

// notFound maps ent's not-found to ErrNotFound with context.
func notFound(what string, id int, err error) error {
	if ent.IsNotFound(err) {
		return fmt.Errorf("%w: %s %d", ErrNotFound, what, id)
	}
	return fmt.Errorf("desk: load %s %d: %w", what, id, err)
}
