package secrets

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeyFile is the generated key's file name inside the data directory.
const KeyFile = "secret.key"

// ParseKey decodes a base64 (standard or URL, padded or not) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("secrets: key must decode to %d bytes, got %d", KeySize, len(k))
			}
			return k, nil
		}
	}
	return nil, errors.New("secrets: key is not valid base64")
}

// EncodeKey is the configuration form of a key.
func EncodeKey(k []byte) string { return base64.StdEncoding.EncodeToString(k) }

// LoadKey returns the configured key (base64, from ALERTDESK_SECRET_KEY)
// or, when none is configured, the key kept in <dataDir>/secret.key,
// generating it (mode 0600) on first use. generated reports a new key.
func LoadKey(configured, dataDir string) (key []byte, generated bool, err error) {
	if strings.TrimSpace(configured) != "" {
		k, err := ParseKey(configured)
		return k, false, err
	}
	if dataDir == "" {
		return nil, false, errors.New("secrets: no key configured and no data directory to keep one in")
	}
	path := filepath.Join(dataDir, KeyFile)
	if b, err := os.ReadFile(path); err == nil {
		k, err := ParseKey(string(b))
		if err != nil {
			return nil, false, fmt.Errorf("secrets: %s: %w", path, err)
		}
		return k, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("secrets: read %s: %w", path, err)
	}
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, false, fmt.Errorf("secrets: generate key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, false, fmt.Errorf("secrets: create data dir: %w", err)
	}
	// O_EXCL: if another process generated one meanwhile, use theirs.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKey("", dataDir)
	}
	if err != nil {
		return nil, false, fmt.Errorf("secrets: create %s: %w", path, err)
	}
	if _, err := f.WriteString(EncodeKey(k) + "\n"); err != nil {
		f.Close()
		os.Remove(path)
		return nil, false, fmt.Errorf("secrets: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, false, fmt.Errorf("secrets: write %s: %w", path, err)
	}
	return k, true, nil
}
