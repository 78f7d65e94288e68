package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
)

const (
	initUsage   = "usage: alertdesk init --name <MSP name> --admin-email <email> [--slug <slug>] [--admin-name <name>]"
	tenantUsage = "usage: alertdesk tenant create --name <MSP name> --admin-email <email> [--slug <slug>] [--admin-name <name>]"
)

// initCmd is `alertdesk init`: the installation's first tenant, its admin
// and the desk's defaults; run again, it completes what is missing.
func initCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	return provisionCmd(ctx, cfg, "init", initUsage, args, out, provision.Init)
}

// tenantCmd is `alertdesk tenant create`: one more tenant.
func tenantCmd(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New(tenantUsage)
	}
	return provisionCmd(ctx, cfg, "tenant create", tenantUsage, args[1:], out, provision.CreateTenant)
}

type provisionFunc func(context.Context, *store.Store, provision.Tenant) (*provision.Result, error)

func provisionCmd(ctx context.Context, cfg config.Config, name, usage string, args []string, out io.Writer, do provisionFunc) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	var in provision.Tenant
	fs.StringVar(&in.Name, "name", "", "the MSP's name, as people see it")
	fs.StringVar(&in.Slug, "slug", "", "short lower-case id for the command line (default: from --name)")
	fs.StringVar(&in.AdminEmail, "admin-email", "", "the first admin's email")
	fs.StringVar(&in.AdminName, "admin-name", "", "the first admin's name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q\n%s", name, fs.Arg(0), usage)
	}
	if in.Name == "" || in.AdminEmail == "" {
		return errors.New(usage)
	}
	s, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
	if err != nil {
		return err
	}
	defer s.Close()
	res, err := do(ctx, s, in)
	if err != nil {
		return err
	}
	what := "is ready"
	if res.Created {
		what = "created"
	}
	fmt.Fprintf(os.Stderr, "tenant %s (id %d) %s, with board %q and priorities\n", res.Slug, res.TenantID, what, provision.BoardName)
	if res.Token == "" {
		fmt.Fprintf(os.Stderr, "admin %s already exists; `alertdesk token create --tenant %s --email %s` issues another token\n",
			in.AdminEmail, res.Slug, in.AdminEmail)
		return nil
	}
	links := signin.Links{PublicURL: cfg.PublicURL}
	fmt.Fprintf(os.Stderr, "admin %s created; set the admin's password with this one-time link (7 days):\n  %s\n",
		in.AdminEmail, links.URL(res.PasswordToken))
	fmt.Fprintf(os.Stderr, "or sign in at %s with this API token (shown once):\n", cfg.PublicURL)
	fmt.Fprintln(out, res.Token)
	return nil
}
