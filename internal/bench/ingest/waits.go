package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// waitProfile counts, over periodic samples of pg_stat_activity, what the
// client backends of one database were doing: running, waiting on a lock,
// flushing WAL, or idle in a transaction waiting for the client's next
// statement.
type waitProfile struct {
	Samples int            // pg_stat_activity snapshots taken
	Counts  map[string]int // backend observations by state
	Total   int            // backend observations
}

// sampleWaits samples until ctx ends. Its own connection is excluded.
func sampleWaits(ctx context.Context, conn *pgx.Conn, db string, every time.Duration) (waitProfile, error) {
	p := waitProfile{Counts: map[string]int{}}
	tick := time.NewTicker(every)
	defer tick.Stop()
	const q = `SELECT coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, '')
		FROM pg_stat_activity
		WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'`
	for {
		select {
		case <-ctx.Done():
			return p, nil
		case <-tick.C:
		}
		rows, err := conn.Query(ctx, q, db)
		if err != nil {
			if ctx.Err() != nil {
				return p, nil
			}
			return p, fmt.Errorf("sample pg_stat_activity: %w", err)
		}
		for rows.Next() {
			var state, typ, ev string
			if err := rows.Scan(&state, &typ, &ev); err != nil {
				rows.Close()
				return p, fmt.Errorf("sample pg_stat_activity: %w", err)
			}
			p.Counts[waitCategory(state, typ, ev)]++
			p.Total++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			if ctx.Err() != nil || errors.Is(err, context.Canceled) {
				return p, nil
			}
			return p, fmt.Errorf("sample pg_stat_activity: %w", err)
		}
		p.Samples++
	}
}

// waitCategory names what a backend was doing.
func waitCategory(state, typ, ev string) string {
	switch state {
	case "idle":
		return "idle (between transactions)"
	case "idle in transaction":
		return "idle in transaction (waiting for the client)"
	case "":
		return "starting or ending"
	case "active":
		switch {
		case typ == "":
			return "active, on CPU"
		case typ == "Lock" && ev == "advisory":
			return "active, waiting for an advisory lock"
		default:
			return "active, waiting on " + typ + ":" + ev
		}
	}
	return state + " " + typ + ":" + ev
}

// waitShare is one category and its share of observations.
type waitShare struct {
	Category string
	Share    float64 // 0..1
	// PerSample is the average number of backends in this category.
	PerSample float64
}

// top returns the categories by share, largest first.
func (p waitProfile) top() []waitShare {
	var out []waitShare
	for k, n := range p.Counts {
		ws := waitShare{Category: k}
		if p.Total > 0 {
			ws.Share = float64(n) / float64(p.Total)
		}
		if p.Samples > 0 {
			ws.PerSample = float64(n) / float64(p.Samples)
		}
		out = append(out, ws)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share > out[j].Share
		}
		return out[i].Category < out[j].Category
	})
	return out
}

// startSampler samples pg_stat_activity of db on its own connection until
// stop is called; result then returns the profile. With -sample 0 it does
// nothing and result returns nil.
func startSampler(ctx context.Context, o options, db string) (stop func(), result func() (*waitProfile, error), err error) {
	if o.Sample <= 0 {
		return func() {}, func() (*waitProfile, error) { return nil, nil }, nil
	}
	conn, err := pgx.Connect(ctx, o.AdminURL)
	if err != nil {
		return nil, nil, fmt.Errorf("sampler: connect: %w", err)
	}
	sctx, cancel := context.WithCancel(ctx)
	var (
		wg   sync.WaitGroup
		prof waitProfile
		perr error
	)
	wg.Go(func() { prof, perr = sampleWaits(sctx, conn, db, o.Sample) })
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			wg.Wait()
			cctx, ccancel := context.WithTimeout(context.Background(), cleanupTimeout)
			defer ccancel()
			_ = conn.Close(cctx)
		})
	}
	result = func() (*waitProfile, error) {
		stop()
		return &prof, perr
	}
	return stop, result, nil
}
