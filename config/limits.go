package config

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// HTTP bounds what a client may hold of the HTTP server.
type HTTP struct {
	// ReadHeaderTimeout is how long a request's headers may take
	// (ALERTDESK_HTTP_READ_HEADER_TIMEOUT, default 10s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout is how long a whole request, body included, may take to
	// arrive (ALERTDESK_HTTP_READ_TIMEOUT, default 30s).
	ReadTimeout time.Duration
	// WriteTimeout is how long after its headers a request's answer may
	// take to be written (ALERTDESK_HTTP_WRITE_TIMEOUT, default 60s);
	// WebSockets are exempt.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection that sends no request
	// (ALERTDESK_HTTP_IDLE_TIMEOUT, default 60s).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers
	// (ALERTDESK_HTTP_MAX_HEADER_BYTES, default 65536).
	MaxHeaderBytes int
	// UnauthenticatedConnsPerClient caps the connections one client
	// address may hold open before any request on them authenticated
	// (ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT, default 64; 0: no
	// cap).
	UnauthenticatedConnsPerClient int
	// WebhookTimeout is the deadline of a webhook request, below the
	// RMMs' own (TacticalRMM gives up after about 10s)
	// (ALERTDESK_WEBHOOK_TIMEOUT, default 8s).
	WebhookTimeout time.Duration
	// APITimeout is the deadline of a GraphQL request over HTTP
	// (ALERTDESK_API_TIMEOUT, default 30s); subscriptions are exempt.
	APITimeout time.Duration
}

// Database bounds alertdesk's use of PostgreSQL (SQLite has one
// connection and no server-side timeouts).
type Database struct {
	// MaxConns bounds the main pool: the API and the workers
	// (ALERTDESK_DB_MAX_CONNS, default 20).
	MaxConns int
	// WebhookConns is the pool of webhook ingest, its own so that API
	// load never takes every connection (ALERTDESK_DB_WEBHOOK_CONNS,
	// default 8).
	WebhookConns int
	// StatementTimeout is PostgreSQL's statement_timeout
	// (ALERTDESK_DB_STATEMENT_TIMEOUT, default 30s; 0: none).
	StatementTimeout time.Duration
	// LockTimeout is PostgreSQL's lock_timeout, advisory locks included
	// (ALERTDESK_DB_LOCK_TIMEOUT, default 10s; 0: none).
	LockTimeout time.Duration
}

// DefaultHTTP is HTTP with every default.
func DefaultHTTP() HTTP {
	return HTTP{
		ReadHeaderTimeout:             10 * time.Second,
		ReadTimeout:                   30 * time.Second,
		WriteTimeout:                  60 * time.Second,
		IdleTimeout:                   60 * time.Second,
		MaxHeaderBytes:                64 << 10,
		UnauthenticatedConnsPerClient: 64,
		WebhookTimeout:                8 * time.Second,
		APITimeout:                    30 * time.Second,
	}
}

// DefaultDatabase is Database with every default.
func DefaultDatabase() Database {
	return Database{MaxConns: 20, WebhookConns: 8, StatementTimeout: 30 * time.Second, LockTimeout: 10 * time.Second}
}

// readLimits reads the HTTP and database settings into c.
func readLimits(c *Config) error {
	c.HTTP, c.Database = DefaultHTTP(), DefaultDatabase()
	h, d := &c.HTTP, &c.Database
	for _, s := range []struct {
		name string
		dst  *time.Duration
		zero bool // 0 allowed (off)
	}{
		{"ALERTDESK_HTTP_READ_HEADER_TIMEOUT", &h.ReadHeaderTimeout, false},
		{"ALERTDESK_HTTP_READ_TIMEOUT", &h.ReadTimeout, false},
		{"ALERTDESK_HTTP_WRITE_TIMEOUT", &h.WriteTimeout, false},
		{"ALERTDESK_HTTP_IDLE_TIMEOUT", &h.IdleTimeout, false},
		{"ALERTDESK_WEBHOOK_TIMEOUT", &h.WebhookTimeout, false},
		{"ALERTDESK_API_TIMEOUT", &h.APITimeout, false},
		{"ALERTDESK_DB_STATEMENT_TIMEOUT", &d.StatementTimeout, true},
		{"ALERTDESK_DB_LOCK_TIMEOUT", &d.LockTimeout, true},
	} {
		if err := duration(s.name, s.dst, s.zero); err != nil {
			return err
		}
	}
	for _, s := range []struct {
		name string
		dst  *int
		min  int
	}{
		{"ALERTDESK_HTTP_MAX_HEADER_BYTES", &h.MaxHeaderBytes, 4096},
		{"ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT", &h.UnauthenticatedConnsPerClient, 0},
		{"ALERTDESK_DB_MAX_CONNS", &d.MaxConns, 2},
		{"ALERTDESK_DB_WEBHOOK_CONNS", &d.WebhookConns, 1},
	} {
		if err := integer(s.name, s.dst, s.min); err != nil {
			return err
		}
	}
	switch {
	case h.ReadHeaderTimeout > h.ReadTimeout:
		return fmt.Errorf("config: ALERTDESK_HTTP_READ_HEADER_TIMEOUT (%s) must not exceed ALERTDESK_HTTP_READ_TIMEOUT (%s)", h.ReadHeaderTimeout, h.ReadTimeout)
	case h.WebhookTimeout >= h.WriteTimeout:
		return fmt.Errorf("config: ALERTDESK_WEBHOOK_TIMEOUT (%s) must be below ALERTDESK_HTTP_WRITE_TIMEOUT (%s), or its answer could not be written", h.WebhookTimeout, h.WriteTimeout)
	case h.APITimeout >= h.WriteTimeout:
		return fmt.Errorf("config: ALERTDESK_API_TIMEOUT (%s) must be below ALERTDESK_HTTP_WRITE_TIMEOUT (%s), or its answer could not be written", h.APITimeout, h.WriteTimeout)
	}
	return nil
}

// duration parses a Go duration ("8s", "1m30s") from the variable, if set.
func duration(name string, dst *time.Duration, zero bool) error {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 || (d == 0 && !zero) {
		want := "a positive duration such as 10s"
		if zero {
			want = "a duration such as 10s, or 0 for none"
		}
		return fmt.Errorf("config: %s must be %s, not %q", name, want, v)
	}
	if d > 0 && d < time.Millisecond {
		return fmt.Errorf("config: %s must be at least 1ms, not %q", name, v)
	}
	*dst = d
	return nil
}

// integer parses a whole number of at least min from the variable, if set.
func integer(name string, dst *int, min int) error {
	v := os.Getenv(name)
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return fmt.Errorf("config: %s must be a whole number of at least %d, not %q", name, min, v)
	}
	*dst = n
	return nil
}
