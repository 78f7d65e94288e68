package secrets_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/alertdesk/alertdesk/secrets"
)

func newBox(t *testing.T, fill byte) *secrets.Box {
	t.Helper()
	b, err := secrets.New(bytes.Repeat([]byte{fill}, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpen(t *testing.T) {
	box := newBox(t, 1)
	sealed, err := box.Seal([]byte(`{"apiKey":"k"}`), []byte("integration:1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("apiKey")) {
		t.Fatal("plaintext visible in sealed value")
	}
	got, err := box.Open(sealed, []byte("integration:1"))
	if err != nil || string(got) != `{"apiKey":"k"}` {
		t.Fatalf("open = %q, %v", got, err)
	}
	again, _ := box.Seal([]byte(`{"apiKey":"k"}`), []byte("integration:1"))
	if bytes.Equal(again, sealed) {
		t.Error("two seals of one value are equal: nonce reused")
	}

	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	cases := []struct {
		name   string
		box    *secrets.Box
		sealed []byte
		ad     string
	}{
		{"wrong key", newBox(t, 2), sealed, "integration:1"},
		{"other row", box, sealed, "integration:2"},
		{"tampered", box, tampered, "integration:1"},
		{"truncated", box, sealed[:10], "integration:1"},
		{"empty", box, nil, "integration:1"},
	}
	for _, c := range cases {
		if _, err := c.box.Open(c.sealed, []byte(c.ad)); !errors.Is(err, secrets.ErrDecrypt) {
			t.Errorf("%s: err = %v, want ErrDecrypt", c.name, err)
		}
	}
}

func TestNewRejectsShortKey(t *testing.T) {
	if _, err := secrets.New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}

func TestLoadKey(t *testing.T) {
	dir := t.TempDir()
	k1, gen, err := secrets.LoadKey("", dir)
	if err != nil || !gen || len(k1) != secrets.KeySize {
		t.Fatalf("first load: %d bytes, generated %v, %v", len(k1), gen, err)
	}
	st, err := os.Stat(filepath.Join(dir, secrets.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	k2, gen, err := secrets.LoadKey("", dir)
	if err != nil || gen || !bytes.Equal(k1, k2) {
		t.Fatalf("second load: generated %v, same %v, %v", gen, bytes.Equal(k1, k2), err)
	}

	configured := bytes.Repeat([]byte{7}, secrets.KeySize)
	k3, gen, err := secrets.LoadKey(secrets.EncodeKey(configured), dir)
	if err != nil || gen || !bytes.Equal(k3, configured) {
		t.Fatalf("configured key: %v %v", gen, err)
	}
	for _, bad := range []string{"not base64!", secrets.EncodeKey([]byte("short"))} {
		if _, _, err := secrets.LoadKey(bad, dir); err == nil {
			t.Errorf("LoadKey(%q) accepted", bad)
		}
	}
	if _, _, err := secrets.LoadKey("", ""); err == nil {
		t.Error("no key and no data dir accepted")
	}
}

func TestCredentialsBoundToIntegration(t *testing.T) {
	box := newBox(t, 3)
	sealed, err := box.SealCredentials(12, []byte(`{"apiKey":"k"}`))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := box.OpenCredentials(12, sealed); err != nil || string(got) != `{"apiKey":"k"}` {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := box.OpenCredentials(13, sealed); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("credentials opened for another integration: %v", err)
	}
}

func TestWebhookSecretHashAndSeal(t *testing.T) {
	box := newBox(t, 4)
	hash, sealed, err := box.SealWebhookSecret(3, "whsec-0123456789")
	if err != nil {
		t.Fatal(err)
	}
	if !secrets.IsWebhookSecretHash(hash) || hash != box.HashWebhookSecret("whsec-0123456789") ||
		bytes.Contains([]byte(hash), []byte("whsec")) || bytes.Contains(sealed, []byte("whsec")) {
		t.Fatalf("hash %q / sealed value leak or mismatch", hash)
	}
	if hash == newBox(t, 5).HashWebhookSecret("whsec-0123456789") {
		t.Error("the hash does not depend on the key")
	}
	if got, err := box.OpenWebhookSecret(3, sealed); err != nil || got != "whsec-0123456789" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := box.OpenWebhookSecret(4, sealed); !errors.Is(err, secrets.ErrDecrypt) {
		t.Errorf("opened for another tenant: %v", err)
	}
	signing, err := box.SealSigningSecret(3, "sign-0123456789abcdef")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := box.OpenWebhookSecret(3, signing); !errors.Is(err, secrets.ErrDecrypt) {
		t.Error("a signing secret opens as a webhook secret")
	}
	if got, err := box.OpenSigningSecret(3, signing); err != nil || got != "sign-0123456789abcdef" {
		t.Fatalf("open signing = %q, %v", got, err)
	}
}

func BenchmarkHashWebhookSecret(b *testing.B) {
	box, _ := secrets.New(bytes.Repeat([]byte{1}, secrets.KeySize))
	b.ReportAllocs()
	for b.Loop() {
		box.HashWebhookSecret("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	}
}
