package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

type ingestResult struct {
	bin, role string
	round     int
	n         int
	elapsed   time.Duration
}

func (r ingestResult) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

// ingestRun posts warm-up and then measured webhooks at concurrency C.
func ingestRun(ctx context.Context, o options, b binary, role string) (ingestResult, error) {
	res := ingestResult{bin: b.name, role: role, n: o.ingestN}
	s, err := startServer(ctx, o, b.path, role)
	if err != nil {
		return res, err
	}
	defer s.stop()
	post := func(tag string, base, n int) error {
		bodies := make([][]byte, n)
		for i := range bodies {
			bodies[i] = webhookBody(tag, base, i)
		}
		var next atomic.Int64
		var wg sync.WaitGroup
		errc := make(chan error, o.c)
		for range o.c {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					i := int(next.Add(1)) - 1
					if i >= n || ctx.Err() != nil {
						return
					}
					if _, err := postWebhook(s, bodies[i]); err != nil {
						errc <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
			return ctx.Err()
		}
	}
	if err := post("warm", 1_000_000, o.warmup); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	start := time.Now()
	if err := post("run", 2_000_000, o.ingestN); err != nil {
		return res, err
	}
	res.elapsed = time.Since(start)
	return res, nil
}
