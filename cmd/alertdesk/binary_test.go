package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds alertdesk and runs it as an operator would: help and
// version succeed, mistakes exit 1 with a message, and `serve` answers
// `healthcheck` until it is stopped.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "alertdesk")
	build := exec.Command("go", "build", "-ldflags", "-X main.buildTime=2026-12-07T00:00:00Z", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	dir := filepath.Join(t.TempDir(), "data")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	env := append(os.Environ(), "ALERTDESK_DATA_DIR="+dir, "ALERTDESK_ADDR="+addr, "ALERTDESK_DEMO=off",
		"DATABASE_URL=", "REDIS_URL=", "ALERTDESK_LOG_LEVEL=warn")
	run := func(extraEnv []string, args ...string) (string, string, int) {
		t.Helper()
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Env, cmd.Stdout, cmd.Stderr = append(append([]string{}, env...), extraEnv...), &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if err != nil && !errors.As(err, &exit) {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
	}
	for _, tc := range []struct {
		env         []string
		args        []string
		code        int
		out, errOut string
	}{
		{nil, []string{"--help"}, 0, "Available Commands:", ""},
		{nil, []string{"serve", "--help"}, 0, "--role string", ""},
		{nil, []string{"migrate", "--help"}, 0, "status", ""},
		{nil, []string{"version"}, 0, "build time:  2026-12-07T00:00:00Z", ""},
		{nil, []string{"schema"}, 0, "type Query", ""},
		{nil, []string{"frobnicate"}, 1, "", `alertdesk: unknown command "frobnicate"`},
		{nil, []string{"init", "--name", "Acme IT"}, 1, "", `"admin-email" not set`},
		{[]string{"ALERTDESK_LOG_LEVEL=verbose"}, []string{"migrate"}, 1, "", "ALERTDESK_LOG_LEVEL"},
		{[]string{"ALERTDESK_DB_LOCK_TIMEOUT=soon"}, nil, 1, "", "ALERTDESK_DB_LOCK_TIMEOUT"},
		{nil, []string{"healthcheck", "--timeout", "1s"}, 1, "", "unhealthy"},
	} {
		out, errOut, code := run(tc.env, tc.args...)
		if code != tc.code || !strings.Contains(out, tc.out) || !strings.Contains(errOut, tc.errOut) {
			t.Errorf("%v %v: exit %d, stdout %q, stderr %q; want exit %d, %q, %q", tc.env, tc.args, code, out, errOut, tc.code, tc.out, tc.errOut)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("help or a refused command created the data directory (%v)", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var logs bytes.Buffer
	serve := exec.CommandContext(ctx, bin) // no command: serve
	serve.Env, serve.Stdout, serve.Stderr = env, &logs, &logs
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = serve.Process.Kill() }()
	for {
		if _, _, code := run(nil, "healthcheck", "--timeout", "1s"); code == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("serve never became healthy:\n%s", logs.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := serve.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := serve.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v\n%s", err, logs.String())
	}
	if out, _, code := run(nil, "migrate", "status"); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("after serve, migrate status: exit %d\n%s", code, out)
	}
}
