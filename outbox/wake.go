package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alertdesk/alertdesk/internal/pause"
)

// Channel is the PostgreSQL notification channel on which a replica says
// that it committed outbox entries.
const Channel = "alertdesk_outbox"

// DefaultGap is the least time between two NOTIFYs of one Announcer.
const DefaultGap = 5 * time.Millisecond

// reconnect bounds the wait before a lost notification connection is
// dialled again: it starts at the first value and doubles up to the second.
var reconnect = [2]time.Duration{50 * time.Millisecond, 5 * time.Second}

// Announcer tells the relays of every replica that entries were committed,
// with a NOTIFY on a connection of its own after the commit, so the
// committing transaction neither waits for it nor takes PostgreSQL's
// notification lock. Commits close together share one NOTIFY: at most one
// goes out per Gap.
type Announcer struct {
	url string
	gap time.Duration
	log *slog.Logger

	kick chan struct{}
	pid  atomic.Uint32 // backend of the current connection, 0 if none
}

// NewAnnouncer announces on the database at url; gap <= 0 takes DefaultGap.
func NewAnnouncer(url string, gap time.Duration, log *slog.Logger) *Announcer {
	if gap <= 0 {
		gap = DefaultGap
	}
	if log == nil {
		log = slog.Default()
	}
	return &Announcer{url: url, gap: gap, log: log, kick: make(chan struct{}, 1)}
}

// Committed asks for a NOTIFY soon; it never blocks.
func (a *Announcer) Committed() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// Own reports whether a notification came from this announcer, so the
// same process, already woken in process, can skip it.
func (a *Announcer) Own(pid uint32) bool { return pid != 0 && a.pid.Load() == pid }

// Run sends the NOTIFYs until ctx ends, dialling again after a lost
// connection. A NOTIFY that failed is sent again on the new connection.
func (a *Announcer) Run(ctx context.Context) {
	wait := reconnect[0]
	pending := false
	for ctx.Err() == nil {
		conn, err := pgx.Connect(ctx, a.url)
		if err != nil {
			a.log.Warn("outbox: connect for notifications", "err", err, "retry_in", wait)
			if !pause.For(ctx, wait) {
				return
			}
			wait = min(wait*2, reconnect[1])
			continue
		}
		wait = reconnect[0]
		a.pid.Store(conn.PgConn().PID())
		err = a.announce(ctx, conn, &pending)
		a.pid.Store(0)
		conn.Close(context.WithoutCancel(ctx))
		if ctx.Err() == nil {
			a.log.Warn("outbox: notification connection lost", "err", err)
		}
	}
}

func (a *Announcer) announce(ctx context.Context, conn *pgx.Conn, pending *bool) error {
	for {
		if !*pending {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-a.kick:
			}
			*pending = true
		}
		if _, err := conn.Exec(ctx, "SELECT pg_notify($1, '')", Channel); err != nil {
			return fmt.Errorf("outbox: notify: %w", err)
		}
		*pending = false
		// Commits during the gap are one NOTIFY after it.
		if !pause.For(ctx, a.gap) {
			return ctx.Err()
		}
	}
}

// Listener wakes the local relay when another replica announces entries.
type Listener struct {
	// URL is the database to listen on.
	URL string
	// Wake is called per notification, and after every (re)connection
	// since entries may have been committed while no one listened. It
	// must not block.
	Wake func()
	// Own, if set, reports notifications of this process's Announcer,
	// which are skipped.
	Own func(pid uint32) bool
	Log *slog.Logger
}

// Run listens until ctx ends, dialling again after a lost connection.
func (l *Listener) Run(ctx context.Context) {
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	wait := reconnect[0]
	for ctx.Err() == nil {
		err := l.listen(ctx, &wait)
		if ctx.Err() != nil {
			return
		}
		log.Warn("outbox: listen for notifications", "err", err, "retry_in", wait)
		if !pause.For(ctx, wait) {
			return
		}
		wait = min(wait*2, reconnect[1])
	}
}

func (l *Listener) listen(ctx context.Context, wait *time.Duration) error {
	conn, err := pgx.Connect(ctx, l.URL)
	if err != nil {
		return fmt.Errorf("outbox: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		return fmt.Errorf("outbox: listen: %w", err)
	}
	*wait = reconnect[0]
	l.Wake()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return err
			}
			return fmt.Errorf("outbox: wait for notification: %w", err)
		}
		if l.Own != nil && l.Own(n.PID) {
			continue
		}
		l.Wake()
	}
}
