package config

import (
	"strings"
	"testing"
)

func TestPollErrorAfter(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  int
		err   bool
	}{
		{"", 3, false},
		{"1", 1, false},
		{"100", 100, false},
		{"0", 0, true},
		{"101", 0, true},
		{"three", 0, true},
	} {
		t.Run(tc.value, func(t *testing.T) {
			t.Setenv("ALERTDESK_POLL_ERROR_AFTER", tc.value)
			c, err := FromEnv()
			if tc.err {
				if err == nil || !strings.Contains(err.Error(), "ALERTDESK_POLL_ERROR_AFTER") {
					t.Fatalf("err = %v, want one naming ALERTDESK_POLL_ERROR_AFTER", err)
				}
				return
			}
			if err != nil || c.PollErrorAfter != tc.want {
				t.Fatalf("PollErrorAfter = %d, %v; want %d", c.PollErrorAfter, err, tc.want)
			}
		})
	}
}
