package secrets

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"
)

// hashPrefix marks a stored webhook secret that is a keyed hash, not the
// secret in clear as rows held it before sealing.
const hashPrefix = "hmac-sha256:"

// HashWebhookSecret is what integrations.webhook_secret holds: a keyed
// hash of the secret, so the secret an RMM sends is compared (in the
// webhook's transaction too) without the stored value opening anything.
func (b *Box) HashWebhookSecret(secret string) string {
	// Every webhook hashes the secret it carries: keyed states are reused
	// (Reset restores the keyed state without rehashing the key).
	mac, _ := b.macs.Get().(hash.Hash)
	if mac == nil {
		mac = hmac.New(sha256.New, b.hashKey)
	}
	mac.Reset()
	mac.Write([]byte(secret))
	var sum [sha256.Size]byte
	out := make([]byte, len(hashPrefix)+hex.EncodedLen(sha256.Size))
	copy(out, hashPrefix)
	hex.Encode(out[len(hashPrefix):], mac.Sum(sum[:0]))
	b.macs.Put(mac)
	return string(out)
}

// IsWebhookSecretHash reports whether a stored webhook secret is a hash
// made by HashWebhookSecret (else it is a clear secret still to seal).
func IsWebhookSecretHash(stored string) bool { return strings.HasPrefix(stored, hashPrefix) }

func webhookAD(tenantID int) []byte {
	return []byte("integration-webhook-secret:" + strconv.Itoa(tenantID))
}

func signingAD(tenantID int) []byte {
	return []byte("event-subscription-secret:" + strconv.Itoa(tenantID))
}

// SealWebhookSecret returns an integration's stored form of a webhook
// secret: its hash (webhook_secret) and the secret sealed to the tenant
// (webhook_secret_sealed), for showing it to admins and registering it
// with the RMM.
func (b *Box) SealWebhookSecret(tenantID int, secret string) (hash string, sealed []byte, err error) {
	sealed, err = b.Seal([]byte(secret), webhookAD(tenantID))
	if err != nil {
		return "", nil, err
	}
	return b.HashWebhookSecret(secret), sealed, nil
}

// OpenWebhookSecret opens webhook_secret_sealed; an empty value is no
// secret.
func (b *Box) OpenWebhookSecret(tenantID int, sealed []byte) (string, error) {
	if len(sealed) == 0 {
		return "", nil
	}
	plain, err := b.Open(sealed, webhookAD(tenantID))
	return string(plain), err
}

// SealSigningSecret seals an event subscription's signing secret to its
// tenant.
func (b *Box) SealSigningSecret(tenantID int, secret string) ([]byte, error) {
	return b.Seal([]byte(secret), signingAD(tenantID))
}

// OpenSigningSecret opens an event subscription's sealed signing secret.
func (b *Box) OpenSigningSecret(tenantID int, sealed []byte) (string, error) {
	plain, err := b.Open(sealed, signingAD(tenantID))
	return string(plain), err
}
