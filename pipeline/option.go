package pipeline

import "errors"

// An Option adjusts one Process call.
type Option func(*options)

type options struct {
	secret     string
	withSecret bool
}

// WithWebhookSecret makes Process confirm, inside the event's transaction,
// that the event's integration still exists with this webhook secret, and
// otherwise fail with ErrSecretChanged having changed nothing. A webhook
// authenticated against a remembered secret is thereby judged by the
// secret that was current when its event was applied.
func WithWebhookSecret(secret string) Option {
	return func(o *options) { o.secret, o.withSecret = secret, true }
}

// ErrSecretChanged says the integration is gone or its webhook secret is
// no longer the one the caller authenticated with.
var ErrSecretChanged = errors.New("pipeline: integration removed or its webhook secret changed")
