package metrics

import (
	"context"
	"time"
)

type receiptKey struct{}

// WithReceipt marks ctx with when its webhook arrived.
func WithReceipt(ctx context.Context, at time.Time) context.Context {
	return context.WithValue(ctx, receiptKey{}, at)
}

// receipt is when ctx's webhook arrived, if it is a webhook's.
func receipt(ctx context.Context) (time.Time, bool) {
	t, ok := ctx.Value(receiptKey{}).(time.Time)
	return t, ok
}
