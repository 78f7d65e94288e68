// Package secrets encrypts integration credentials, webhook secrets and
// signing secrets at rest with AES-256-GCM.
// The key comes from configuration (ALERTDESK_SECRET_KEY, base64) or, in
// embedded mode, from a key file generated in the data folder.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
)

// KeySize is the key length in bytes (AES-256).
const KeySize = 32

// version prefixes every sealed value so the format can change later.
const version byte = 1

// ErrDecrypt is returned when a value cannot be opened: wrong key, or
// tampered or truncated data.
var ErrDecrypt = errors.New("secrets: cannot decrypt (wrong key or corrupt data)")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
	// hashKey keys the hashes of secrets compared rather than opened,
	// derived from the key so one setting covers both.
	hashKey []byte
	macs    sync.Pool
}

// New returns a Box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key must be %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("alertdesk secrets: hash key v1"))
	return &Box{aead: aead, hashKey: mac.Sum(nil)}, nil
}

// Seal encrypts plaintext: version byte, random nonce, ciphertext and tag.
// additional binds the value to its owner (such as "integration:12"), so a
// value copied to another row does not open.
func (b *Box) Seal(plaintext, additional []byte) ([]byte, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("secrets: nonce: %w", err)
	}
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+b.aead.Overhead())
	out = append(out, version)
	out = append(out, nonce...)
	return b.aead.Seal(out, nonce, plaintext, additional), nil
}

// Open decrypts a value made by Seal with the same additional data.
func (b *Box) Open(sealed, additional []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrDecrypt
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], additional)
	if err != nil {
		return nil, ErrDecrypt
	}
	return plain, nil
}
