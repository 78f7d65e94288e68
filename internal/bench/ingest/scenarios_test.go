package main

import (
	"slices"
	"testing"
)

func TestParseScenarios(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "first-seen", want: []string{"first-seen"}},
		{in: "storm, refire,first-seen,storm", want: []string{"first-seen", "refire", "storm"}},
		{in: "all", want: []string{"first-seen", "refire", "reset", "mix", "storm", "roles"}},
		{in: "roles,first-seen", want: []string{"first-seen", "roles"}},
		{in: "roles", wantErr: true},
		{in: "mix,first-seen,refire", wantErr: true},
		{in: "first-seen,burst", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseScenarios(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseScenarios(%q): err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseScenarios(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestMixSequence(t *testing.T) {
	tests := []struct {
		weights []int
		n       int
		want    []int // counts per kind
		maxRun  int   // longest run of one kind
	}{
		{weights: []int{70, 20, 10}, n: 100, want: []int{70, 20, 10}, maxRun: 4},
		{weights: []int{7, 2, 1}, n: 10, want: []int{7, 2, 1}, maxRun: 4},
		{weights: []int{7, 2, 1}, n: 1000, want: []int{700, 200, 100}, maxRun: 4},
		{weights: []int{1, 1}, n: 5, want: []int{3, 2}, maxRun: 1},
		{weights: []int{0, 3}, n: 4, want: []int{0, 4}, maxRun: 4},
	}
	for _, tt := range tests {
		seq := mixSequence(tt.weights, tt.n)
		if len(seq) != tt.n {
			t.Fatalf("mixSequence(%v, %d): %d kinds", tt.weights, tt.n, len(seq))
		}
		counts := make([]int, len(tt.weights))
		run, longest := 0, 0
		for i, k := range seq {
			counts[k]++
			if i > 0 && seq[i-1] == k {
				run++
			} else {
				run = 1
			}
			longest = max(longest, run)
		}
		if !slices.Equal(counts, tt.want) {
			t.Errorf("mixSequence(%v, %d) counts %v, want %v", tt.weights, tt.n, counts, tt.want)
		}
		if longest > tt.maxRun {
			t.Errorf("mixSequence(%v, %d): a run of %d of one kind, want at most %d", tt.weights, tt.n, longest, tt.maxRun)
		}
	}
	// Every window of one cycle holds each kind its weight's times.
	seq := mixSequence([]int{7, 2, 1}, 100)
	for start := 0; start+10 <= len(seq); start += 10 {
		c := make([]int, 3)
		for _, k := range seq[start : start+10] {
			c[k]++
		}
		if !slices.Equal(c, []int{7, 2, 1}) {
			t.Errorf("requests %d–%d: counts %v, want [7 2 1]", start, start+9, c)
		}
	}
	if mixSequence(nil, 3) != nil {
		t.Error("no weights: want no sequence")
	}
}
