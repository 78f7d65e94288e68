package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/app"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/seed"
)

func (c *cli) serveCmd() *cobra.Command {
	var role string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the webhooks, the API and the workers (the default command)",
		Long: `Run alertdesk until interrupted (SIGINT, SIGTERM): the webhooks, the GraphQL
API and UI (role api), the background workers (role worker), or both (all).
Pending migrations are applied first. In embedded mode (no DATABASE_URL) the
demo tenant's admin token and secrets are printed and written to
<data dir>/demo.json.`,
		Example: `  alertdesk                     # all roles, embedded database and Redis, demo tenant
  alertdesk serve --role api    # webhooks and API only; run workers elsewhere`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := c.config()
			if err != nil {
				return err
			}
			if cfg.Role, err = pickRole(role, cfg.Role); err != nil {
				return err
			}
			return c.serve(cmd.Context(), cfg, log)
		},
	}
	cmd.Flags().StringVar(&role, "role", "", "what to run: api (webhooks and API), worker (background tasks) or all (default: ALERTDESK_ROLE, else all)")
	return cmd
}

// pickRole is --role when given, else the configured role.
func pickRole(flag, configured string) (string, error) {
	if flag == "" {
		return configured, nil
	}
	r := strings.ToLower(flag)
	if err := config.ValidateRole(r); err != nil {
		return "", fmt.Errorf("--role must be api, worker or all, not %q", flag)
	}
	return r, nil
}

func (c *cli) serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	printDemo(c.stdout, log, cfg, a.Demo)
	return a.Serve(ctx)
}

// printDemo shows the demo tenant's admin token and secrets on standard
// output in embedded mode only, where the process is someone's local
// try-out; a server's output goes to log collectors, so there only the
// file (mode 0600) is named.
func printDemo(w io.Writer, log *slog.Logger, cfg config.Config, demo *seed.Result) {
	if demo == nil {
		return
	}
	path := filepath.Join(cfg.DataDir, "demo.json")
	if !cfg.Embedded() {
		log.Info("demo tenant ready; its admin token and secrets are in the demo file", "path", path)
		return
	}
	out, _ := json.MarshalIndent(demo, "", "  ")
	fmt.Fprintf(w, "Demo tenant ready (also in %s):\n%s\n", path, out)
}
