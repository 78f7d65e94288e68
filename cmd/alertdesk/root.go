package main

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/config"
	"github.com/alertdesk/alertdesk/logging"
)

// cli is what the commands share: where their output goes, and the
// configuration, read from the environment only once a command acts (so
// --help works, and never fails, whatever the environment holds).
type cli struct {
	stdout, stderr io.Writer
}

// config reads and checks the configuration and installs the logger.
func (c *cli) config() (config.Config, *slog.Logger, error) {
	cfg, err := config.FromEnv()
	if err != nil {
		return cfg, nil, err
	}
	log, err := logging.New(c.stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return cfg, nil, fmt.Errorf("config: ALERTDESK_LOG_LEVEL or ALERTDESK_LOG_FORMAT: %w", err)
	}
	slog.SetDefault(log)
	for _, name := range config.Unknown(os.Environ()) {
		log.Warn("ignoring an environment variable alertdesk does not read; misspelt?", "variable", name)
	}
	return cfg, log, nil
}

const rootLong = `alertdesk turns RMM alerts (NinjaOne, TacticalRMM) into helpdesk tickets
and keeps both in step.

With no command it serves: the webhooks, the GraphQL API and UI, and the
background workers. Settings come from the environment (ALERTDESK_*,
DATABASE_URL, REDIS_URL; see the README); with none it runs on an embedded
SQLite database and Redis-compatible server and seeds a demo tenant.`

// newRoot builds the command tree writing to stdout and stderr.
func newRoot(stdout, stderr io.Writer) *cobra.Command {
	c := &cli{stdout: stdout, stderr: stderr}
	serve := c.serveCmd()
	root := &cobra.Command{
		Use:           "alertdesk",
		Short:         "Turn RMM alerts into helpdesk tickets",
		Long:          rootLong,
		Args:          noArgs,
		RunE:          serve.RunE,
		SilenceUsage:  true,
		SilenceErrors: true, // main prints the error once, prefixed
	}
	// `alertdesk --role worker` has always meant `alertdesk serve --role worker`.
	root.Flags().AddFlagSet(serve.Flags())
	root.AddCommand(serve, c.migrateCmd(), c.initCmd(), c.tenantCmd(), c.tokenCmd(),
		c.schemaCmd(), c.versionCmd(), c.healthcheckCmd())
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return fmt.Errorf("%w (see '%s --help')", err, cmd.CommandPath())
	})
	return root
}

// noArgs refuses positional arguments, naming the first.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.HasSubCommands() {
		return fmt.Errorf("unknown command %q for %q (see '%s --help')", args[0], cmd.CommandPath(), cmd.CommandPath())
	}
	return fmt.Errorf("%s: unexpected argument %q (see '%s --help')", cmd.CommandPath(), args[0], cmd.CommandPath())
}

// group is a command that only holds others: run alone or with an
// unknown word it fails (cobra would print its help and succeed).
func group(use, short string, subs ...*cobra.Command) *cobra.Command {
	g := &cobra.Command{
		Use:   use,
		Short: short,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return noArgs(cmd, args)
			}
			var names []string
			for _, s := range cmd.Commands() {
				names = append(names, s.Name())
			}
			return fmt.Errorf("%s needs a command: %s (see '%s --help')", cmd.CommandPath(), strings.Join(names, ", "), cmd.CommandPath())
		},
	}
	g.AddCommand(subs...)
	return g
}
