package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/migrations"
	"github.com/alertdesk/alertdesk/store"
)

func (c *cli) migrateCmd() *cobra.Command {
	up := func(cmd *cobra.Command, _ []string) error {
		cfg, log, err := c.config()
		if err != nil {
			return err
		}
		s, err := store.Open(cmd.Context(), cfg.DatabaseURL, cfg.DataDir)
		if err != nil {
			return err
		}
		defer s.Close()
		log.Info("migrations applied", "database", s.Dialect)
		return nil
	}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations and exit (same as migrate up)",
		Long: `Apply the database migrations this binary holds that the database lacks,
each in its own transaction, and exit. serve applies them at start too;
run this first to migrate before replicas start. Replicas migrating at once
wait for each other (PostgreSQL advisory lock).`,
		Args: noArgs,
		RunE: up,
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply pending database migrations and exit",
		Args:  noArgs,
		RunE:  up,
	}, &cobra.Command{
		Use:   "status",
		Short: "List the migrations and whether each is applied; changes nothing",
		Args:  noArgs,
		RunE:  c.migrateStatus,
	})
	return cmd
}

// migrateStatus lists every migration as applied or pending. An embedded
// database that does not exist yet is not created.
func (c *cli) migrateStatus(cmd *cobra.Command, _ []string) error {
	cfg, _, err := c.config()
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	var (
		dialectName = "sqlite3"
		pending     []string
		where       string
	)
	if cfg.Embedded() {
		where = store.SQLitePath(cfg.DataDir)
	}
	if _, err := os.Stat(where); cfg.Embedded() && errors.Is(err, os.ErrNotExist) {
		where += " (does not exist yet)"
		all, err := migrations.List(dialectName)
		if err != nil {
			return err
		}
		for _, m := range all {
			pending = append(pending, m.Version)
		}
	} else {
		s, err := store.Connect(ctx, cfg.DatabaseURL, cfg.DataDir)
		if err != nil {
			return err
		}
		defer s.Close()
		dialectName = s.Dialect
		if pending, err = migrations.Pending(ctx, s.DB, s.Dialect); err != nil {
			return err
		}
	}
	all, err := migrations.List(dialectName)
	if err != nil {
		return err
	}
	isPending := map[string]bool{}
	for _, v := range pending {
		isPending[v] = true
	}
	if where != "" {
		where = " at " + where
	}
	fmt.Fprintf(c.stdout, "database: %s%s\n", dialectName, where)
	w := tabwriter.NewWriter(c.stdout, 0, 0, 2, ' ', 0)
	for _, m := range all {
		state := "applied"
		if isPending[m.Version] {
			state = "pending"
		}
		fmt.Fprintf(w, "%s\t%s\n", m.Version, state)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(c.stdout, "up to date")
	} else {
		fmt.Fprintf(c.stdout, "%d pending; `alertdesk migrate` applies them\n", len(pending))
	}
	return nil
}
