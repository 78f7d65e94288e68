package storetest

import (
	"bytes"
	"testing"

	"github.com/alertdesk/alertdesk/secrets"
)

// Secrets is the box tests seal with: a fixed key, so every part of one
// test (seed, webhook handler, API) opens what the others sealed.
func Secrets(t testing.TB) *secrets.Box {
	t.Helper()
	box, err := secrets.New(bytes.Repeat([]byte{7}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return box
}
