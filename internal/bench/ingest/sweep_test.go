package main

import (
	"slices"
	"testing"
)

func TestParseSweep(t *testing.T) {
	tests := []struct {
		in      string
		want    []int
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "1,4,8,16", want: []int{1, 4, 8, 16}},
		{in: " 16, 1 ,", want: []int{16, 1}},
		{in: "0", wantErr: true},
		{in: "65", wantErr: true},
		{in: "4,x", wantErr: true},
		{in: "4,4", wantErr: true},
		{in: "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17", wantErr: true},
	}
	for _, tt := range tests {
		got, err := parseSweep(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("parseSweep(%q): err = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("parseSweep(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
