package worker

import "context"

// UpdateLag is the relay's refresh of the outbox lag gauges.
func (w *Worker) UpdateLag(ctx context.Context) { w.updateLag(ctx) }
