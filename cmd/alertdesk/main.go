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
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // maintenance windows name IANA zones; minimal images lack them

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "alertdesk:", err)
		os.Exit(1)
	}
}

// run executes the command line args.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	root := newRoot(stdout, stderr)
	root.SetArgs(singleDashFlags(root, args))
	return root.ExecuteContext(ctx)
}

// singleDashFlags rewrites -name to --name for every long flag of the
// tree: the command line used to take Go's flag syntax, and scripts
// written for it keep working. Shorthands (-h) and everything after "--"
// are left alone.
func singleDashFlags(root *cobra.Command, args []string) []string {
	long := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) { long[f.Name] = true })
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	out := make([]string, len(args))
	copy(out, args)
	for i, a := range out {
		if a == "--" {
			break
		}
		name, _, _ := strings.Cut(strings.TrimPrefix(a, "-"), "=")
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(name) > 1 && long[name] {
			out[i] = "-" + a
		}
	}
	return out
}
