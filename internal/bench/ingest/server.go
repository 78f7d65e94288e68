package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// checkLoopbackURL refuses URLs whose host is not 127.0.0.1 or localhost:
// the benchmark talks to this machine only.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse %q: %w", raw, err)
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost":
		return nil
	}
	return fmt.Errorf("host %q is not 127.0.0.1", u.Hostname())
}

// moduleRoot returns dir, or the directory of the main module's go.mod.
func moduleRoot(ctx context.Context, dir string) (string, error) {
	if dir != "" {
		return filepath.Abs(dir)
	}
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from the alertdesk repository or pass -root")
	}
	return filepath.Dir(mod), nil
}

// buildServer compiles ./cmd/alertdesk of the module at root into bin.
func buildServer(ctx context.Context, root, bin string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/alertdesk")
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/alertdesk: %w\n%s", err, stderr.String())
	}
	return nil
}

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}

// serverConfig is how one alertdesk child process is started.
type serverConfig struct {
	Bin         string
	DataDir     string
	DatabaseURL string
	RedisURL    string
	// Role is ALERTDESK_ROLE (api, worker or all); empty leaves the
	// server's default (all: webhooks, API and background workers).
	Role    string
	LogPath string // stdout and stderr of the child, appended
	// Debug starts the server's profiler listener (ALERTDESK_DEBUG_ADDR).
	Debug bool
	// Env are KEY=VALUE variables set last (-server-env), over the rest.
	Env []string
}

// server is a running alertdesk child process.
type server struct {
	cmd     *exec.Cmd
	addr    string
	debug   string // profiler address, "" when off
	logPath string
	done    chan struct{} // closed when the process has exited
	waitErr error
}

// startServer starts alertdesk with the benchmark's environment on a free
// loopback port. The child's own environment is the parent's minus every
// variable alertdesk reads, so nothing from the caller's shell leaks in;
// what -server-env sets is added on purpose.
func startServer(cfg serverConfig) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(cfg.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "ALERTDESK_") || k == "DATABASE_URL" || k == "REDIS_URL" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"DATABASE_URL="+cfg.DatabaseURL,
		"REDIS_URL="+cfg.RedisURL,
		"ALERTDESK_DEMO=on",
		"ALERTDESK_DATA_DIR="+cfg.DataDir,
		"ALERTDESK_ADDR="+addr,
		"ALERTDESK_LOG_LEVEL=warn",
	)
	if cfg.Role != "" {
		env = append(env, "ALERTDESK_ROLE="+cfg.Role)
	}
	var debug string
	if cfg.Debug {
		if debug, err = freeAddr(); err != nil {
			return nil, err
		}
		env = append(env, "ALERTDESK_DEBUG_ADDR="+debug)
	}
	cmd := exec.Command(cfg.Bin, "serve")
	cmd.Env = append(env, cfg.Env...) // the last of a repeated key wins
	cmd.Dir = cfg.DataDir
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", cfg.Bin, err)
	}
	s := &server{cmd: cmd, addr: addr, debug: debug, logPath: cfg.LogPath, done: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	return s, nil
}

// baseURL is the server's http:// address.
func (s *server) baseURL() string { return "http://" + s.addr }

// pid is the server's process id.
func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls /readyz until it answers 200, the process exits or the
// timeout passes.
func (s *server) waitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	client := &http.Client{Timeout: 2 * time.Second}
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL()+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("readyz: %w", err)
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body))
		} else {
			last = err.Error()
		}
		select {
		case <-s.done:
			return fmt.Errorf("server exited before it was ready (%v); its log:\n%s", s.waitErr, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("server not ready after %s (last answer: %s); its log:\n%s", timeout, last, s.logTail())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends the server with SIGTERM (it drains and closes its pool), then
// SIGKILL if it has not exited after 20 s. Stopping twice is harmless.
func (s *server) stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("signal server: %w", err)
	}
	select {
	case <-s.done:
		return nil
	case <-time.After(20 * time.Second):
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("kill server: %w", err)
	}
	<-s.done
	return errors.New("server did not stop within 20s of SIGTERM; killed")
}

// logTail is the end of the child's output, for error messages.
func (s *server) logTail() string {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// demoIntegration is the part of demo.json the benchmark needs.
type demoIntegration struct {
	ID           int    `json:"id"`
	Provider     string `json:"provider"`
	SecretHeader string `json:"secretHeader"`
	Secret       string `json:"secret"`
}

// readDemo returns the NinjaOne integration from <dataDir>/demo.json.
func readDemo(dataDir string) (demoIntegration, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
	if err != nil {
		return demoIntegration{}, fmt.Errorf("read demo.json: %w", err)
	}
	var demo struct {
		Integrations []demoIntegration `json:"integrations"`
	}
	if err := json.Unmarshal(b, &demo); err != nil {
		return demoIntegration{}, fmt.Errorf("parse demo.json: %w", err)
	}
	for _, in := range demo.Integrations {
		if in.Provider == "ninjaone" {
			if in.Secret == "" || in.ID == 0 {
				return in, errors.New("demo.json: NinjaOne integration without id or secret")
			}
			if in.SecretHeader == "" {
				in.SecretHeader = "X-Alertdesk-Secret"
			}
			return in, nil
		}
	}
	return demoIntegration{}, errors.New("demo.json: no NinjaOne integration")
}

// peakRSS reads VmHWM (the resident set's high-water mark) of pid, in bytes.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read process status: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("unexpected VmHWM line %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("parse VmHWM: %w", err)
			}
			return kb * 1024, nil
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// cpuProfile fetches a CPU profile of d from the server's profiler into
// path.
func (s *server) cpuProfile(ctx context.Context, d time.Duration, path string) error {
	return s.profile(ctx, fmt.Sprintf("profile?seconds=%d", int(d.Seconds())), path)
}

// profile fetches /debug/pprof/<what> from the server's profiler into path.
func (s *server) profile(ctx context.Context, what, path string) error {
	if s.debug == "" {
		return errors.New("server started without its profiler")
	}
	u := fmt.Sprintf("http://%s/debug/pprof/%s", s.debug, what)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("get %s: %s", u, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read %s profile: %w", what, err)
	}
	return os.WriteFile(path, b, 0o644)
}
