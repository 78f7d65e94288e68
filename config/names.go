package config

import (
	"slices"
	"strings"
)

// Settings are the environment variables the configuration reads.
var Settings = []string{
	"ALERTDESK_ADDR", "DATABASE_URL", "REDIS_URL", "ALERTDESK_DATA_DIR",
	"ALERTDESK_PUBLIC_URL", "ALERTDESK_DEMO", "ALERTDESK_LOG_LEVEL", "ALERTDESK_LOG_FORMAT", "GOGC",
	"ALERTDESK_DEBUG_ADDR", "ALERTDESK_WORKER_ADDR", "ALERTDESK_ROLE", "ALERTDESK_SECRET_KEY",
	"ALERTDESK_NINJAONE_CLIENT_ID", "ALERTDESK_NINJAONE_CLIENT_SECRET",
	"ALERTDESK_SMTP_HOST", "ALERTDESK_SMTP_PORT", "ALERTDESK_SMTP_USER",
	"ALERTDESK_SMTP_PASSWORD", "ALERTDESK_SMTP_FROM",
	"ALERTDESK_OIDC_ISSUER", "ALERTDESK_OIDC_CLIENT_ID", "ALERTDESK_OIDC_CLIENT_SECRET",
	"ALERTDESK_API_MAX_DEPTH", "ALERTDESK_API_MAX_COMPLEXITY", "ALERTDESK_API_MAX_STATEMENTS", "ALERTDESK_API_MAX_CONCURRENT",
	"ALERTDESK_API_RATE_PER_MINUTE", "ALERTDESK_API_RATE_BURST",
	"ALERTDESK_API_COST_PER_MINUTE", "ALERTDESK_API_COST_BURST",
	"ALERTDESK_HTTP_READ_HEADER_TIMEOUT", "ALERTDESK_HTTP_READ_TIMEOUT",
	"ALERTDESK_HTTP_WRITE_TIMEOUT", "ALERTDESK_HTTP_IDLE_TIMEOUT",
	"ALERTDESK_HTTP_MAX_HEADER_BYTES", "ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT",
	"ALERTDESK_WEBHOOK_TIMEOUT", "ALERTDESK_API_TIMEOUT",
	"ALERTDESK_DB_MAX_CONNS", "ALERTDESK_DB_WEBHOOK_CONNS",
	"ALERTDESK_DB_STATEMENT_TIMEOUT", "ALERTDESK_DB_LOCK_TIMEOUT",
	"ALERTDESK_OUTBOUND_ALLOW", "ALERTDESK_TRUSTED_PROXIES", "ALERTDESK_POLL_ERROR_AFTER",
	"ALERTDESK_POLL_MINUTE",
}

// testPrefixes are the test suite's and benchmarks' own variables, which
// a developer's shell may hold.
var testPrefixes = []string{"ALERTDESK_TEST_", "ALERTDESK_BENCH_", "ALERTDESK_REQUIRE_SERVICES", "ALERTDESK_SCREENSHOTS", "ALERTDESK_CHROMIUM"}

// Unknown returns the ALERTDESK_* variables of environ (os.Environ's form)
// that nothing reads: a misspelt name would otherwise leave its setting at
// the default without a word.
func Unknown(environ []string) []string {
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "ALERTDESK_") || slices.Contains(Settings, name) {
			continue
		}
		if slices.ContainsFunc(testPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }) {
			continue
		}
		out = append(out, name)
	}
	return out
}
