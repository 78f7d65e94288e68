package workflow

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook delivery. The signature follows Standard Webhooks
// (https://www.standardwebhooks.com/), so receivers can verify with any of
// its libraries.
const (
	// HeaderID is the delivery id; it stays the same across retries, so
	// receivers can drop duplicates.
	HeaderID = "webhook-id"
	// HeaderTimestamp is the signing time, Unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature is "v1," + base64 HMAC-SHA256 of
	// "<id>.<timestamp>.<body>", keyed with the secret's bytes.
	HeaderSignature = "webhook-signature"
	// HeaderEvent names the event type.
	HeaderEvent = "X-Alertdesk-Event"
)

// The headers of alertdesk's first signature scheme, still sent so that
// receivers written for it keep working; deprecated.
const (
	// LegacyHeaderTimestamp is the signing time, Unix seconds.
	LegacyHeaderTimestamp = "X-Alertdesk-Timestamp"
	// LegacyHeaderSignature is "sha256=" + hex HMAC-SHA256 of
	// "<timestamp>.<body>", keyed with the secret string as it is.
	LegacyHeaderSignature = "X-Alertdesk-Signature"
	// LegacyHeaderDelivery is the delivery id, as HeaderID.
	LegacyHeaderDelivery = "X-Alertdesk-Delivery"
)

// SecretPrefix starts a Standard Webhooks secret: the base64 of the key's
// bytes follows it.
const SecretPrefix = "whsec_"

// Key lengths Standard Webhooks allows for a secret.
const (
	minKey = 24
	maxKey = 64
)

// signingKey is the HMAC key of a secret: a "whsec_" secret's base64 part
// decoded; any other secret (set by a caller before the format changed)
// as its bytes, which receivers pass as "whsec_" + base64 of it.
func signingKey(secret string) []byte {
	if b64, ok := strings.CutPrefix(secret, SecretPrefix); ok {
		if key, err := base64.StdEncoding.DecodeString(b64); err == nil {
			return key
		}
	}
	return []byte(secret)
}

// checkStandardSecret checks a "whsec_" secret: base64 of 24 to 64 bytes.
func checkStandardSecret(secret string) bool {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	return err == nil && len(key) >= minKey && len(key) <= maxKey
}

// Sign returns the webhook-signature value of the delivery id sent at
// timestamp (Unix seconds) with body.
func Sign(secret, id string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, signingKey(secret))
	mac.Write([]byte(id))
	mac.Write([]byte("."))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SignLegacy returns the X-Alertdesk-Signature value of body sent at
// timestamp: the first scheme, kept for its receivers.
func SignLegacy(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// setSignature puts a delivery's id, time and signatures in h.
func setSignature(h http.Header, secret, id string, now time.Time, body []byte) {
	ts := now.Unix()
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(HeaderSignature, Sign(secret, id, ts, body))
	h.Set(LegacyHeaderDelivery, id)
	h.Set(LegacyHeaderTimestamp, strconv.FormatInt(ts, 10))
	h.Set(LegacyHeaderSignature, SignLegacy(secret, ts, body))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("events: signature does not match")
	ErrStale        = errors.New("events: timestamp outside the tolerance")
)

// Verify checks a delivery as a Standard Webhooks receiver does: one of
// the webhook-signature header's space-separated "v1,…" signatures
// matches the id, timestamp and raw body, compared in constant time, and
// the timestamp is no further than tolerance from now (0 skips that
// check, against replays).
func Verify(secret string, h http.Header, body []byte, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(h.Get(HeaderTimestamp)), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	want := Sign(secret, h.Get(HeaderID), ts, body)
	ok := false
	for _, sig := range strings.Fields(h.Get(HeaderSignature)) {
		if hmac.Equal([]byte(want), []byte(sig)) {
			ok = true
		}
	}
	if !ok {
		return ErrBadSignature
	}
	return fresh(ts, tolerance)
}

// VerifyLegacy checks a delivery's X-Alertdesk-Signature over the
// X-Alertdesk-Timestamp header and the raw body, in constant time, and
// its timestamp as Verify does.
func VerifyLegacy(secret, timestamp, signature string, body []byte, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(SignLegacy(secret, ts, body)), []byte(strings.TrimSpace(signature))) {
		return ErrBadSignature
	}
	return fresh(ts, tolerance)
}

func fresh(ts int64, tolerance time.Duration) error {
	if tolerance > 0 {
		if d := time.Since(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return ErrStale
		}
	}
	return nil
}
