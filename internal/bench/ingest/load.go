package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// firing is one NinjaOne CONDITION activity, as its webhook sends it.
type firing struct {
	// SeriesPrefix and Series make the seriesUid (the alert's identity), a
	// UUID whose last group is Series in 12 decimal digits, so that the
	// pgbench script can draw it from a number.
	SeriesPrefix string
	Series       int64
	Device       int64  // deviceId: with the condition, the dedup key
	Condition    string // sourceConfigUid; "" keeps the fixture's
	Reset        bool   // statusCode RESET instead of TRIGGERED
	ID           int64  // activity id, new for every event
	At           time.Time
}

// seriesUID is the firing's seriesUid.
func (f firing) seriesUID() string { return fmt.Sprintf("%s%012d", f.SeriesPrefix, f.Series) }

// fixtures are NinjaOne's webhook bodies the firings are made from.
type fixtures struct{ Triggered, Reset []byte }

// webhookBody returns the fixture as the firing: its own seriesUid, id,
// activityTime and deviceId, and organization 2, which the demo tenant
// maps to its client so the catch-all rule opens a ticket.
func webhookBody(fx fixtures, f firing) ([]byte, error) {
	src := fx.Triggered
	if f.Reset {
		src = fx.Reset
	}
	var m map[string]any
	if err := json.Unmarshal(src, &m); err != nil {
		return nil, fmt.Errorf("parse fixture: %w", err)
	}
	m["id"] = f.ID
	m["seriesUid"] = f.seriesUID()
	m["deviceId"] = f.Device
	if f.Condition != "" {
		m["sourceConfigUid"] = f.Condition
	}
	at := f.At
	if at.IsZero() {
		at = time.Now()
	}
	m["activityTime"] = float64(at.UnixMilli()) / 1000
	dev, ok := m["device"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("fixture has no device object")
	}
	dev["id"] = f.Device
	dev["organizationId"] = 2
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode webhook: %w", err)
	}
	return b, nil
}

// request is one webhook and the outcomes its answer may report.
type request struct {
	Body []byte
	Want []string
}

// ingestSeries prefixes the seriesUids of measured and warm-up webhooks.
const ingestSeries = "0be0c4e1-0000-4000-8000-"

// webhookBodies makes n first-seen triggers on distinct devices; base
// keeps phases apart (series, device and activity id).
func webhookBodies(fx fixtures, base int64, n int) ([]request, error) {
	out := make([]request, n)
	for i := range out {
		b, err := webhookBody(fx, firing{SeriesPrefix: ingestSeries, Series: base + int64(i), Device: base + int64(i), ID: base + int64(i)})
		if err != nil {
			return nil, err
		}
		out[i] = request{b, []string{outcomeCreated}}
	}
	return out, nil
}

// Outcomes the webhook answers with (pipeline.Outcome).
const (
	outcomeCreated  = "ticket_created"
	outcomeJoined   = "occurrence_added"
	outcomeResolved = "resolved"
)

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
	// Retries counts 503 answers ("busy, retry") sent again, as an RMM
	// retries; a request's latency runs from its first attempt.
	Retries int
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

// runLoad posts every request once with c workers and checks that each
// answer is 200 with one of the request's outcomes.
func runLoad(ctx context.Context, client *http.Client, t target, bodies []request, c int) loadResult {
	type outcome struct {
		lat     time.Duration
		err     error
		retries int
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
				n := 0
				for ; errors.Is(err, errBusy) && n < maxRetries; n++ {
					time.Sleep(retryPause)
					err = postOne(ctx, client, t, bodies[i])
				}
				results[i] = outcome{time.Since(t0), err, n}
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
		res.Retries += o.retries
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

// errBusy is a 503: the server shed the request, nothing was recorded.
var errBusy = errors.New("status 503")

// A shed request is sent again after retryPause, up to maxRetries times.
const (
	maxRetries = 100
	retryPause = 20 * time.Millisecond
)

// postOne sends one webhook and checks the answer.
func postOne(ctx context.Context, client *http.Client, t target, r request) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(r.Body))
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
	if resp.StatusCode == http.StatusServiceUnavailable {
		return fmt.Errorf("%w: %s", errBusy, bytes.TrimSpace(b))
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
	if !slices.Contains(r.Want, answer.Status) {
		return fmt.Errorf("status %q, want %s: %s", answer.Status, strings.Join(r.Want, " or "), bytes.TrimSpace(b))
	}
	return nil
}
