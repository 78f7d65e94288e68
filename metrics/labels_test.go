package metrics

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func TestOperationLabel(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"", "anonymous"},
		{"TicketList", "TicketList"},
		{"_private2", "_private2"},
		{"2fast", "other"},
		{"bad-name", "other"},
		{"spaced name", "other"},
		{string(make([]byte, maxOperationName+1)), "other"},
	} {
		if got := operationLabel(tc.name); got != tc.want {
			t.Errorf("operationLabel(%q) = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestOperationLabelCap: past maxOperations distinct names, new ones are
// "other" while the names already seen keep their label.
func TestOperationLabelCap(t *testing.T) {
	first := operationLabel("CapFirst")
	for i := 0; i < maxOperations+10; i++ {
		operationLabel(fmt.Sprintf("CapName%d", i))
	}
	if got := operationLabel("CapNeverSeenBefore"); got != "other" {
		t.Errorf("a new name past the cap = %q, want other", got)
	}
	if got := operationLabel("CapFirst"); got != first || got != "CapFirst" {
		t.Errorf("a name seen before the cap = %q", got)
	}
	operations.RLock()
	n := len(operations.seen)
	operations.RUnlock()
	if n > maxOperations {
		t.Errorf("%d names kept, cap %d", n, maxOperations)
	}
}

func TestCodeLabel(t *testing.T) {
	for _, tc := range []struct{ code, want string }{
		{"", "NONE"},
		{"BAD_USER_INPUT", "BAD_USER_INPUT"},
		{"GRAPHQL_VALIDATION_FAILED", "GRAPHQL_VALIDATION_FAILED"},
		{"bad input", "OTHER"},
		{"X_" + string(make([]byte, maxErrorCode)), "OTHER"},
	} {
		if got := codeLabel(tc.code); got != tc.want {
			t.Errorf("codeLabel(%q) = %q, want %q", tc.code, got, tc.want)
		}
	}
}

func TestLeadingName(t *testing.T) {
	for _, tc := range []struct{ doc, want string }{
		{"query Tickets { tickets { id } }", "Tickets"},
		{"\n ,mutation  Close($id: ID!) { x }", "Close"},
		{"subscription Feed{alertEvents{id}}", "Feed"},
		{"{ me { id } }", ""},
		{"query { me { id } }", ""},
		{"# comment\nquery Hidden { x }", ""},
	} {
		if got := leadingName(tc.doc); got != tc.want {
			t.Errorf("leadingName(%q) = %q, want %q", tc.doc, got, tc.want)
		}
	}
}

// TestCachedReadsOncePerTTL: scrapes within the ttl share one read; a
// failed read keeps the last values and counts a scrape error.
func TestCachedReadsOncePerTTL(t *testing.T) {
	desc := prometheus.NewDesc("test_value", "", nil, nil)
	reads := 0
	var fail error
	c := &cached{name: "test", ttl: time.Hour, timeout: time.Minute,
		read: func(context.Context) ([]prometheus.Metric, error) {
			reads++
			if fail != nil {
				return nil, fail
			}
			return []prometheus.Metric{prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, float64(reads))}, nil
		}}
	for range 3 {
		if got := c.collect(); len(got) != 1 {
			t.Fatalf("collect: %d metrics", len(got))
		}
	}
	if reads != 1 {
		t.Errorf("%d reads for 3 scrapes within the ttl, want 1", reads)
	}
	c.at = time.Time{} // expired
	fail = errors.New("redis down")
	errsBefore := counterValue(t, ScrapeErrors.WithLabelValues("test"))
	got := c.collect()
	if reads != 2 || len(got) != 1 {
		t.Fatalf("after a failed read: %d reads, %d metrics (want the last values)", reads, len(got))
	}
	if d := counterValue(t, ScrapeErrors.WithLabelValues("test")) - errsBefore; d != 1 {
		t.Errorf("scrape errors grew by %v, want 1", d)
	}
}

func counterValue(t *testing.T, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}
