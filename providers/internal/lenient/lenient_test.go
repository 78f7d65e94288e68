package lenient

import (
	"strings"
	"testing"
	"time"
)

func TestTime(t *testing.T) {
	at := time.Date(2025, 3, 19, 13, 41, 15, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string // in the error; "" for none
	}{
		{in: "1742391675", want: at},
		{in: "1742391675000", want: at},
		{in: "1742391675.5", want: at.Add(500 * time.Millisecond)},
		{in: " 1742391675 ", want: at},
		{in: "2025-03-19T13:41:15Z", want: at},
		{in: "2025-03-19T15:41:15+02:00", want: at},
		{in: "2025-03-19T13:41:15.000Z", want: at},
		{in: "2025-03-19 13:41:15", want: at},
		{in: "2025-03-19 13:41:15+00:00", want: at},
		{in: "2025-03-19T13:41:15", want: at},
		{in: "2025-03-19T13:41:15+0000", want: at},
		{in: "", err: "missing"},
		{in: "2025-03-19", err: "invalid time"},
		{in: "yesterday", err: "invalid time"},
		{in: "0", err: "out of range"},
		{in: "1e20", err: "out of range"},
		{in: "0001-01-01T00:00:00Z", err: "out of range"},
	} {
		got, err := Time(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Time(%q) error = %v, want one containing %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("Time(%q) = %v, %v; want %v in UTC", tc.in, got, err, tc.want)
		}
	}
}

// ISO refuses text without a colon before trying its layouts; that holds
// only while every layout has one.
func TestISOLayoutsHaveColons(t *testing.T) {
	for _, l := range isoLayouts {
		if !strings.Contains(l, ":") {
			t.Errorf("layout %q has no colon: ISO's early refusal would reject its times", l)
		}
	}
}

func BenchmarkTimeEpoch(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Time("1742391675"); err != nil {
			b.Fatal(err)
		}
	}
}
