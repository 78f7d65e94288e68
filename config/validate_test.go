package config

import (
	"strings"
	"testing"
)

// TestSettingsRefused: every setting with a form refuses a malformed
// value with a message naming it, and takes a well-formed one.
func TestSettingsRefused(t *testing.T) {
	const key = "YWxlcnRkZXNrLXRlc3Qta2V5LTAwMDAwMDAwMDAwMDA=" // 32 bytes
	for _, tc := range []struct {
		env  map[string]string
		name string // the setting the error must name; "" for a valid value
	}{
		{map[string]string{"ALERTDESK_LOG_LEVEL": "verbose"}, "ALERTDESK_LOG_LEVEL"},
		{map[string]string{"ALERTDESK_LOG_LEVEL": "warning"}, "ALERTDESK_LOG_LEVEL"},
		{map[string]string{"ALERTDESK_LOG_LEVEL": "DEBUG"}, ""},
		{map[string]string{"ALERTDESK_LOG_LEVEL": "error"}, ""},
		{map[string]string{"ALERTDESK_LOG_FORMAT": "logfmt"}, "ALERTDESK_LOG_FORMAT"},
		{map[string]string{"ALERTDESK_LOG_FORMAT": "JSON"}, ""},
		{map[string]string{"ALERTDESK_LOG_FORMAT": "text"}, ""},
		{map[string]string{"ALERTDESK_DEMO": "yes"}, "ALERTDESK_DEMO"},
		{map[string]string{"ALERTDESK_DEMO": "Off"}, ""},
		{map[string]string{"ALERTDESK_ROLE": "scheduler"}, "ALERTDESK_ROLE"},
		{map[string]string{"ALERTDESK_ROLE": "worker"}, ""},
		{map[string]string{"ALERTDESK_ADDR": "8080"}, "ALERTDESK_ADDR"},
		{map[string]string{"ALERTDESK_ADDR": ":http"}, "ALERTDESK_ADDR"},
		{map[string]string{"ALERTDESK_ADDR": ":70000"}, "ALERTDESK_ADDR"},
		{map[string]string{"ALERTDESK_ADDR": "127.0.0.1:0"}, ""},
		{map[string]string{"ALERTDESK_ADDR": "[::1]:8080"}, ""},
		{map[string]string{"ALERTDESK_DEBUG_ADDR": "localhost"}, "ALERTDESK_DEBUG_ADDR"},
		{map[string]string{"ALERTDESK_DEBUG_ADDR": "127.0.0.1:6060"}, ""},
		{map[string]string{"ALERTDESK_WORKER_ADDR": "9091"}, "ALERTDESK_WORKER_ADDR"},
		{map[string]string{"ALERTDESK_WORKER_ADDR": "127.0.0.1:9091"}, ""},
		{map[string]string{"ALERTDESK_PUBLIC_URL": "desk.example.com"}, "ALERTDESK_PUBLIC_URL"},
		{map[string]string{"ALERTDESK_PUBLIC_URL": "ftp://desk.example.com"}, "ALERTDESK_PUBLIC_URL"},
		{map[string]string{"ALERTDESK_PUBLIC_URL": "https://desk.example.com?x=1"}, "ALERTDESK_PUBLIC_URL"},
		{map[string]string{"ALERTDESK_PUBLIC_URL": "https://desk.example.com/alertdesk/"}, ""},
		{map[string]string{"DATABASE_URL": "mysql://db/x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://u:pw@db:port/x"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgres://u:pw@db/x?sslmode=sometimes"}, "DATABASE_URL"},
		{map[string]string{"DATABASE_URL": "postgresql://u:pw@db:5432/x?sslmode=disable"}, ""},
		{map[string]string{"REDIS_URL": "localhost:6379"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "redis://localhost:6379/x"}, "REDIS_URL"},
		{map[string]string{"REDIS_URL": "rediss://:pw@cache:6380/2"}, ""},
		{map[string]string{"ALERTDESK_SECRET_KEY": "not base64!"}, "ALERTDESK_SECRET_KEY"},
		{map[string]string{"ALERTDESK_SECRET_KEY": "c2hvcnQ="}, "ALERTDESK_SECRET_KEY"},
		{map[string]string{"ALERTDESK_SECRET_KEY": key}, ""},
		{map[string]string{"ALERTDESK_SMTP_PORT": "0"}, "ALERTDESK_SMTP_PORT"},
		{map[string]string{"ALERTDESK_SMTP_PORT": "smtp"}, "ALERTDESK_SMTP_PORT"},
		{map[string]string{"ALERTDESK_SMTP_HOST": "mail.example.com:587", "ALERTDESK_SMTP_FROM": "a@example.com"}, "ALERTDESK_SMTP_HOST"},
		{map[string]string{"ALERTDESK_SMTP_HOST": "smtp://mail.example.com", "ALERTDESK_SMTP_FROM": "a@example.com"}, "ALERTDESK_SMTP_HOST"},
		{map[string]string{"ALERTDESK_SMTP_HOST": "mail.example.com"}, "ALERTDESK_SMTP_FROM"},
		{map[string]string{"ALERTDESK_SMTP_HOST": "mail.example.com", "ALERTDESK_SMTP_FROM": "alerts at example.com"}, "ALERTDESK_SMTP_FROM"},
		{map[string]string{"ALERTDESK_SMTP_HOST": "mail.example.com", "ALERTDESK_SMTP_FROM": "alertdesk <alerts@example.com>"}, ""},
		{map[string]string{"ALERTDESK_SMTP_USER": "ann"}, "ALERTDESK_SMTP_PASSWORD"},
		{map[string]string{"ALERTDESK_SMTP_PASSWORD": "pw"}, "ALERTDESK_SMTP_USER"},
		{map[string]string{"ALERTDESK_NINJAONE_CLIENT_ID": "id"}, "ALERTDESK_NINJAONE_CLIENT_SECRET"},
		{map[string]string{"ALERTDESK_NINJAONE_CLIENT_SECRET": "s"}, "ALERTDESK_NINJAONE_CLIENT_ID"},
		{map[string]string{"ALERTDESK_NINJAONE_CLIENT_ID": "id", "ALERTDESK_NINJAONE_CLIENT_SECRET": "s"}, ""},
		{map[string]string{"ALERTDESK_OIDC_ISSUER": "login.example.com", "ALERTDESK_OIDC_CLIENT_ID": "c"}, "ALERTDESK_OIDC_ISSUER"},
		{map[string]string{"ALERTDESK_OIDC_ISSUER": "https://login.example.com"}, "ALERTDESK_OIDC_CLIENT_ID"},
		{map[string]string{"ALERTDESK_OIDC_ISSUER": "https://accounts.google.com", "ALERTDESK_OIDC_CLIENT_ID": "c"}, ""},
		{map[string]string{"ALERTDESK_API_MAX_DEPTH": "deep"}, "ALERTDESK_API_MAX_DEPTH"},
		{map[string]string{"ALERTDESK_HTTP_READ_TIMEOUT": "30"}, "ALERTDESK_HTTP_READ_TIMEOUT"},
		{map[string]string{"ALERTDESK_DB_LOCK_TIMEOUT": "-1s"}, "ALERTDESK_DB_LOCK_TIMEOUT"},
		{map[string]string{"ALERTDESK_DB_MAX_CONNS": "1"}, "ALERTDESK_DB_MAX_CONNS"},
		{map[string]string{"ALERTDESK_OUTBOUND_ALLOW": "intranet"}, "ALERTDESK_OUTBOUND_ALLOW"},
		{map[string]string{"ALERTDESK_POLL_ERROR_AFTER": "0"}, "ALERTDESK_POLL_ERROR_AFTER"},
		{map[string]string{"GOGC": "lots"}, "GOGC"},
		{map[string]string{"GOGC": "-5"}, "GOGC"},
		{map[string]string{"GOGC": "off"}, ""},
		{map[string]string{"GOGC": "400"}, ""},
	} {
		var desc []string
		for k, v := range tc.env {
			t.Setenv(k, v)
			desc = append(desc, k+"="+v)
		}
		t.Run(strings.Join(desc, ","), func(t *testing.T) {
			_, err := FromEnv()
			switch {
			case tc.name == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.name != "" && (err == nil || !strings.Contains(err.Error(), tc.name)):
				t.Errorf("error %v, want one naming %s", err, tc.name)
			case err != nil && strings.Contains(err.Error(), ":pw@"):
				t.Errorf("error shows the password: %v", err)
			}
		})
		for k := range tc.env {
			t.Setenv(k, "")
		}
	}
}
