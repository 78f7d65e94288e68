// Package apitoken makes and hashes bearer API tokens. Only the hash is
// stored; the plaintext is shown to its owner once.
package apitoken

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// Prefix starts every token, so a leaked one is recognizable (secret
// scanners, logs).
const Prefix = "adk_"

// New returns a fresh token ("adk_" + 32 random bytes, base64url without
// padding) and its hash for storage.
func New() (token string, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("apitoken: random: %w", err)
	}
	token = Prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, Hash(token), nil
}

// Hash returns the SHA-256 of token as lowercase hex. A fast hash is
// enough: tokens carry 256 bits of randomness, so there is nothing to
// brute-force, unlike passwords (which would need bcrypt/argon2). Being
// deterministic also lets the hash be looked up through a unique index.
func Hash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LooksValid reports whether s has the shape of a token from New, so
// obvious garbage can be refused before a database lookup.
func LooksValid(s string) bool {
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok || len(rest) != base64.RawURLEncoding.EncodedLen(32) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(rest)
	return err == nil
}
