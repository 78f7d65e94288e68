package plancheck

import (
	"database/sql"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// Open is a pool on databaseURL whose connections report the plan of
// every statement they run to the returned Recorder.
func Open(databaseURL string) (*sql.DB, *Recorder, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return nil, nil, fmt.Errorf("plancheck: %w", err)
	}
	q := u.Query()
	for k, v := range AutoExplain {
		q.Set(k, v)
	}
	u.RawQuery = q.Encode()
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("plancheck: %w", err)
	}
	rec := &Recorder{}
	cfg.OnNotice = rec.OnNotice
	return stdlib.OpenDB(*cfg), rec, nil
}
