package rest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 6, 12, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 0 ", 0},
		{"-1", 0},
		{"Fri, 12 Jun 2026 10:00:05 GMT", 5 * time.Second},
		{"Fri, 12 Jun 2026 09:00:00 GMT", 0},
		{"soon", 0},
	}
	for _, c := range cases {
		if got := RetryAfter(c.in, now); got != c.want {
			t.Errorf("RetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestRetryable(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&StatusError{Status: 500}, true},
		{&StatusError{Status: 503}, true},
		{&StatusError{Status: 429}, true},
		{&StatusError{Status: 408}, true},
		{&StatusError{Status: 400}, false},
		{&StatusError{Status: 403}, false},
		{&StatusError{Status: 404}, false},
		{errors.New("connection refused"), true},
		{context.Canceled, false},
		{nil, false},
	}
	for _, c := range cases {
		if got := Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

func TestDoWaitsOutRateLimit(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	newReq := func(ctx context.Context) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}
	start := time.Now()
	body, err := Do(context.Background(), srv.Client(), Policy{}, newReq)
	if err != nil || string(body) != "ok" {
		t.Fatalf("Do = %q, %v", body, err)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("did not wait for Retry-After: %v", d)
	}

	// A Retry-After beyond MaxWait is returned to the caller.
	calls.Store(0)
	_, err = Do(context.Background(), srv.Client(), Policy{MaxWait: 100 * time.Millisecond}, newReq)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 429 || se.RetryAfter != time.Second {
		t.Fatalf("err = %v, want 429 with RetryAfter 1s", err)
	}
}
