package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// txnLog is what pgbench's per-transaction log (-l) recorded for a run.
type txnLog struct {
	// Latencies are the successful transactions' elapsed times, sorted.
	Latencies []time.Duration
	// Failed counts transactions logged as failed, serialization or
	// deadlock; Skipped those logged as skipped (--rate with
	// --latency-limit only). Neither has a latency.
	Failed  int
	Skipped int
}

// Lines is the number of transactions the log holds.
func (l txnLog) Lines() int { return len(l.Latencies) + l.Failed + l.Skipped }

// parseTxnLog adds the transactions of one log file to l. A line is
// "client_id transaction_no time script_no time_epoch time_us
// [schedule_lag] [retries]", time being the latency in microseconds or a
// word for a transaction that has none.
func parseTxnLog(r io.Reader, l *txnLog) error {
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Fields(line)
		if len(f) < 6 || len(f) > 8 {
			return fmt.Errorf("line %d: %d fields, want 6 to 8: %q", n, len(f), line)
		}
		switch f[2] {
		case "failed", "serialization", "deadlock":
			l.Failed++
			continue
		case "skipped":
			l.Skipped++
			continue
		}
		us, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || us < 0 {
			return fmt.Errorf("line %d: latency %q is not a count of microseconds", n, f[2])
		}
		l.Latencies = append(l.Latencies, time.Duration(us)*time.Microsecond)
	}
	return sc.Err()
}

// txnLogFiles lists the log files pgbench wrote for prefix: prefix.<pid>
// from the first thread and prefix.<pid>.<n> from the others.
func txnLogFiles(prefix string) ([]string, error) {
	dir, base := filepath.Split(prefix)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("pgbench logs: %w", err)
	}
	var out []string
	for _, e := range entries {
		if rest, ok := strings.CutPrefix(e.Name(), base+"."); ok && isLogSuffix(rest) && e.Type().IsRegular() {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// isLogSuffix reports whether s is "<pid>" or "<pid>.<thread>".
func isLogSuffix(s string) bool {
	pid, thread, two := strings.Cut(s, ".")
	return allDigits(pid) && (!two || allDigits(thread))
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readTxnLogs parses and then deletes every log file of prefix; they grow
// by a line per transaction. The files are deleted even when parsing fails.
func readTxnLogs(prefix string) (txnLog, error) {
	var l txnLog
	files, err := txnLogFiles(prefix)
	if err != nil {
		return l, err
	}
	defer removeFiles(files)
	if len(files) == 0 {
		return l, fmt.Errorf("pgbench wrote no log file %s.*", prefix)
	}
	for _, name := range files {
		if err := parseTxnLogFile(name, &l); err != nil {
			return l, err
		}
	}
	slices.Sort(l.Latencies)
	return l, nil
}

func parseTxnLogFile(name string, l *txnLog) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("pgbench log: %w", err)
	}
	defer f.Close()
	if err := parseTxnLog(f, l); err != nil {
		return fmt.Errorf("pgbench log %s: %w", filepath.Base(name), err)
	}
	return nil
}

// removeTxnLogs deletes the log files of prefix, for a run that failed.
func removeTxnLogs(prefix string) {
	if files, err := txnLogFiles(prefix); err == nil {
		removeFiles(files)
	}
}

func removeFiles(names []string) {
	for _, name := range names {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("remove pgbench log", "err", err)
		}
	}
}

// mergeLatencies joins sorted latency lists into one sorted list.
func mergeLatencies(lists ...[]time.Duration) []time.Duration {
	var out []time.Duration
	for _, l := range lists {
		out = append(out, l...)
	}
	slices.Sort(out)
	return out
}
