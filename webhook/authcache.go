package webhook

import (
	"crypto/subtle"
	"sync"

	"github.com/alertdesk/alertdesk/event"
)

// maxRemembered bounds the cache: one entry per integration that sent a
// webhook.
const maxRemembered = 10000

// authCache remembers each integration's tenant and webhook secret, so a
// webhook carrying the right secret is authenticated without a query. The
// pipeline confirms every such secret inside the event's transaction
// (pipeline.WithWebhookSecret); when the integration was removed or its
// secret rotated, the entry is forgotten and the request refused.
type authCache struct {
	mu sync.RWMutex
	m  map[int]credentials
}

// credentials are what authenticating a webhook yields.
type credentials struct {
	integrationID int
	tenantID      int
	provider      event.Provider
	// secret is the stored hash of the webhook secret.
	secret string
	// remembered says the secret was matched from the cache, so it is
	// still to be confirmed.
	remembered bool
}

// match returns the remembered credentials of the integration when it is
// the provider's and got (the hash of the secret sent) is its remembered
// secret's hash (compared in constant time).
func (c *authCache) match(integrationID int, provider event.Provider, got string) (credentials, bool) {
	c.mu.RLock()
	cr, ok := c.m[integrationID]
	c.mu.RUnlock()
	if !ok || cr.provider != provider || got == "" ||
		subtle.ConstantTimeCompare([]byte(got), []byte(cr.secret)) != 1 {
		return credentials{}, false
	}
	cr.remembered = true
	return cr, true
}

func (c *authCache) remember(cr credentials) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[int]credentials)
	}
	if _, ok := c.m[cr.integrationID]; !ok && len(c.m) >= maxRemembered {
		for id := range c.m {
			delete(c.m, id)
			break
		}
	}
	c.m[cr.integrationID] = cr
}

func (c *authCache) forget(integrationID int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, integrationID)
}
