package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/config"
)

func TestLimitsDefaults(t *testing.T) {
	c, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP != config.DefaultHTTP() || c.Database != config.DefaultDatabase() {
		t.Fatalf("limits = %+v %+v, want the defaults", c.HTTP, c.Database)
	}
	if h := c.HTTP; h.WebhookTimeout >= 10*time.Second || h.WriteTimeout <= h.WebhookTimeout || h.WriteTimeout <= h.APITimeout {
		t.Errorf("defaults out of order: %+v", h)
	}
}

func TestLimitsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		check func(c config.Config) bool
		err   string // names the variable when set
	}{
		{env: map[string]string{"ALERTDESK_WEBHOOK_TIMEOUT": "5s", "ALERTDESK_DB_LOCK_TIMEOUT": "0", "ALERTDESK_DB_WEBHOOK_CONNS": "3"},
			check: func(c config.Config) bool {
				return c.HTTP.WebhookTimeout == 5*time.Second && c.Database.LockTimeout == 0 && c.Database.WebhookConns == 3
			}},
		{env: map[string]string{"ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT": "0"},
			check: func(c config.Config) bool { return c.HTTP.UnauthenticatedConnsPerClient == 0 }},
		{env: map[string]string{"ALERTDESK_HTTP_READ_TIMEOUT": "10"}, err: "ALERTDESK_HTTP_READ_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_HTTP_IDLE_TIMEOUT": "0"}, err: "ALERTDESK_HTTP_IDLE_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_HTTP_WRITE_TIMEOUT": "-1s"}, err: "ALERTDESK_HTTP_WRITE_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_DB_STATEMENT_TIMEOUT": "soon"}, err: "ALERTDESK_DB_STATEMENT_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_DB_MAX_CONNS": "1"}, err: "ALERTDESK_DB_MAX_CONNS"},
		{env: map[string]string{"ALERTDESK_DB_WEBHOOK_CONNS": "many"}, err: "ALERTDESK_DB_WEBHOOK_CONNS"},
		{env: map[string]string{"ALERTDESK_HTTP_MAX_HEADER_BYTES": "100"}, err: "ALERTDESK_HTTP_MAX_HEADER_BYTES"},
		{env: map[string]string{"ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT": "-1"}, err: "ALERTDESK_HTTP_UNAUTHENTICATED_CONNS_PER_CLIENT"},
		{env: map[string]string{"ALERTDESK_WEBHOOK_TIMEOUT": "90s"}, err: "ALERTDESK_WEBHOOK_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_API_TIMEOUT": "2m"}, err: "ALERTDESK_API_TIMEOUT"},
		{env: map[string]string{"ALERTDESK_HTTP_READ_HEADER_TIMEOUT": "1m"}, err: "ALERTDESK_HTTP_READ_HEADER_TIMEOUT"},
	} {
		t.Run(strings.Join(keys(tc.env), ","), func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			c, err := config.FromEnv()
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one naming %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("limits = %+v %+v", c.HTTP, c.Database)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	return out
}
