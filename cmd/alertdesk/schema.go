package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/alertdesk/alertdesk/graph/schema"
)

func (c *cli) schemaCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the GraphQL schema (SDL) the API serves",
		Long: `Print the whole GraphQL schema in SDL, every field described, as built into
this binary: for API clients' code generators and schema checks.`,
		Example: `  alertdesk schema > schema.graphql`,
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			sdl, err := schema.SDL()
			if err != nil {
				return err
			}
			_, err = io.WriteString(c.stdout, sdl)
			return err
		},
	}
}
