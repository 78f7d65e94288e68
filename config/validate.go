package config

import (
	"encoding/base64"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// LogLevels are the values of ALERTDESK_LOG_LEVEL.
var LogLevels = []string{"debug", "info", "warn", "error"}

// LogFormats are the values of ALERTDESK_LOG_FORMAT.
var LogFormats = []string{"text", "json"}

// validate refuses settings that parse but could not work, each with a
// message naming its variable, so a typo stops the process at start
// rather than surfacing later as a failed connection or a silent default.
func validate(c Config) error {
	checks := []struct {
		key string
		err error
	}{
		{"ALERTDESK_LOG_LEVEL", oneOf(c.LogLevel, LogLevels...)},
		{"ALERTDESK_LOG_FORMAT", oneOf(c.LogFormat, LogFormats...)},
		{"ALERTDESK_ADDR", listenAddr(c.Addr)},
		{"ALERTDESK_DEBUG_ADDR", optional(c.DebugAddr, listenAddr)},
		{"ALERTDESK_WORKER_ADDR", listenAddr(c.WorkerAddr)},
		{"ALERTDESK_PUBLIC_URL", httpURL(c.PublicURL)},
		{"DATABASE_URL", optional(c.DatabaseURL, postgresURL)},
		{"REDIS_URL", optional(c.RedisURL, redisURL)},
		{"ALERTDESK_SECRET_KEY", optional(c.SecretKey, secretKey)},
		{"ALERTDESK_OIDC_ISSUER", optional(c.OIDC.Issuer, httpURL)},
		{"ALERTDESK_SMTP_HOST", optional(c.SMTP.Host, hostOnly)},
		{"ALERTDESK_SMTP_FROM", optional(c.SMTP.From, address)},
		{"GOGC", optional(os.Getenv("GOGC"), gcPercent)},
	}
	for _, ch := range checks {
		if ch.err != nil {
			return fmt.Errorf("config: %s: %w", ch.key, ch.err)
		}
	}
	for _, pair := range [][2]string{
		{"ALERTDESK_NINJAONE_CLIENT_ID", "ALERTDESK_NINJAONE_CLIENT_SECRET"},
		{"ALERTDESK_SMTP_USER", "ALERTDESK_SMTP_PASSWORD"},
	} {
		a, b := os.Getenv(pair[0]) != "", os.Getenv(pair[1]) != ""
		switch {
		case a && !b:
			return fmt.Errorf("config: %s is required with %s", pair[1], pair[0])
		case b && !a:
			return fmt.Errorf("config: %s is required with %s", pair[0], pair[1])
		}
	}
	return nil
}

func optional(v string, check func(string) error) error {
	if v == "" {
		return nil
	}
	return check(v)
}

func oneOf(v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return fmt.Errorf("must be %s, not %q", strings.Join(allowed, ", "), v)
}

// listenAddr accepts host:port or :port with a port from 0 to 65535.
func listenAddr(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return fmt.Errorf("must be host:port or :port, such as :8080, not %q", v)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("must have a port number from 0 to 65535, not %q", v)
	}
	return nil
}

// httpURL accepts an absolute http(s) URL with a host and no query.
func httpURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("must be an absolute http:// or https:// URL such as https://desk.example.com, not %q", v)
	}
	return nil
}

// postgresURL parses without connecting; the value holds a password, so
// only the parser's (redacted) reason is shown.
func postgresURL(v string) error {
	if !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
		return fmt.Errorf("must be a postgres:// URL")
	}
	if _, err := pgx.ParseConfig(v); err != nil {
		return fmt.Errorf("must be a valid postgres:// URL: %s", pgReason(err))
	}
	return nil
}

// pgReason is the parser's error without the connection string it quotes.
func pgReason(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		return msg[i+2:]
	}
	return "malformed"
}

func redisURL(v string) error {
	if _, err := redis.ParseURL(v); err != nil {
		return fmt.Errorf("must be a redis:// or rediss:// URL: %s", strings.TrimPrefix(err.Error(), "redis: "))
	}
	return nil
}

// secretKey mirrors secrets.ParseKey (which this package cannot import
// without pulling in the database code): base64 of 32 bytes.
func secretKey(v string) error {
	v = strings.TrimSpace(v)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if len(k) != 32 {
				return fmt.Errorf("must be base64 of 32 bytes, not of %d (make one with: openssl rand -base64 32)", len(k))
			}
			return nil
		}
	}
	return fmt.Errorf("must be base64 of 32 bytes (make one with: openssl rand -base64 32)")
}

// hostOnly refuses a port or scheme in a host name: the port has its own
// setting.
func hostOnly(v string) error {
	if strings.ContainsAny(v, "/ \t") {
		return fmt.Errorf("must be a host name or address, not %q", v)
	}
	if _, _, err := net.SplitHostPort(v); err == nil {
		return fmt.Errorf("must be a host name without a port (set ALERTDESK_SMTP_PORT), not %q", v)
	}
	return nil
}

func address(v string) error {
	if _, err := mail.ParseAddress(v); err != nil {
		return fmt.Errorf("must be an email address, alertdesk <alerts@example.com> or alerts@example.com, not %q", v)
	}
	return nil
}

// gcPercent accepts what Go's runtime understands; it would take anything
// else silently as 100.
func gcPercent(v string) error {
	if v == "off" {
		return nil
	}
	if n, err := strconv.Atoi(v); err != nil || n < 0 {
		return fmt.Errorf("must be a whole number of percent or off, not %q", v)
	}
	return nil
}
