// Package pause waits in loops that must stop when their context ends.
package pause

import (
	"context"
	"time"
)

// For waits d or until ctx ends, reporting whether the time passed.
func For(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
