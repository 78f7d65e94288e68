// Package config reads alertdesk's configuration from the environment.
package config

import (
	"fmt"
	"os"
	"strings"
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
	}
	if c.PublicURL == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.PublicURL = "http://" + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return c, fmt.Errorf("config: DATABASE_URL must be a postgres:// URL")
	}
	switch c.Demo {
	case "auto", "on", "off":
	default:
		return c, fmt.Errorf("config: ALERTDESK_DEMO must be auto, on or off, not %q", c.Demo)
	}
	return c, nil
}

func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
