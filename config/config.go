// Package config reads alertdesk's configuration from the environment.
package config

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/alertdesk/alertdesk/clientip"
	"github.com/alertdesk/alertdesk/outbound"
)

// Config is the process configuration. Empty DatabaseURL and RedisURL mean
// the embedded default: SQLite in DataDir and an in-process Redis server.
type Config struct {
	Addr        string // ALERTDESK_ADDR
	DatabaseURL string // DATABASE_URL
	RedisURL    string // REDIS_URL
	DataDir     string // ALERTDESK_DATA_DIR
	PublicURL   string // ALERTDESK_PUBLIC_URL
	Demo        string // ALERTDESK_DEMO: auto, on or off
	LogLevel    string // ALERTDESK_LOG_LEVEL
	// LogFormat is how log lines are written: text (key=value) or json
	// (ALERTDESK_LOG_FORMAT, default text).
	LogFormat string
	// DebugAddr, when set, serves Go's profiler (net/http/pprof) on its own
	// listener (ALERTDESK_DEBUG_ADDR, e.g. 127.0.0.1:6060); never public.
	DebugAddr string
	// WorkerAddr is where the worker role serves /healthz, /readyz and
	// /metrics (ALERTDESK_WORKER_ADDR, default :9091); the api and all
	// roles serve them on Addr.
	WorkerAddr string
	// Role is what `serve` runs: api, worker or all (ALERTDESK_ROLE, --role).
	Role string
	// SecretKey encrypts integration credentials: base64 of 32 bytes
	// (ALERTDESK_SECRET_KEY). Empty: a key generated in DataDir.
	SecretKey string
	// NinjaOne is the OAuth app admins connect NinjaOne through.
	NinjaOne NinjaOneApp
	// SMTP sends notification emails; no host means no email.
	SMTP SMTP
	// OIDC is the single sign-on provider; no issuer means none.
	OIDC OIDC
	// API bounds what one GraphQL request, and one API token, may cost.
	API APILimits
	// HTTP holds the HTTP server's timeouts and limits.
	HTTP HTTP
	// Database holds the PostgreSQL pools' sizes and timeouts.
	Database Database
	// OutboundAllow are the prefixes outbound requests (workflow webhooks,
	// RMM APIs) may reach although they are private, loopback or link-local
	// (ALERTDESK_OUTBOUND_ALLOW, comma-separated CIDRs), such as an RMM on
	// premises. Empty: the public internet only.
	OutboundAllow []netip.Prefix
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ALERTDESK_TRUSTED_PROXIES, comma-separated CIDRs): sign-in
	// throttling keys on the client behind them, and their connections
	// are not capped as one client's. Empty: the connection's peer.
	TrustedProxies clientip.Proxies
	// PollErrorAfter is how many poll cycles in a row that cannot reach
	// an RMM's API make its integration ERROR (ALERTDESK_POLL_ERROR_AFTER,
	// 1–100, default 3).
	PollErrorAfter int
	// PollMinute is how long a minute of a polling interval lasts
	// (ALERTDESK_POLL_MINUTE, 1s–1m, default 1m). Only tests shorten it,
	// so that schedules of several replicas tick in seconds.
	PollMinute time.Duration
}

// APILimits bound the GraphQL API (ALERTDESK_API_*): an operation's
// nesting and complexity (lists and counts are charged as the database
// work they are), the SQL statements one response may run, and the
// requests and complexity points per minute of each API token, shared
// through Redis by every replica.
type APILimits struct {
	MaxDepth      int // ALERTDESK_API_MAX_DEPTH, default 12
	MaxComplexity int // ALERTDESK_API_MAX_COMPLEXITY, default 10000
	MaxStatements int // ALERTDESK_API_MAX_STATEMENTS, default 200
	// MaxConcurrent bounds the GraphQL operations a replica runs at once
	// over HTTP (ALERTDESK_API_MAX_CONCURRENT; default 0: one per CPU).
	MaxConcurrent int
	// RatePerMinute is each token's sustained request rate
	// (ALERTDESK_API_RATE_PER_MINUTE, default 600; 0 turns the limit off)
	// and RateBurst how many it may send at once (ALERTDESK_API_RATE_BURST,
	// default 100).
	RatePerMinute int
	RateBurst     int
	// CostPerMinute is the complexity points each token's operations may
	// cost a minute (ALERTDESK_API_COST_PER_MINUTE, default 150000; 0
	// turns the limit off) and CostBurst how many at once
	// (ALERTDESK_API_COST_BURST, default 50000).
	CostPerMinute int
	CostBurst     int
}

// NinjaOneApp is alertdesk's NinjaOne OAuth client
// (ALERTDESK_NINJAONE_CLIENT_ID, ALERTDESK_NINJAONE_CLIENT_SECRET); its
// redirect URI is PublicURL + "/oauth/ninjaone/callback".
type NinjaOneApp struct {
	ClientID     string
	ClientSecret string
}

// OIDC is an OpenID Connect provider people sign in with
// (ALERTDESK_OIDC_ISSUER, ALERTDESK_OIDC_CLIENT_ID,
// ALERTDESK_OIDC_CLIENT_SECRET); its redirect URI is PublicURL +
// "/auth/oidc/callback".
type OIDC struct {
	Issuer, ClientID, ClientSecret string
}

// SMTP is the mail server for notification emails (ALERTDESK_SMTP_HOST,
// _PORT (default 587), _USER, _PASSWORD, _FROM).
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
}

// Process roles.
const (
	RoleAll    = "all"
	RoleAPI    = "api"
	RoleWorker = "worker"
)

// RunsAPI reports whether the process serves webhooks and the API.
func (c Config) RunsAPI() bool { return c.Role != RoleWorker }

// RunsWorker reports whether the process runs the background workers.
func (c Config) RunsWorker() bool { return c.Role != RoleAPI }

// ValidateRole checks a role name.
func ValidateRole(r string) error {
	switch r {
	case RoleAll, RoleAPI, RoleWorker:
		return nil
	}
	return fmt.Errorf("config: role must be api, worker or all, not %q", r)
}

// Embedded reports whether no external database is configured.
func (c Config) Embedded() bool { return c.DatabaseURL == "" }

// SeedDemo reports whether the demo tenant should be seeded.
func (c Config) SeedDemo() bool {
	switch c.Demo {
	case "on":
		return true
	case "off":
		return false
	}
	return c.Embedded()
}

// FromEnv reads the configuration, applying defaults.
func FromEnv() (Config, error) {
	c := Config{
		Addr:        env("ALERTDESK_ADDR", ":8080"),
		DatabaseURL: os.Getenv("DATABASE_URL"),
		RedisURL:    os.Getenv("REDIS_URL"),
		DataDir:     env("ALERTDESK_DATA_DIR", "./data"),
		PublicURL:   os.Getenv("ALERTDESK_PUBLIC_URL"),
		Demo:        strings.ToLower(env("ALERTDESK_DEMO", "auto")),
		LogLevel:    strings.ToLower(env("ALERTDESK_LOG_LEVEL", "info")),
		LogFormat:   strings.ToLower(env("ALERTDESK_LOG_FORMAT", "text")),
		DebugAddr:   os.Getenv("ALERTDESK_DEBUG_ADDR"),
		WorkerAddr:  env("ALERTDESK_WORKER_ADDR", ":9091"),
		Role:        strings.ToLower(env("ALERTDESK_ROLE", RoleAll)),
		SecretKey:   os.Getenv("ALERTDESK_SECRET_KEY"),
		NinjaOne: NinjaOneApp{
			ClientID:     os.Getenv("ALERTDESK_NINJAONE_CLIENT_ID"),
			ClientSecret: os.Getenv("ALERTDESK_NINJAONE_CLIENT_SECRET"),
		},
		OIDC: OIDC{
			Issuer:       os.Getenv("ALERTDESK_OIDC_ISSUER"),
			ClientID:     os.Getenv("ALERTDESK_OIDC_CLIENT_ID"),
			ClientSecret: os.Getenv("ALERTDESK_OIDC_CLIENT_SECRET"),
		},
		SMTP: SMTP{
			Host:     os.Getenv("ALERTDESK_SMTP_HOST"),
			User:     os.Getenv("ALERTDESK_SMTP_USER"),
			Password: os.Getenv("ALERTDESK_SMTP_PASSWORD"),
			From:     os.Getenv("ALERTDESK_SMTP_FROM"),
		},
	}
	port, err := strconv.Atoi(env("ALERTDESK_SMTP_PORT", "587"))
	if err != nil || port <= 0 || port > 65535 {
		return c, fmt.Errorf("config: ALERTDESK_SMTP_PORT must be a port number, not %q", os.Getenv("ALERTDESK_SMTP_PORT"))
	}
	c.SMTP.Port = port
	for _, s := range []struct {
		key      string
		def, min int
		dst      *int
	}{
		{"ALERTDESK_API_MAX_DEPTH", 12, 1, &c.API.MaxDepth},
		{"ALERTDESK_API_MAX_COMPLEXITY", 10000, 1, &c.API.MaxComplexity},
		{"ALERTDESK_API_MAX_STATEMENTS", 200, 1, &c.API.MaxStatements},
		{"ALERTDESK_API_MAX_CONCURRENT", 0, 0, &c.API.MaxConcurrent},
		{"ALERTDESK_API_RATE_PER_MINUTE", 600, 0, &c.API.RatePerMinute},
		{"ALERTDESK_API_RATE_BURST", 100, 1, &c.API.RateBurst},
		{"ALERTDESK_API_COST_PER_MINUTE", 150000, 0, &c.API.CostPerMinute},
		{"ALERTDESK_API_COST_BURST", 50000, 1, &c.API.CostBurst},
	} {
		if *s.dst, err = intEnv(s.key, s.def, s.min); err != nil {
			return c, err
		}
	}
	if c.OutboundAllow, err = outbound.ParseAllow(os.Getenv(outbound.AllowEnv)); err != nil {
		return c, fmt.Errorf("config: %s: %w", outbound.AllowEnv, err)
	}
	if c.TrustedProxies, err = clientip.Parse(os.Getenv("ALERTDESK_TRUSTED_PROXIES")); err != nil {
		return c, fmt.Errorf("config: ALERTDESK_TRUSTED_PROXIES: %w", err)
	}
	after, err := strconv.Atoi(env("ALERTDESK_POLL_ERROR_AFTER", "3"))
	if err != nil || after < 1 || after > 100 {
		return c, fmt.Errorf("config: ALERTDESK_POLL_ERROR_AFTER must be a whole number of poll cycles from 1 to 100, not %q", os.Getenv("ALERTDESK_POLL_ERROR_AFTER"))
	}
	c.PollErrorAfter = after
	c.PollMinute = time.Minute
	if err := duration("ALERTDESK_POLL_MINUTE", &c.PollMinute, false); err != nil {
		return c, err
	}
	if c.PollMinute < time.Second || c.PollMinute > time.Minute {
		return c, fmt.Errorf("config: ALERTDESK_POLL_MINUTE must be from 1s to 1m, not %q", os.Getenv("ALERTDESK_POLL_MINUTE"))
	}
	if c.OIDC.Issuer != "" && c.OIDC.ClientID == "" {
		return c, fmt.Errorf("config: ALERTDESK_OIDC_CLIENT_ID is required with ALERTDESK_OIDC_ISSUER")
	}
	if c.SMTP.Host != "" && c.SMTP.From == "" {
		return c, fmt.Errorf("config: ALERTDESK_SMTP_FROM is required with ALERTDESK_SMTP_HOST")
	}
	if c.PublicURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.PublicURL = "http://" + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if ValidateRole(c.Role) != nil {
		return c, fmt.Errorf("config: ALERTDESK_ROLE must be api, worker or all, not %q", c.Role)
	}
	if err := readLimits(&c); err != nil {
		return c, err
	}
	switch c.Demo {
	case "auto", "on", "off":
	default:
		return c, fmt.Errorf("config: ALERTDESK_DEMO must be auto, on or off, not %q", c.Demo)
	}
	if err := validate(c); err != nil {
		return c, err
	}
	return c, nil
}

// intEnv reads a whole number of at least min, def when unset.
func intEnv(key string, def, min int) (int, error) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min {
		return 0, fmt.Errorf("config: %s must be a whole number of at least %d, not %q", key, min, v)
	}
	return n, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
