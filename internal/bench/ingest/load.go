package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// webhookBody returns the fixture as one distinct alert: its own seriesUid
// (the alert id), its own deviceId (so its own dedup key, device|condition)
// and organization 2, which the demo tenant maps to its client so the
// catch-all rule opens a ticket.
func webhookBody(fixture []byte, seriesUID string, deviceID, activityID int64) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(fixture, &m); err != nil {
		return nil, fmt.Errorf("parse fixture: %w", err)
	}
	m["id"] = activityID
	m["seriesUid"] = seriesUID
	m["deviceId"] = deviceID
	dev, ok := m["device"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fixture has no device object")
	}
	dev["id"] = deviceID
	dev["organizationId"] = 2
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode webhook: %w", err)
	}
	return b, nil
}

// webhookBodies makes n distinct bodies; tag keeps phases apart and base
// offsets their device ids.
func webhookBodies(fixture []byte, tag string, base int64, n int) ([][]byte, error) {
	out := make([][]byte, n)
	for i := range out {
		b, err := webhookBody(fixture, fmt.Sprintf("bench-%s-%07d", tag, i), base+int64(i), base+int64(i))
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// target is where and how webhooks are posted.
type target struct {
	URL          string
	SecretHeader string
	Secret       string
}

// newClient is a keep-alive client with one connection per worker.
func newClient(c int) *http.Client {
	return &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        2 * c,
			MaxIdleConnsPerHost: 2 * c,
			MaxConnsPerHost:     c,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
	}
}

// loadResult is one run of requests.
type loadResult struct {
	Requests int
	Elapsed  time.Duration
	// Latencies are sorted, one per successful request.
	Latencies []time.Duration
	Failures  int
	// FirstFailure describes one failure, for the error message.
	FirstFailure string
}

// Throughput is successful requests per second.
func (r loadResult) Throughput() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.Latencies)) / r.Elapsed.Seconds()
}

// Percentile returns the nearest-rank p-quantile (0 < p <= 1) of latency.
func (r loadResult) Percentile(p float64) time.Duration { return percentile(r.Latencies, p) }

// percentile is the nearest-rank p-quantile (0 < p <= 1) of sorted; 0 when
// empty. The ingest and pgbench share it so their percentiles compare.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(n))) - 1
	i = min(max(i, 0), n-1)
	return sorted[i]
}

// runLoad posts every body once with c workers and checks that each answer
// is 200 with status "ticket_created".
func runLoad(ctx context.Context, client *http.Client, t target, bodies [][]byte, c int) loadResult {
	type outcome struct {
		lat time.Duration
		err error
	}
	results := make([]outcome, len(bodies))
	next := make(chan int)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for i := range next {
				t0 := time.Now()
				err := postOne(ctx, client, t, bodies[i])
				results[i] = outcome{time.Since(t0), err}
			}
		})
	}
feed:
	for i := range bodies {
		select {
		case next <- i:
		case <-ctx.Done():
			for j := i; j < len(bodies); j++ {
				results[j].err = ctx.Err()
			}
			break feed
		}
	}
	close(next)
	wg.Wait()
	res := loadResult{Requests: len(bodies), Elapsed: time.Since(start)}
	for _, o := range results {
		if o.err != nil {
			if res.Failures == 0 {
				res.FirstFailure = o.err.Error()
			}
			res.Failures++
			continue
		}
		res.Latencies = append(res.Latencies, o.lat)
	}
	slices.Sort(res.Latencies)
	return res
}

// postOne sends one webhook and checks the answer.
func postOne(ctx context.Context, client *http.Client, t target, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("new request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(t.SecretHeader, t.Secret)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(b))
	}
	var answer struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(b, &answer); err != nil {
		return fmt.Errorf("parse answer %q: %w", b, err)
	}
	if answer.Status != "ticket_created" {
		return fmt.Errorf("status %q, want ticket_created: %s", answer.Status, bytes.TrimSpace(b))
	}
	return nil
}
