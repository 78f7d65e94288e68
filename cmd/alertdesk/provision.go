package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/provision"
	"github.com/alertdesk/alertdesk/signin"
	"github.com/alertdesk/alertdesk/store"
)

// initCmd is `alertdesk init`: the installation's first tenant, its admin
// and the desk's defaults; run again, it completes what is missing.
func (c *cli) initCmd() *cobra.Command {
	cmd := c.provisionCmd(provision.Init)
	cmd.Use = "init"
	cmd.Short = "Set up the first tenant, its admin and the desk's defaults"
	cmd.Long = `Set up the installation's first tenant, its admin and the desk's defaults
(board "` + provision.BoardName + `" with Open, In Progress and Closed; priorities Urgent to
Low). Prints a one-time link that sets the admin's password (7 days) and,
on standard output, the admin's API token (shown once).

Idempotent: run again with the same name (or --slug) it adds only what is
missing and issues no new token; while another tenant exists it refuses
(use tenant create).`
	cmd.Example = `  alertdesk init --name "Acme IT" --admin-email ann@acme.example`
	return cmd
}

// tenantCmd is `alertdesk tenant create`: one more tenant.
func (c *cli) tenantCmd() *cobra.Command {
	create := c.provisionCmd(provision.CreateTenant)
	create.Use = "create"
	create.Short = "Add a tenant with its admin and the desk's defaults"
	create.Long = `Add a tenant, its first admin and the desk's defaults, as init does for
the first. Prints the admin's password link and, on standard output, the
admin's API token (shown once).`
	create.Example = `  alertdesk tenant create --name "Globex" --admin-email gil@globex.example`
	return group("tenant", "Manage tenants", create)
}

type provisionFunc func(context.Context, *store.Store, provision.Tenant) (*provision.Result, error)

func (c *cli) provisionCmd(do provisionFunc) *cobra.Command {
	var in provision.Tenant
	cmd := &cobra.Command{
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := c.config()
			if err != nil {
				return err
			}
			s, err := store.Open(cmd.Context(), cfg.DatabaseURL, cfg.DataDir)
			if err != nil {
				return err
			}
			defer s.Close()
			res, err := do(cmd.Context(), s, in)
			if err != nil {
				return err
			}
			what := "is ready"
			if res.Created {
				what = "created"
			}
			fmt.Fprintf(c.stderr, "tenant %s (id %d) %s, with board %q and priorities\n", res.Slug, res.TenantID, what, provision.BoardName)
			if res.Token == "" {
				fmt.Fprintf(c.stderr, "admin %s already exists; `alertdesk token create --tenant %s --email %s` issues another token\n",
					in.AdminEmail, res.Slug, in.AdminEmail)
				return nil
			}
			links := signin.Links{PublicURL: cfg.PublicURL}
			fmt.Fprintf(c.stderr, "admin %s created; set the admin's password with this one-time link (7 days):\n  %s\n",
				in.AdminEmail, links.URL(res.PasswordToken))
			fmt.Fprintf(c.stderr, "or sign in at %s with this API token (shown once):\n", cfg.PublicURL)
			fmt.Fprintln(c.stdout, res.Token)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Name, "name", "", "the MSP's name, as people see it (required)")
	f.StringVar(&in.Slug, "slug", "", "short lower-case id for the command line (default: from --name)")
	f.StringVar(&in.AdminEmail, "admin-email", "", "the first admin's email (required)")
	f.StringVar(&in.AdminName, "admin-name", "", "the first admin's name")
	_ = cmd.MarkFlagRequired("name")
	_ = cmd.MarkFlagRequired("admin-email")
	return cmd
}
