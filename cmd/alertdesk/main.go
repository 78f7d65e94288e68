// Command alertdesk turns RMM alerts into tickets and keeps both in step.
//
//	alertdesk [serve] [--role api|worker|all]
//	                    run the API, webhooks and workers (default all)
//	alertdesk migrate   apply database migrations and exit
//	alertdesk init --name <MSP> --admin-email <email> [--slug …] [--admin-name …]
//	                    set up the first tenant, its admin and desk defaults
//	alertdesk tenant create --name <MSP> --admin-email <email> [--slug …]
//	                    add another tenant
//	alertdesk token create --tenant <slug> --email <email> [--role …] [--name …]
//	                    create an API token (and the user if missing)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	_ "time/tzdata" // maintenance windows name IANA zones; minimal images lack them

	"github.com/alertdesk/alertdesk/app"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/seed"
	"github.com/alertdesk/alertdesk/store"
)

func main() {
	tuneGC()
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "alertdesk:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := config.FromEnv()
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, flags := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "--role") {
		cmd, flags = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if cfg.Role, err = parseRole(flags, cfg.Role); err != nil {
			return err
		}
		return serve(ctx, cfg, log)
	case "migrate":
		s, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
		if err != nil {
			return err
		}
		defer s.Close()
		log.Info("migrations applied", "database", s.Dialect)
		return nil
	case "init":
		return initCmd(ctx, cfg, args[1:], os.Stdout)
	case "tenant":
		return tenantCmd(ctx, cfg, args[1:], os.Stdout)
	case "token":
		return tokenCmd(ctx, cfg, args[1:], os.Stdout)
	case "help", "-h", "--help":
		fmt.Println("usage: alertdesk [serve [--role api|worker|all]|migrate|init|tenant create|token create]")
		return nil
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, init, tenant or token)", cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	printDemo(os.Stdout, log, cfg, a.Demo)
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

// parseRole reads serve's flags: --role api|worker|all (default from
// ALERTDESK_ROLE, else all).
func parseRole(args []string, def string) (string, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	role := fs.String("role", def, "what to run: api (webhooks and API), worker (background tasks) or all")
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}
	r := strings.ToLower(*role)
	return r, config.ValidateRole(r)
}
