// Package schema embeds the GraphQL schema's source files, so the binary
// can print the whole SDL (`alertdesk schema`) for API clients.
package schema

//go:generate go run ./internal/writesdl ../../schema.graphql

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed *.graphqls
var files embed.FS

// Header heads the checked-in schema.graphql.
const Header = "# The whole GraphQL schema of alertdesk's API, generated from graph/schema\n" +
	"# by `go generate ./graph/schema/`; `alertdesk schema` prints the same.\n\n"

// SDL is every schema file, in file-name order, joined by blank lines.
func SDL() (string, error) {
	names, err := fs.Glob(files, "*.graphqls")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for i, n := range names {
		src, err := fs.ReadFile(files, n)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.TrimRight(string(src), "\n"))
		b.WriteString("\n")
	}
	return b.String(), nil
}
