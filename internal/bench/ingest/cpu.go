package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTick is the unit of /proc CPU times (USER_HZ); 100 on every Linux
// architecture Go supports.
const clockTick = 10 * time.Millisecond

// cpuUse is CPU time used during a phase, split by who used it.
type cpuUse struct {
	Server   time.Duration // the alertdesk child
	Postgres time.Duration // the backends connected to the scratch database
	Self     time.Duration // this process (load generator and samplers)
	Children time.Duration // children of this process reaped meanwhile (pgbench)
	// Machine is the fraction of all CPUs busy, 0..1.
	Machine float64
	// Wall is how long the measurement lasted.
	Wall time.Duration
}

// Others is the fraction of all CPUs, 0..1, used by processes other than
// the server, the scratch database's backends, this process and pgbench:
// other work on the machine, and PostgreSQL's background processes.
func (u cpuUse) Others() float64 {
	if u.Wall <= 0 {
		return 0
	}
	capacity := float64(u.Wall) * float64(runtime.NumCPU())
	ours := float64(u.Server + u.Postgres + u.Self + u.Children)
	return max(u.Machine-ours/capacity, 0)
}

// cpuWatch measures CPU use from start until stop. PostgreSQL backends
// are polled, because pgbench's backends exit with pgbench: each keeps the
// last value seen, so one that exits loses at most one polling period.
type cpuWatch struct {
	serverPID int
	db        string

	mu       sync.Mutex
	first    map[int]time.Duration // backends already running at start
	last     map[int]time.Duration
	server0  time.Duration
	self0    time.Duration
	child0   time.Duration
	busy0    uint64
	total0   uint64
	start    time.Time
	cancel   context.CancelFunc
	finished chan struct{}
}

// watchCPU starts measuring; serverPID 0 means no server is running.
func watchCPU(ctx context.Context, serverPID int, db string, every time.Duration) (*cpuWatch, error) {
	w := &cpuWatch{serverPID: serverPID, db: db, last: map[int]time.Duration{}, finished: make(chan struct{})}
	var err error
	if w.first, err = backendCPU(db); err != nil {
		return nil, err
	}
	if serverPID != 0 {
		if w.server0, _, err = procCPU(serverPID); err != nil {
			return nil, err
		}
	}
	if w.self0, w.child0, err = ownCPU(); err != nil {
		return nil, err
	}
	if w.busy0, w.total0, err = machineTicks(); err != nil {
		return nil, err
	}
	w.start = time.Now()
	ctx, w.cancel = context.WithCancel(ctx)
	go func() {
		defer close(w.finished)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			w.poll()
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return w, nil
}

func (w *cpuWatch) poll() {
	now, err := backendCPU(w.db)
	if err != nil {
		return // the next poll or stop tries again
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for pid, t := range now {
		w.last[pid] = t
	}
}

// stop ends the measurement.
func (w *cpuWatch) stop() (cpuUse, error) {
	w.cancel()
	<-w.finished
	w.poll()
	u := cpuUse{Wall: time.Since(w.start)}
	if w.serverPID != 0 {
		t, _, err := procCPU(w.serverPID)
		if err != nil {
			return u, err
		}
		u.Server = t - w.server0
	}
	self, child, err := ownCPU()
	if err != nil {
		return u, err
	}
	u.Self, u.Children = self-w.self0, child-w.child0
	busy, total, err := machineTicks()
	if err != nil {
		return u, err
	}
	if total > w.total0 {
		u.Machine = float64(busy-w.busy0) / float64(total-w.total0)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for pid, t := range w.last {
		u.Postgres += t - w.first[pid]
	}
	return u, nil
}

// ownCPU is the CPU time of this process and of its reaped children.
func ownCPU() (self, children time.Duration, err error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0, fmt.Errorf("getrusage: %w", err)
	}
	self = rusageTime(ru)
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0, 0, fmt.Errorf("getrusage: %w", err)
	}
	return self, rusageTime(ru), nil
}

func rusageTime(ru syscall.Rusage) time.Duration {
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU returns utime+stime and the command name of a process.
func procCPU(pid int) (time.Duration, string, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", fmt.Errorf("read process stat: %w", err)
	}
	return parseProcStat(b)
}

// parseProcStat reads comm, utime and stime from a /proc/<pid>/stat line.
func parseProcStat(b []byte) (time.Duration, string, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return 0, "", errors.New("malformed /proc stat")
	}
	comm := string(b[open+1 : end])
	// Fields after the command: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 13 {
		return 0, "", errors.New("short /proc stat")
	}
	ut, err1 := strconv.ParseUint(f[11], 10, 64)
	st, err2 := strconv.ParseUint(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, "", fmt.Errorf("parse /proc stat: %w", err)
	}
	return time.Duration(ut+st) * clockTick, comm, nil
}

// backendCPU returns the CPU time of every PostgreSQL backend connected
// to database db, by pid. Backends show their database in their process
// title: "postgres: 15/main: user db 127.0.0.1(port) state".
func backendCPU(db string) (map[int]time.Duration, error) {
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return nil, fmt.Errorf("list processes: %w", err)
	}
	out := make(map[int]time.Duration)
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		title, err := os.ReadFile(d + "/cmdline")
		if err != nil || !isBackendOf(string(title), db) {
			continue
		}
		t, comm, err := procCPU(pid)
		if err != nil || comm != "postgres" {
			continue // gone, or not PostgreSQL
		}
		out[pid] = t
	}
	return out, nil
}

// isBackendOf says whether a process title is a backend of database db.
func isBackendOf(title, db string) bool {
	rest, ok := strings.CutPrefix(title, "postgres: ")
	if !ok {
		return false
	}
	f := strings.Fields(rest)
	// cluster name (optional, ends with ':'), user, database, …
	if len(f) > 0 && strings.HasSuffix(f[0], ":") {
		f = f[1:]
	}
	return len(f) >= 2 && f[1] == db
}

// machineTicks returns busy and total ticks of all CPUs from /proc/stat.
func machineTicks() (busy, total uint64, err error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[0] != "cpu" {
			continue
		}
		// user nice system idle iowait irq softirq steal ...
		for i, v := range fields[1:] {
			if i >= 8 {
				break // guest time is already in user
			}
			n, err := strconv.ParseUint(v, 10, 64)
			if err != nil {
				return 0, 0, fmt.Errorf("parse /proc/stat: %w", err)
			}
			total += n
			if i != 3 && i != 4 {
				busy += n
			}
		}
		return busy, total, nil
	}
	if err := sc.Err(); err != nil {
		return 0, 0, fmt.Errorf("read /proc/stat: %w", err)
	}
	return 0, 0, errors.New("no cpu line in /proc/stat")
}
