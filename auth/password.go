package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules.
const (
	MinPasswordRunes = 12
	// MaxPasswordBytes bounds what is hashed: argon2 takes any length, but
	// a megabyte "password" is only a way to burn CPU.
	MaxPasswordBytes = 1024
)

// argon2id parameters (RFC 9106's second recommendation, with less
// memory): stored in each hash, so they can be raised later without
// invalidating old hashes.
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
	argonSaltLen = 16
)

//go:embed common-passwords.txt
var commonPasswordList string

var commonPasswords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordList))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" && !strings.HasPrefix(w, "#") {
			m[strings.ToLower(w)] = true
		}
	}
	return m
})

// CheckPassword says what is wrong with a new password, nil when nothing:
// at least MinPasswordRunes characters, at most MaxPasswordBytes bytes, not
// a well-known password, not the email address.
func CheckPassword(password, email string) error {
	switch {
	case utf8.RuneCountInString(password) < MinPasswordRunes:
		return fmt.Errorf("must be at least %d characters", MinPasswordRunes)
	case len(password) > MaxPasswordBytes:
		return fmt.Errorf("must be at most %d bytes", MaxPasswordBytes)
	case commonPasswords()[strings.ToLower(password)]:
		return errors.New("is a commonly used password: choose another")
	case email != "" && strings.EqualFold(strings.TrimSpace(password), strings.TrimSpace(email)):
		return errors.New("must not be the email address")
	}
	return nil
}

// HashPassword returns the argon2id hash of password as a PHC string:
// $argon2id$v=19$m=65536,t=3,p=2$<salt>$<hash> (base64 without padding).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// errBadHash is a stored hash that is not a PHC argon2id string.
var errBadHash = errors.New("auth: stored password hash is not argon2id")

// VerifyPassword reports whether password matches the PHC hash, comparing
// in constant time. An empty or malformed hash matches nothing.
func VerifyPassword(encoded, password string) (bool, error) {
	if encoded == "" {
		return false, nil
	}
	if len(password) > MaxPasswordBytes {
		return false, nil
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

type argonParams struct {
	memory, time uint32
	threads      uint8
}

func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil ||
		p.memory == 0 || p.memory > 1<<20 || p.time == 0 || p.time > 20 || p.threads == 0 {
		return p, nil, nil, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errBadHash
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// dummyHash is verified against when no user matches, so that a sign-in
// for an unknown email takes as long as one for a known email.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password anyone has")
	return h
})

// VerifyNothing spends the time of one verification, for unknown emails.
func VerifyNothing(password string) {
	_, _ = VerifyPassword(dummyHash(), password)
}
