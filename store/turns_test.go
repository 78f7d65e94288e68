package store

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
)

// TestTurnsInOrder: transactions waiting for a turn get it in the order
// they asked, and one that gives up leaves the queue to the next.
func TestTurnsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := newTurns(1)
		if err := tr.take(context.Background()); err != nil {
			t.Fatal(err)
		}
		const n = 8
		admitted := make(chan int, n)
		quit, stop := context.WithCancel(context.Background())
		for i := range n {
			ctx := context.Background()
			if i == 3 {
				ctx = quit
			}
			go func() {
				if err := tr.take(ctx); err != nil {
					if !errors.Is(err, context.Canceled) {
						t.Errorf("waiter %d: %v", i, err)
					}
					admitted <- -i
					return
				}
				admitted <- i
			}()
			synctest.Wait() // i waits before i+1 asks
		}
		stop()
		if got := <-admitted; got != -3 {
			t.Fatalf("after the cancel, %d came back; want waiter 3 giving up", got)
		}
		for _, want := range []int{0, 1, 2, 4, 5, 6, 7} {
			tr.done()
			synctest.Wait()
			select {
			case got := <-admitted:
				if got != want {
					t.Fatalf("turn went to waiter %d, want %d", got, want)
				}
			default:
				t.Fatalf("no waiter got the turn; want %d", want)
			}
		}
		if w := tr.waits.Load(); w != n {
			t.Errorf("waits = %d, want %d", w, n)
		}
	})
}
