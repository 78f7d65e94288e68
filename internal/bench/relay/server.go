package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// server is a running alertdesk child on a scratch database.
type server struct {
	cmd    *exec.Cmd
	base   string // http://addr
	dir    string
	dbName string
	admin  string
	done   chan struct{}
	demo   demo
}

// demo is the part of demo.json the benchmark needs.
type demo struct {
	TenantID     int    `json:"tenantId"`
	AdminToken   string `json:"adminToken"`
	Integrations []struct {
		ID           int    `json:"id"`
		Provider     string `json:"provider"`
		SecretHeader string `json:"secretHeader"`
		Secret       string `json:"secret"`
	} `json:"integrations"`
}

// startServer creates a scratch database and starts bin on it with the
// demo tenant, in role ("" for the default).
func startServer(ctx context.Context, o options, bin, role string) (*server, error) {
	if err := flushRedis(ctx, o.redisURL); err != nil {
		return nil, err
	}
	s := &server{admin: o.adminURL, dbName: fmt.Sprintf("bench_relay_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9), done: make(chan struct{})}
	if err := s.adminExec(ctx, "CREATE DATABASE "+pgx.Identifier{s.dbName}.Sanitize()); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-relay-")
	if err != nil {
		s.dropDB()
		return nil, err
	}
	s.dir = dir
	u, _ := url.Parse(o.adminURL)
	u.Path = "/" + s.dbName
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.cleanup()
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, "ALERTDESK_") && k != "DATABASE_URL" && k != "REDIS_URL" {
			env = append(env, kv)
		}
	}
	env = append(env, "DATABASE_URL="+u.String(), "REDIS_URL="+o.redisURL, "ALERTDESK_DEMO=on",
		"ALERTDESK_DATA_DIR="+dir, "ALERTDESK_ADDR="+addr, "ALERTDESK_LOG_LEVEL=warn",
		"ALERTDESK_OUTBOUND_ALLOW=127.0.0.1/32", // the outbound webhooks' local sink
		"ALERTDESK_API_RATE_PER_MINUTE=0")       // a thousand subscribers share one token
	if role != "" {
		env = append(env, "ALERTDESK_ROLE="+role)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		s.cleanup()
		return nil, err
	}
	s.cmd = exec.Command(bin, "serve")
	s.cmd.Env, s.cmd.Dir, s.cmd.Stdout, s.cmd.Stderr = env, dir, logf, logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		s.cleanup()
		return nil, err
	}
	go func() {
		_ = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	s.base = "http://" + addr
	if err := s.waitReady(ctx); err != nil {
		s.stop()
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "demo.json"))
	if err == nil {
		err = json.Unmarshal(b, &s.demo)
	}
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("demo.json: %w", err)
	}
	return s, nil
}

func (s *server) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(s.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-s.done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
			return fmt.Errorf("server exited: %s", log)
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.New("server not ready after 60 s")
}

// ninja is the demo NinjaOne integration.
func (s *server) ninja() (id int, header, secret string) {
	for _, in := range s.demo.Integrations {
		if in.Provider == "ninjaone" {
			h := in.SecretHeader
			if h == "" {
				h = "X-Alertdesk-Secret"
			}
			return in.ID, h, in.Secret
		}
	}
	return 0, "", ""
}

// stop ends the server and removes its database and folder.
func (s *server) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(20 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	s.cleanup()
}

func (s *server) cleanup() {
	s.dropDB()
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

func (s *server) dropDB() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = s.adminExec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s.dbName}.Sanitize()+" WITH (FORCE)")
}

func (s *server) adminExec(ctx context.Context, sql string) error {
	c, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("admin connection: %w", err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, sql); err != nil {
		return fmt.Errorf("%s: %w", sql, err)
	}
	return nil
}

// flushRedis empties the benchmark's Redis database: a previous run's
// tasks and fan-out markers would otherwise match this run's entry ids.
func flushRedis(ctx context.Context, u string) error {
	rdb, err := redisClient(u)
	if err != nil {
		return err
	}
	defer rdb.Close()
	if rdb.Options().DB == 0 {
		return errors.New("-redis-url: give a database of its own (not 0): it is emptied before every run")
	}
	if err := rdb.FlushDB(ctx).Err(); err != nil {
		return fmt.Errorf("flush redis: %w", err)
	}
	return nil
}
