package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/spf13/cobra"
)

func (c *cli) healthcheckCmd() *cobra.Command {
	var (
		target  string
		timeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Probe a running alertdesk's /healthz; exit 0 when healthy, else 1",
		Long: `GET /healthz of a running alertdesk, by default the one on this machine at
ALERTDESK_ADDR (ALERTDESK_WORKER_ADDR when ALERTDESK_ROLE is worker), and
exit 0 on 200, else 1: a container health check that needs no shell or
curl in the image.`,
		Example: `  alertdesk healthcheck
  alertdesk healthcheck --url http://10.0.0.5:8080`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u := target
			if u == "" {
				cfg, _, err := c.config()
				if err != nil {
					return err
				}
				// A worker serves its health on its own address.
				addr := cfg.Addr
				if !cfg.RunsAPI() {
					addr = cfg.WorkerAddr
				}
				if u, err = healthURL(addr); err != nil {
					return err
				}
			} else {
				var err error
				if u, err = withHealthPath(u); err != nil {
					return err
				}
			}
			if err := probe(cmd.Context(), u, timeout); err != nil {
				return err
			}
			fmt.Fprintln(c.stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&target, "url", "", "the server's base URL or its /healthz URL (default: http://<ALERTDESK_ADDR>/healthz, or ALERTDESK_WORKER_ADDR's for the worker role, an unspecified host meaning this machine)")
	cmd.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long the probe may take")
	return cmd
}

// healthURL is the /healthz URL of a server listening on addr: a listener
// on every address (":8080", "0.0.0.0:8080", "[::]:8080") is reached on
// this machine's loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("healthcheck: listen address %q: %w", addr, err)
	}
	switch host {
	case "", "0.0.0.0":
		host = "127.0.0.1"
	case "::":
		host = "::1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// withHealthPath adds /healthz to a base URL without a path.
func withHealthPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("healthcheck: --url must be an http:// or https:// URL, not %q", raw)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/healthz"
	}
	return u.String(), nil
}

func probe(ctx context.Context, u string, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	// A transport of its own: no proxy from the environment for a probe of
	// this machine.
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: unhealthy: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: unhealthy: GET %s: %s", u, resp.Status)
	}
	return nil
}
