package workflow_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/workflow"
)

// standardVerify is a receiver written from the Standard Webhooks
// specification alone: the key is the base64 after "whsec_", the signed
// content "<webhook-id>.<webhook-timestamp>.<body>", and webhook-signature
// a space-separated list of "<version>,<base64 signature>" of which a
// "v1" one must match.
func standardVerify(secret string, h http.Header, body []byte) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(h.Get("webhook-id") + "." + h.Get("webhook-timestamp") + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range strings.Split(h.Get("webhook-signature"), " ") {
		version, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// The published example of the specification.
const (
	specSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	specID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	specTimestamp = 1614265330
	specBody      = `{"test": 2432232314}`
	specSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
)

func TestSignMatchesTheSpecificationExample(t *testing.T) {
	if got := workflow.Sign(specSecret, specID, specTimestamp, []byte(specBody)); got != specSignature {
		t.Fatalf("Sign = %s, want %s", got, specSignature)
	}
	h := http.Header{}
	h.Set("webhook-id", specID)
	h.Set("webhook-timestamp", strconv.Itoa(specTimestamp))
	h.Set("webhook-signature", specSignature)
	if !standardVerify(specSecret, h, []byte(specBody)) {
		t.Fatal("the specification's receiver refuses its own example")
	}
	if err := workflow.Verify(specSecret, h, []byte(specBody), 0); err != nil {
		t.Fatalf("Verify of the specification's example: %v", err)
	}
}

// A secret set before the whsec_ format is its own bytes: a receiver
// verifies with "whsec_" + base64 of it.
func TestPlainSecretIsItsBytes(t *testing.T) {
	const plain = "a-secret-of-enough-length"
	h := header(plain, "msg_1", time.Now().Unix(), []byte(`{}`))
	if !standardVerify("whsec_"+base64.StdEncoding.EncodeToString([]byte(plain)), h, []byte(`{}`)) {
		t.Fatal("plain secret does not verify as whsec_ + base64 of its bytes")
	}
}

func header(secret, id string, ts int64, body []byte) http.Header {
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	h.Set("webhook-signature", workflow.Sign(secret, id, ts, body))
	return h
}

func TestVerify(t *testing.T) {
	const secret = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
	body := []byte(`{"a":1}`)
	now := time.Now().Unix()
	good := header(secret, "msg_1", now, body)
	with := func(k, v string) http.Header {
		h := good.Clone()
		h.Set(k, v)
		return h
	}
	cases := []struct {
		name, secret string
		h            http.Header
		body         []byte
		tolerance    time.Duration
		want         error
	}{
		{"valid", secret, good, body, 5 * time.Minute, nil},
		{"one of several signatures", secret, with("webhook-signature", "v1,bm9wZQ== "+good.Get("webhook-signature")), body, 0, nil},
		{"wrong secret", "whsec_b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXI=", good, body, 0, workflow.ErrBadSignature},
		{"changed body", secret, good, []byte(`{"a":2}`), 0, workflow.ErrBadSignature},
		{"changed id", secret, with("webhook-id", "msg_2"), body, 0, workflow.ErrBadSignature},
		{"changed timestamp", secret, with("webhook-timestamp", strconv.FormatInt(now+1, 10)), body, 0, workflow.ErrBadSignature},
		{"no version", secret, with("webhook-signature", strings.TrimPrefix(good.Get("webhook-signature"), "v1,")), body, 0, workflow.ErrBadSignature},
		{"bad timestamp", secret, with("webhook-timestamp", "soon"), body, 0, workflow.ErrBadSignature},
		{"stale", secret, header(secret, "msg_1", now-3600, body), body, 5 * time.Minute, workflow.ErrStale},
		{"stale without tolerance", secret, header(secret, "msg_1", now-3600, body), body, 0, nil},
	}
	for _, c := range cases {
		if err := workflow.Verify(c.secret, c.h, c.body, c.tolerance); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
		if ok := standardVerify(c.secret, c.h, c.body); ok != (c.want != workflow.ErrBadSignature) {
			t.Errorf("%s: the specification's receiver says %v", c.name, ok)
		}
	}
}

func TestVerifyLegacy(t *testing.T) {
	body := []byte(`{"a":1}`)
	now := time.Now().Unix()
	mac := hmac.New(sha256.New, []byte("s3cret-s3cret-s3cret"))
	mac.Write([]byte(strconv.FormatInt(now, 10) + "." + string(body)))
	sig := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := workflow.SignLegacy("s3cret-s3cret-s3cret", now, body); got != sig {
		t.Fatalf("SignLegacy = %s, want %s", got, sig)
	}
	if err := workflow.VerifyLegacy("s3cret-s3cret-s3cret", strconv.FormatInt(now, 10), sig, body, time.Minute); err != nil {
		t.Error(err)
	}
	if err := workflow.VerifyLegacy("other-other-other", strconv.FormatInt(now, 10), sig, body, 0); !errors.Is(err, workflow.ErrBadSignature) {
		t.Errorf("wrong secret: %v", err)
	}
}

func TestDeliveryIDIsStable(t *testing.T) {
	if workflow.DeliveryID(1, 2) != workflow.DeliveryID(1, 2) || workflow.DeliveryID(1, 2) == workflow.DeliveryID(2, 1) ||
		workflow.DeliveryID(12, 3) == workflow.DeliveryID(1, 23) {
		t.Fatal("delivery ids are not stable and distinct")
	}
}
