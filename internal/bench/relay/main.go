// Command relay measures the outbox relay end to end on PostgreSQL: how
// long a webhook's alert takes to reach live-feed (GraphQL alertEvents)
// subscribers, and how fast the default role (API and workers in one
// process) ingests webhooks next to the API role.
//
//	go run ./internal/bench/relay -bin new=/tmp/alertdesk-new -bin base=/tmp/alertdesk-base
//
// Every phase runs each binary in turn, round after round, so that all see
// the same background load; each run gets a scratch database, a fresh
// server and the demo tenant. Feed phase: S WebSocket subscribers, H
// outbound webhook subscriptions (to a local sink) and E webhooks posted
// one by one, I apart; the latency of a delivery is from the webhook's
// 200 (its transaction committed) to a subscriber reading the event.
// Ingest phase: per role, W warm-up and N measured webhooks (distinct
// alerts, each with a ticket) at concurrency C. Everything talks to
// 127.0.0.1 only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type binary struct{ name, path string }

type options struct {
	bins        []binary
	subscribers int
	events      int
	hooks       int
	interval    time.Duration
	rounds      int
	ingestN     int
	warmup      int
	c           int
	roles       []string
	adminURL    string
	redisURL    string
	skipFeed    bool
	skipIngest  bool
	query       string
}

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	var o options
	fs := flag.NewFlagSet("relay", flag.ContinueOnError)
	fs.Func("bin", "name=path of an alertdesk binary to measure (repeat; runs alternate in this order)", func(s string) error {
		name, path, ok := strings.Cut(s, "=")
		if !ok || name == "" || path == "" {
			return errors.New("want name=path")
		}
		o.bins = append(o.bins, binary{name, path})
		return nil
	})
	fs.IntVar(&o.subscribers, "subscribers", 1000, "alertEvents subscribers")
	fs.IntVar(&o.events, "events", 20, "webhooks posted in the feed phase")
	fs.IntVar(&o.hooks, "hooks", 20, "outbound webhook subscriptions (RMM_ALERT_TRIGGERED) to a local sink")
	fs.DurationVar(&o.interval, "interval", 200*time.Millisecond, "pause between the feed phase's webhooks")
	fs.IntVar(&o.rounds, "rounds", 2, "rounds of each phase")
	fs.IntVar(&o.ingestN, "n", 4000, "measured webhooks per ingest run")
	fs.IntVar(&o.warmup, "warmup", 200, "warm-up webhooks per ingest run")
	fs.IntVar(&o.c, "c", 16, "ingest concurrency")
	roles := fs.String("roles", "api,all", "roles of the ingest phase, alternated")
	fs.StringVar(&o.adminURL, "admin-url", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL URL to create scratch databases with")
	fs.StringVar(&o.redisURL, "redis-url", "redis://127.0.0.1:6379/13",
		"REDIS_URL for the servers: a database of its own, emptied before every run (task ids and fan-out markers name entry ids, which every scratch database starts again)")
	fs.StringVar(&o.query, "query", "id", "what the feed subscribers select: id (the alert's id) or row (the feed page's row)")
	fs.BoolVar(&o.skipFeed, "skip-feed", false, "skip the feed phase")
	fs.BoolVar(&o.skipIngest, "skip-ingest", false, "skip the ingest phase")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	o.roles = strings.Split(*roles, ",")
	if alertEventsQueries[o.query] == "" {
		fmt.Fprintln(os.Stderr, "relay: -query is id or row")
		os.Exit(2)
	}
	if len(o.bins) == 0 {
		fmt.Fprintln(os.Stderr, "relay: give at least one -bin name=path")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, log); err != nil {
		log.Error("benchmark failed", "err", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, log *slog.Logger) error {
	var feeds []feedResult
	var ingests []ingestResult
	for round := 1; round <= o.rounds; round++ {
		if !o.skipFeed {
			for _, b := range o.bins {
				log.Info("feed run", "round", round, "bin", b.name)
				r, err := feedRun(ctx, o, b, log)
				if err != nil {
					return fmt.Errorf("feed %s round %d: %w", b.name, round, err)
				}
				r.round = round
				feeds = append(feeds, r)
				log.Info("feed result", "bin", b.name, "p50", r.p(0.5), "p99", r.p(0.99), "missing", r.missing)
			}
		}
		if !o.skipIngest {
			for _, role := range o.roles {
				for _, b := range o.bins {
					log.Info("ingest run", "round", round, "bin", b.name, "role", role)
					r, err := ingestRun(ctx, o, b, role)
					if err != nil {
						return fmt.Errorf("ingest %s %s round %d: %w", b.name, role, round, err)
					}
					r.round = round
					ingests = append(ingests, r)
					log.Info("ingest result", "bin", b.name, "role", role, "req/s", fmt.Sprintf("%.0f", r.rate()))
				}
			}
		}
	}
	report(os.Stdout, o, feeds, ingests)
	return nil
}
