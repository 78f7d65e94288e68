package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestBurstNext(t *testing.T) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	id := 42
	since := t0.Add(-2 * time.Minute)
	summarized := burst{Comments: 3, SummaryID: &id, SummaryCount: 4, SummarySince: &since}
	for _, c := range []struct {
		name     string
		b        burst
		last, at time.Time
		want     burst
		step     stormStep
	}{
		{"first comment of a burst", burst{}, t0, t0.Add(time.Minute), burst{Comments: 1}, ownComment},
		{"last comment of a burst", burst{Comments: 2}, t0, t0.Add(time.Minute), burst{Comments: 3}, ownComment},
		{"past the comments: the summary begins", burst{Comments: 3}, t0, t0.Add(time.Minute),
			burst{Comments: 3, SummaryCount: 1, SummarySince: ptrTime(t0.Add(time.Minute))}, newSummary},
		{"the summary counts on", summarized, t0, t0.Add(time.Minute),
			burst{Comments: 3, SummaryID: &id, SummaryCount: 5, SummarySince: &since}, reviseSummary},
		{"a late firing counts in the summary", summarized, t0, t0.Add(-time.Hour),
			burst{Comments: 3, SummaryID: &id, SummaryCount: 5, SummarySince: &since}, reviseSummary},
		{"a quiet period starts a new burst", summarized, t0, t0.Add(15 * time.Minute), burst{Comments: 1}, ownComment},
		{"just short of the quiet period", summarized, t0, t0.Add(15*time.Minute - time.Second),
			burst{Comments: 3, SummaryID: &id, SummaryCount: 5, SummarySince: &since}, reviseSummary},
		{"no comments: straight to the summary", burst{}, t0, t0.Add(time.Minute),
			burst{SummaryCount: 1, SummarySince: ptrTime(t0.Add(time.Minute))}, newSummary},
	} {
		t.Run(c.name, func(t *testing.T) {
			limit := 3
			if strings.HasPrefix(c.name, "no comments") {
				limit = 0
			}
			got, step := c.b.next(c.last, c.at, limit, 15*time.Minute)
			if step != c.step || got.Comments != c.want.Comments || got.SummaryCount != c.want.SummaryCount ||
				!samePtr(got.SummaryID, c.want.SummaryID) || !samePtr(got.SummarySince, c.want.SummarySince) {
				t.Errorf("next = %+v, %v; want %+v, %v", got, step, c.want, c.step)
			}
		})
	}
}

func TestBurstSummary(t *testing.T) {
	since := time.Date(2026, 12, 6, 10, 2, 0, 0, time.UTC)
	one := burst{SummaryCount: 1, SummarySince: &since}
	if got := one.summary(4, since, "Device: SRV-01"); !strings.Contains(got, "1 more occurrence at 2026-12-06 10:02:00 UTC") ||
		!strings.Contains(got, "occurrences 4th to 4th") || !strings.HasSuffix(got, "Device: SRV-01") {
		t.Errorf("summary = %q", got)
	}
	twelve := burst{SummaryCount: 12, SummarySince: &since}
	if got := twelve.summary(15, since.Add(12*time.Minute), ""); !strings.Contains(got,
		"12 more occurrences between 2026-12-06 10:02:00 UTC and 2026-12-06 10:14:00 UTC (occurrences 4th to 15th") {
		t.Errorf("summary = %q", got)
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func samePtr[T comparable](a, b *T) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}
