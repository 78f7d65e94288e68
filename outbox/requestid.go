package outbox

import (
	"context"

	"github.com/alertdesk/alertdesk/requestid"
)

// RequestIDKey is the payload field that carries the request id of the
// work that wrote an entry (a webhook, an API call), so the worker that
// delivers it logs that id and sends it on its outbound calls. Consumers
// never see it in Entry.Payload.
const RequestIDKey = "requestId"

// Stamp adds ctx's request id, if any, to payload (in place) and returns
// payload.
func Stamp(ctx context.Context, payload map[string]any) map[string]any {
	if id := requestid.From(ctx); id != "" && payload != nil {
		payload[RequestIDKey] = id
	}
	return payload
}

// TakeRequestID removes the request id from a stored payload and returns
// it ("" without one, or when it is not a sane id).
func TakeRequestID(payload map[string]any) string {
	id, _ := payload[RequestIDKey].(string)
	delete(payload, RequestIDKey)
	if !requestid.Valid(id) {
		return ""
	}
	return id
}
