package graph

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
)

// newWebhookSecret returns 32 random bytes, hex: the same shape the demo
// seed uses.
func newWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return hex.EncodeToString(b), nil
}
