// Command gen writes the next SQL migration from the ent schema.
//
// It builds a scratch database, applies the existing migrations of the
// dialect, asks ent (client.Schema.WriteTo) for the DDL that remains to
// reach ent/schema, and writes it as migrations/<dialect>/NNNN_<name>.sql.
// Run it from the module root:
//
//	go run ./migrations/internal/gen -dialect sqlite3 -name add_foo
//	go run ./migrations/internal/gen -dialect postgres -name add_foo \
//	    -dsn 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable'
//
// For PostgreSQL, -dsn names any database on a server where the user may
// CREATE DATABASE; a scratch database is created and dropped there.
// -version regenerates a given, not yet released file instead (everything
// before it is applied first). Released migrations are never rewritten.
package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"

	"github.com/alertdesk/alertdesk/migrations"
	"github.com/alertdesk/alertdesk/migrations/internal/entdiff"
)

func main() {
	var (
		dialectName = flag.String("dialect", "", `"postgres" or "sqlite3"`)
		dsn         = flag.String("dsn", os.Getenv("MIGRATIONS_PG_URL"), "PostgreSQL server URL (postgres only; default $MIGRATIONS_PG_URL)")
		name        = flag.String("name", "", "name of the new migration, e.g. add_foo")
		version     = flag.String("version", "", "regenerate this unreleased version (e.g. 0001_init) instead of writing the next one")
		dir         = flag.String("dir", "migrations", "the migrations folder")
		stdout      = flag.Bool("stdout", false, "print the SQL instead of writing a file")
	)
	flag.Parse()
	if err := run(*dialectName, *dsn, *name, *version, *dir, *stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dialectName, dsn, name, version, dir string, toStdout bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	existing, err := migrations.List(dialectName)
	if err != nil {
		return err
	}
	target := version
	if target == "" {
		if name == "" {
			return errors.New("-name is required")
		}
		next := 1
		if len(existing) > 0 {
			last := existing[len(existing)-1].Version
			n, err := strconv.Atoi(strings.SplitN(last, "_", 2)[0])
			if err != nil {
				return fmt.Errorf("cannot number after %q: %w", last, err)
			}
			next = n + 1
		}
		target = fmt.Sprintf("%04d_%s", next, name)
	}

	db, cleanup, err := scratch(ctx, dialectName, dsn)
	if err != nil {
		return err
	}
	defer cleanup()

	for _, m := range existing {
		if m.Version >= target {
			break
		}
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("apply %s: %w", m.Version, err)
		}
	}
	ddl, err := entdiff.Diff(ctx, db, dialectName)
	if err != nil {
		return err
	}
	if ddl == "" {
		fmt.Fprintln(os.Stderr, "gen: no schema changes; nothing written")
		return nil
	}
	content := fmt.Sprintf("-- %s (%s): generated from ent/schema by migrations/internal/gen.\n-- Released migrations are never rewritten; change the schema with a new one.\n\n%s", target, dialectName, ddl)
	if toStdout {
		_, err := os.Stdout.WriteString(content)
		return err
	}
	sub := "postgres"
	if dialectName == dialect.SQLite {
		sub = "sqlite"
	}
	path := filepath.Join(dir, sub, target+".sql")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "gen: wrote", path)
	return nil
}

// scratch opens an empty database of the dialect and returns a cleanup
// that removes it.
func scratch(ctx context.Context, dialectName, dsn string) (*sql.DB, func(), error) {
	switch dialectName {
	case dialect.SQLite:
		tmp, err := os.MkdirTemp("", "alertdesk-gen-")
		if err != nil {
			return nil, nil, err
		}
		db, err := sql.Open("sqlite", filepath.Join(tmp, "gen.db")+"?_pragma=foreign_keys(1)")
		if err != nil {
			os.RemoveAll(tmp)
			return nil, nil, err
		}
		db.SetMaxOpenConns(1)
		return db, func() { db.Close(); os.RemoveAll(tmp) }, nil
	case dialect.Postgres:
		if dsn == "" {
			return nil, nil, errors.New("-dsn (or MIGRATIONS_PG_URL) is required for postgres")
		}
		admin, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, nil, err
		}
		b := make([]byte, 6)
		_, _ = rand.Read(b)
		name := "alertdesk_gen_" + hex.EncodeToString(b)
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
			admin.Close()
			return nil, nil, fmt.Errorf("create scratch database: %w", err)
		}
		u, err := url.Parse(dsn)
		if err != nil {
			admin.Close()
			return nil, nil, err
		}
		u.Path = "/" + name
		db, err := sql.Open("pgx", u.String())
		if err != nil {
			admin.Close()
			return nil, nil, err
		}
		return db, func() {
			db.Close()
			if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
				fmt.Fprintln(os.Stderr, "gen: drop scratch database:", err)
			}
			admin.Close()
		}, nil
	default:
		return nil, nil, fmt.Errorf("unsupported dialect %q", dialectName)
	}
}
