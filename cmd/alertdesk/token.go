package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/store"
)

// tokenCmd is `alertdesk token create`: it creates the user when missing
// and prints a new API token once (only its hash is stored).
func (c *cli) tokenCmd() *cobra.Command {
	var slug, email, role, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create an API token (and the user if missing)",
		Long: `Create an API token for a user of a tenant, creating the user when missing,
and print it once on standard output (only its hash is stored). Send it as
Authorization: Bearer <token>. Changing an existing user's role closes the
user's open WebSockets on every replica (through REDIS_URL; else within a
minute).`,
		Example: `  alertdesk token create --tenant demo --email ops@example.com --role technician`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := c.config()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			s, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
			if err != nil {
				return err
			}
			defer s.Close()
			var res auth.UserToken
			err = s.Tx(ctx, func(tx *ent.Tx) error {
				var err error
				res, err = auth.CreateUserToken(ctx, tx, slug, email, user.Role(role), name)
				return err
			})
			if err != nil {
				return err
			}
			if res.RoleChange != nil {
				announceChange(ctx, c.stderr, cfg, *res.RoleChange)
			}
			if res.UserCreated {
				fmt.Fprintf(c.stderr, "created user %s (id %d) in tenant %s\n", email, res.UserID, slug)
			}
			fmt.Fprintln(c.stderr, "API token (shown once; send it as Authorization: Bearer <token>):")
			fmt.Fprintln(c.stdout, res.Token)
			return nil
		},
	}
	f := create.Flags()
	f.StringVar(&slug, "tenant", "", `tenant slug (the demo tenant is "demo") (required)`)
	f.StringVar(&email, "email", "", "the user's email; the user is created if missing (required)")
	f.StringVar(&role, "role", "", "admin or technician (new users default to technician; an existing user's role is changed)")
	f.StringVar(&name, "name", "cli", "what the token is for")
	_ = create.MarkFlagRequired("tenant")
	_ = create.MarkFlagRequired("email")
	return group("token", "Manage API tokens", create)
}

// announceChange tells the running replicas, through REDIS_URL, to close
// the changed user's open WebSockets. Without it (embedded Redis lives in
// the server process) or on failure they close at the server's next
// re-check, within a minute.
func announceChange(ctx context.Context, w io.Writer, cfg config.Config, c auth.Change) {
	if cfg.RedisURL == "" {
		return
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err == nil {
		rdb := redis.NewClient(opts)
		defer rdb.Close()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		err = auth.Announce(ctx, rdb, c)
	}
	if err != nil {
		fmt.Fprintf(w, "warning: %v; open connections of the user close within a minute\n", err)
	}
}
