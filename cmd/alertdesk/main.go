// Command alertdesk turns RMM alerts into tickets and keeps both in step.
//
//	alertdesk [serve]   run the API, webhooks and workers (default)
//	alertdesk migrate   apply database migrations and exit
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // maintenance windows name IANA zones; minimal images lack them

	"github.com/alertdesk/alertdesk/app"
	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/store"
)

func main() {
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

	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		s, err := store.Open(ctx, cfg.DatabaseURL, cfg.DataDir)
		if err != nil {
			return err
		}
		defer s.Close()
		log.Info("migrations applied", "database", s.Dialect)
		return nil
	case "help", "-h", "--help":
		fmt.Println("usage: alertdesk [serve|migrate]")
		return nil
	}
	return fmt.Errorf("unknown command %q (want serve or migrate)", cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	a, err := app.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	if a.Demo != nil {
		out, _ := json.MarshalIndent(a.Demo, "", "  ")
		fmt.Printf("Demo tenant ready (also in %s/demo.json):\n%s\n", cfg.DataDir, out)
	}
	return a.Serve(ctx)
}
