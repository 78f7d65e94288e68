package pipeline

import (
	"errors"
	"fmt"
	"testing"
)

// TestCombinerRemembersOpenConditions: a firing that opened or joined a
// ticket makes its condition's next firing light, one with any other
// outcome forgets it, a replay or a failure changes nothing, and the
// conditions remembered never exceed maxOpen.
func TestCombinerRemembersOpenConditions(t *testing.T) {
	key := conditionKey{1, 2, "cpu"}
	for _, tc := range []struct {
		outcome Outcome
		err     error
		before  bool
		want    bool
	}{
		{Created, nil, false, true},
		{Joined, nil, false, true},
		{Suppressed, nil, true, false},
		{NoRule, nil, true, false},
		{Unmapped, nil, true, false},
		{Stale, nil, true, false},
		{Replay, nil, true, true},
		{Replay, nil, false, false},
		{"", errors.New("lost"), true, true},
		{"", errors.New("lost"), false, false},
	} {
		t.Run(fmt.Sprintf("%s/err=%v/before=%v", tc.outcome, tc.err != nil, tc.before), func(t *testing.T) {
			c := NewCombiner(nil)
			if tc.before {
				c.open[key] = true
			}
			c.judge([]*combined{{firing: true, key: key, res: Result{Outcome: tc.outcome}, err: tc.err}})
			next := &combined{firing: true, key: key}
			if got := c.light(next); got != tc.want {
				t.Errorf("next firing light = %v, want %v", got, tc.want)
			}
		})
	}

	c := NewCombiner(nil)
	for i := range maxOpen + 100 {
		c.judge([]*combined{{firing: true, key: conditionKey{1, 2, fmt.Sprint(i)}, res: Result{Outcome: Created}}})
	}
	if len(c.open) != maxOpen {
		t.Errorf("%d conditions remembered, want at most %d", len(c.open), maxOpen)
	}
	if !c.open[conditionKey{1, 2, fmt.Sprint(maxOpen + 99)}] {
		t.Error("the last condition to open a ticket is forgotten")
	}
}
