package event

// Batch is a webhook that carries many alerts (Alertmanager's
// notifications), normalized: one item per alert, in the body's order.
type Batch struct {
	Items []BatchItem
	// Truncated counts the alerts the sender left out of the body.
	Truncated int
}

// BatchItem is one alert of a batch: its event, or why it cannot be one
// (Err, wrapping ErrIgnored for an alert that is no alert event).
type BatchItem struct {
	// Index is the alert's position in the body.
	Index int
	// Ref is how the sender names the alert (Alertmanager's fingerprint),
	// when it could be read.
	Ref   string
	Event Event
	Err   error
}
