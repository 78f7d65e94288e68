package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func us(v ...int64) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Microsecond
	}
	return out
}

func TestParseTxnLog(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []time.Duration // in file order
		failed  int
		skipped int
		wantErr bool
	}{
		{name: "empty", in: ""},
		{
			name: "plain",
			in:   "0 1 9639 0 1795844890 281661\n1 1 5706 0 1795844890 282247\n0 2 4569 0 1795844890 286247\n",
			want: us(9639, 5706, 4569),
		},
		{
			name: "no final newline and blank lines",
			in:   "\n0 1 12 0 1795844890 281661\n\n3 7 36200 0 1795844890 282247",
			want: us(12, 36200),
		},
		{
			name: "schedule lag and retries columns",
			in:   "0 81 4621 0 1412881037 912698 3005\n3 0 47423 0 1499414498 34501 3 2\n",
			want: us(4621, 47423),
		},
		{
			name:    "transactions without a latency",
			in:      "0 82 6173 0 1412881037 914578 4304\n0 83 skipped 0 1412881037 914578 5217\n0 0 failed 0 1499414498 84905 9\n1 0 serialization 0 1499414498 84905 9\n2 0 deadlock 0 1499414498 84905 9\n",
			want:    us(6173),
			failed:  3,
			skipped: 1,
		},
		{name: "zero latency", in: "0 1 0 0 1795844890 281661\n", want: us(0)},
		{name: "too few fields", in: "0 1 9639 0 1795844890\n", wantErr: true},
		{name: "too many fields", in: "0 1 9639 0 1795844890 1 2 3 4\n", wantErr: true},
		{name: "latency not a number", in: "0 1 9.5 0 1795844890 281661\n", wantErr: true},
		{name: "negative latency", in: "0 1 -3 0 1795844890 281661\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l txnLog
			err := parseTxnLog(strings.NewReader(tt.in), &l)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if !slices.Equal(l.Latencies, tt.want) {
				t.Errorf("latencies = %v, want %v", l.Latencies, tt.want)
			}
			if l.Failed != tt.failed || l.Skipped != tt.skipped {
				t.Errorf("failed, skipped = %d, %d, want %d, %d", l.Failed, l.Skipped, tt.failed, tt.skipped)
			}
			if l.Lines() != len(tt.want)+tt.failed+tt.skipped {
				t.Errorf("Lines() = %d", l.Lines())
			}
		})
	}
}

func TestNearestRankPercentile(t *testing.T) {
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 0.99, 0},
		{"one", us(7), 0.5, 7 * time.Microsecond},
		{"one max", us(7), 1, 7 * time.Microsecond},
		{"p50 of 100", hundred, 0.50, 50 * time.Millisecond},
		{"p90 of 100", hundred, 0.90, 90 * time.Millisecond},
		{"p99 of 100", hundred, 0.99, 99 * time.Millisecond},
		{"max of 100", hundred, 1, 100 * time.Millisecond},
		{"tiny p is the minimum", hundred, 0.001, 1 * time.Millisecond},
		{"nearest rank rounds up", us(10, 20, 30), 0.5, 20 * time.Microsecond},
		{"p99 of 3 is the max", us(10, 20, 30), 0.99, 30 * time.Microsecond},
		{"p above 1 is the max", us(10, 20, 30), 1.5, 30 * time.Microsecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	// The ingest and pgbench sides must agree on the definition.
	l := loadResult{Latencies: hundred}
	if l.Percentile(0.99) != percentile(hundred, 0.99) {
		t.Error("loadResult.Percentile differs from percentile")
	}
}

func TestReadTxnLogs(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "pgbench-prepared-c16-1")
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("pgbench-prepared-c16-1.4242", "0 1 300 0 1795844890 1\n0 2 100 0 1795844890 2\n")
	write("pgbench-prepared-c16-1.4242.1", "1 1 200 0 1795844890 1\n")
	// Another run's logs and unrelated files stay.
	others := []string{"pgbench-prepared-c16-10.4243", "pgbench-prepared-c16-1.4242.x", "pgbench-prepared-c16-1.", "ingest.pgbench.sql"}
	for _, name := range others {
		write(name, "0 1 999 0 1795844890 1\n")
	}

	l, err := readTxnLogs(prefix)
	if err != nil {
		t.Fatal(err)
	}
	if want := us(100, 200, 300); !slices.Equal(l.Latencies, want) {
		t.Errorf("latencies = %v, want %v (all threads' files, sorted)", l.Latencies, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	slices.Sort(left)
	slices.Sort(others)
	if !slices.Equal(left, others) {
		t.Errorf("files left = %v, want %v", left, others)
	}

	if _, err := readTxnLogs(prefix); err == nil {
		t.Error("no log files: want an error")
	}

	write("pgbench-prepared-c16-1.4244", "0 1 oops 0 1795844890 1\n")
	if _, err := readTxnLogs(prefix); err == nil {
		t.Error("malformed log: want an error")
	}
	if _, err := os.Stat(filepath.Join(dir, "pgbench-prepared-c16-1.4244")); !os.IsNotExist(err) {
		t.Errorf("malformed log not deleted: %v", err)
	}
}

func TestIsLogSuffix(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"4242", true},
		{"4242.1", true},
		{"4242.12", true},
		{"", false},
		{"4242.", false},
		{".1", false},
		{"4242.1.2", false},
		{"42a", false},
		{"4242.x", false},
	}
	for _, tt := range tests {
		if got := isLogSuffix(tt.in); got != tt.want {
			t.Errorf("isLogSuffix(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMergeLatencies(t *testing.T) {
	got := mergeLatencies(us(1, 5, 9), nil, us(2, 3), us(9))
	if want := us(1, 2, 3, 5, 9, 9); !slices.Equal(got, want) {
		t.Errorf("mergeLatencies = %v, want %v", got, want)
	}
}

func TestPgbenchRunLogArgs(t *testing.T) {
	c := pgConn{Host: "127.0.0.1", Port: "5432", User: "postgres"}
	r := pgbenchRun{Mode: "prepared", Clients: 16, Jobs: 2, Duration: 4 * time.Second, LogPrefix: "/tmp/x/pgbench-prepared-c16-1"}
	got := strings.Join(r.args(c, "db", "s.sql"), " ")
	want := "-n -h 127.0.0.1 -p 5432 -U postgres -M prepared -c 16 -j 2 -T 4 -l --log-prefix /tmp/x/pgbench-prepared-c16-1 -f s.sql db"
	if got != want {
		t.Errorf("args = %s\nwant   %s", got, want)
	}
	r.LogPrefix = ""
	if got := strings.Join(r.args(c, "db", "s.sql"), " "); strings.Contains(got, "-l") {
		t.Errorf("args without LogPrefix log: %s", got)
	}
}
