// Package entdiff asks ent what DDL would bring a database to the ent
// schema. The migration generator and the drift test share it so both use
// the same options.
package entdiff

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"

	"github.com/alertdesk/alertdesk/ent"
	"github.com/alertdesk/alertdesk/ent/migrate"
)

// Diff returns the cleaned DDL (see Clean) that ent would run against db to
// match ent/schema, including drops of indexes and columns ent no longer
// knows. It does not change db. An empty result means no drift.
func Diff(ctx context.Context, db *sql.DB, dialectName string) (string, error) {
	// ent shortens over-long index and foreign-key names for the dialect
	// (63 chars on PostgreSQL, 64 on SQLite) by rewriting them in the global
	// migrate.Tables, so a second dialect in the same process would start
	// from the first one's names. Put them back after each diff.
	mu.Lock()
	defer mu.Unlock()
	defer restoreNames()()

	// Not closed: closing the client would close db, which the caller owns.
	client := ent.NewClient(ent.Driver(entsql.OpenDB(dialectName, db)))
	var buf bytes.Buffer
	if err := client.Schema.WriteTo(ctx, &buf, migrate.WithDropIndex(true), migrate.WithDropColumn(true)); err != nil {
		return "", fmt.Errorf("entdiff: %s: %w", dialectName, err)
	}
	return Clean(buf.String()), nil
}

var mu sync.Mutex

// restoreNames records the index and foreign-key names of migrate.Tables
// and returns a function that puts them back.
func restoreNames() func() {
	idx := map[*schema.Index]string{}
	fks := map[*schema.ForeignKey]string{}
	for _, t := range migrate.Tables {
		for _, i := range t.Indexes {
			idx[i] = i.Name
		}
		for _, fk := range t.ForeignKeys {
			fks[fk] = fk.Symbol
		}
	}
	return func() {
		for i, name := range idx {
			i.Name = name
		}
		for fk, sym := range fks {
			fk.Symbol = sym
		}
	}
}

// Unmanaged are indexes ent cannot express (PostgreSQL trigram GIN
// indexes, covering and partial expression indexes), written by hand in the migrations: ent's wish to drop them is
// not drift.
var Unmanaged = []string{"alert_message_trgm", "alert_device_name_trgm", "ticket_title_trgm",
	"alert_noise_period", "alert_noise_ticket_closed"}

// Clean drops what the migration runner does itself from ent's output:
// BEGIN/COMMIT (each file runs in a transaction) and SQLite's
// "PRAGMA foreign_keys = off/on" (a no-op inside a transaction; the runner
// switches it around the transaction), and the drops of Unmanaged indexes.
// The result is one statement per line,
// or "" when nothing remains.
func Clean(ddl string) string {
	var out []string
	for _, line := range strings.Split(ddl, "\n") {
		line = strings.TrimSpace(line)
		switch strings.ToUpper(strings.TrimSuffix(line, ";")) {
		case "", "BEGIN", "COMMIT", "PRAGMA FOREIGN_KEYS = OFF", "PRAGMA FOREIGN_KEYS = ON":
			continue
		}
		if unmanaged(line) {
			continue
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

func unmanaged(line string) bool {
	for _, name := range Unmanaged {
		if l := strings.TrimSuffix(line, ";"); l == `DROP INDEX "`+name+`"` || l == "DROP INDEX `"+name+"`" {
			return true
		}
	}
	return false
}
