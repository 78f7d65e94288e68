package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

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
	if res.UserCreated {
		fmt.Fprintf(os.Stderr, "created user %s (id %d) in tenant %s\n", *email, res.UserID, *slug)
	}
	fmt.Fprintln(os.Stderr, "API token (shown once; send it as Authorization: Bearer <token>):")
	fmt.Fprintln(out, res.Token)
	return nil
}
