// Command alertdesk turns RMM alerts into tickets and keeps both in step.
//
//	alertdesk [serve] [--role api|worker|all]   run the API, webhooks and workers (the default)
//	alertdesk migrate [up|status]               apply or list database migrations
//	alertdesk init --name … --admin-email …     set up the first tenant, its admin and desk defaults
//	alertdesk tenant create --name … --admin-email …
//	alertdesk token create --tenant … --email … create an API token (and the user if missing)
//	alertdesk schema                            print the GraphQL schema (SDL)
//	alertdesk version                           print the version, commit and build time
//	alertdesk healthcheck [--url …]             probe a running server's /healthz
//
// `alertdesk <command> --help` describes each; help never acts.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // maintenance windows name IANA zones; minimal images lack them
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "alertdesk:", err)
		os.Exit(1)
	}
}
