package graph

import "testing"

func TestWalkFor(t *testing.T) {
	for _, c := range []struct {
		name              string
		need, found, read int
		want              int
	}{
		{"nothing seen: search", 51, 0, 500, 0},
		{"dense: the next size up", 1, 50, 500, 1000},
		{"1 in 100: 46 more in 4,600 rows", 46, 5, 500, 16000},
		{"1 in 500: 50 more in 25,000 rows", 50, 1, 500, 0},
		{"at the cap", 16, 1, 500, 16000},
		{"just past the cap", 17, 1, 500, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := walkFor(c.need, c.found, c.read); got != c.want {
				t.Errorf("walkFor(%d, %d, %d) = %d, want %d", c.need, c.found, c.read, got, c.want)
			}
		})
	}
}
