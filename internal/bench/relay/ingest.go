package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

type ingestResult struct {
	bin, role string
	round     int
	n         int
	elapsed   time.Duration
	cpu       time.Duration // the server process's, over the measured webhooks
}

func (r ingestResult) cpuPerReq() float64 { return r.cpu.Seconds() * 1000 / float64(r.n) }

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
	cpu0 := processCPU(s.cmd.Process.Pid)
	start := time.Now()
	if err := post("run", 2_000_000, o.ingestN); err != nil {
		return res, err
	}
	res.elapsed = time.Since(start)
	res.cpu = processCPU(s.cmd.Process.Pid) - cpu0
	return res, nil
}

// processCPU is a process's user and system time so far (Linux).
func processCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100 // USER_HZ
}
