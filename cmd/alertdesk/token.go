package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/alertdesk/alertdesk/auth"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/user"
	"github.com/alertdesk/alertdesk/store"
)

const tokenUsage = "usage: alertdesk token create --tenant <slug> --email <email> [--role admin|technician] [--name <label>]"

// tokenCmd is `alertdesk token create`: it creates the user when missing
// and prints a new API token once (only its hash is stored).
func tokenCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(tokenUsage)
	}
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	slug := fs.String("tenant", "", "tenant slug (the demo tenant is \"demo\")")
	email := fs.String("email", "", "the user's email; the user is created if missing")
	role := fs.String("role", "", "admin or technician (new users default to technician; an existing user's role is changed)")
	name := fs.String("name", "cli", "what the token is for")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" || *email == "" {
		return errors.New(tokenUsage)
	}
	s, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer s.Close()
	var res auth.UserToken
	err = s.Tx(ctx, func(tx *ent.Tx) error {
		var err error
		res, err = auth.CreateUserToken(ctx, tx, *slug, *email, user.Role(*role), *name)
		return err
	})
	if err != nil {
		return err
	}
	if res.RoleChange != nil {
		announceChange(ctx, cfg, *res.RoleChange)
	}
	if res.UserCreated {
		fmt.Fprintf(os.Stderr, "created user %s (id %d) in tenant %s\n", *email, res.UserID, *slug)
	}
	fmt.Fprintln(os.Stderr, "API token (shown once; send it as Authorization: Bearer <token>):")
	fmt.Fprintln(out, res.Token)
	return nil
}

// announceChange tells the running replicas, through REDIS_URL, to close
// the changed user's open WebSockets. Without it (embedded Redis lives in
// the server process) or on failure they close at the server's next
// re-check, within a minute.
func announceChange(ctx context.Context, cfg config.Config, c auth.Change) {
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
		fmt.Fprintf(os.Stderr, "warning: %v; open connections of the user close within a minute\n", err)
	}
}
