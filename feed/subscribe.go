package feed

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/redis/go-redis/v9"
)

// subscribe delivers the messages of a Redis channel, decoded, until ctx
// ends. The subscription is confirmed before it returns, so nothing
// published afterwards is missed. A payload decode rejects is logged and
// dropped.
func subscribe[T any](ctx context.Context, rdb redis.UniversalClient, channel string, buffer int, decode func(payload string) (T, error)) (<-chan T, error) {
	sub := rdb.Subscribe(ctx, channel)
	if _, err := sub.Receive(ctx); err != nil {
		sub.Close()
		return nil, fmt.Errorf("feed: subscribe %s: %w", channel, err)
	}
	out := make(chan T, buffer)
	go func() {
		defer close(out)
		defer sub.Close()
		ch := sub.Channel()
		for {
			select {
			case <-ctx.Done():
				return
			case raw, ok := <-ch:
				if !ok {
					return
				}
				v, err := decode(raw.Payload)
				if err != nil {
					slog.Warn("feed: dropping bad message", "channel", raw.Channel, "err", err)
					continue
				}
				select {
				case out <- v:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out, nil
}
