// Command writesdl writes the whole GraphQL schema to the file named by its
// argument: the repository's schema.graphql, for API clients that read the
// schema from source rather than from `alertdesk schema`.
package main

import (
	"fmt"
	"os"

	"github.com/alertdesk/alertdesk/graph/schema"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: writesdl <file>")
		os.Exit(2)
	}
	sdl, err := schema.SDL()
	if err == nil {
		err = os.WriteFile(os.Args[1], []byte(schema.Header+sdl), 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "writesdl:", err)
		os.Exit(1)
	}
}
