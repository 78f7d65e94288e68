package pipeline

import (
	"fmt"
	"time"
)

// A storm is a condition firing again and again while its ticket is open.
// The count, the linked alerts, the trace and the workflow events stay one
// per firing; the ticket's comments do not: in a burst (firings less than
// the rule's quiet period apart) the first few get a comment each, and the
// rest one summary comment, rewritten as they come.

// burst is where a condition stands in its current burst.
type burst struct {
	// Comments counts the occurrence comments of this burst.
	Comments int
	// SummaryID is the summary comment, once the burst has one; it counts
	// SummaryCount firings, the first at SummarySince.
	SummaryID    *int
	SummaryCount int
	SummarySince *time.Time
}

// stormStep is what a firing writes on its ticket.
type stormStep int

const (
	ownComment    stormStep = iota // a comment of its own
	newSummary                     // the burst's summary comment
	reviseSummary                  // the summary, rewritten to count it
)

// next is the burst after a firing at `at` (the previous one was at last)
// under a rule's thresholds, and what the firing writes. newSummary leaves
// SummaryID for the caller to set once the comment exists.
func (b burst) next(last, at time.Time, comments int, quiet time.Duration) (burst, stormStep) {
	if at.Sub(last) >= quiet {
		b = burst{}
	}
	if b.Comments < comments {
		b.Comments++
		return b, ownComment
	}
	b.SummaryCount++
	if b.SummaryID == nil || b.SummarySince == nil {
		b.SummaryID, b.SummarySince, b.SummaryCount = nil, &at, 1
		return b, newSummary
	}
	return b, reviseSummary
}

// summary is the summary comment's text after the n-th occurrence.
func (b burst) summary(n int, at time.Time, latest string) string {
	since := b.SummarySince.UTC()
	if at.Before(since) {
		since, at = at, since
	}
	what := "1 more occurrence at " + stormTime(since)
	if b.SummaryCount > 1 {
		what = fmt.Sprintf("%d more occurrences between %s and %s", b.SummaryCount, stormTime(since), stormTime(at))
	}
	return fmt.Sprintf("Alert re-triggered — %s (occurrences %s to %s; every alert is linked to this ticket).\n\nLatest:\n%s",
		what, Ordinal(n-b.SummaryCount+1), Ordinal(n), latest)
}

func stormTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }
