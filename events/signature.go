package events

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Headers of a webhook delivery.
const (
	// HeaderEvent names the event type.
	HeaderEvent = "X-Alertdesk-Event"
	// HeaderTimestamp is the signing time, Unix seconds.
	HeaderTimestamp = "X-Alertdesk-Timestamp"
	// HeaderSignature is "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
	HeaderSignature = "X-Alertdesk-Signature"
	// HeaderDelivery identifies the delivery; it stays the same across
	// retries, so receivers can drop duplicates.
	HeaderDelivery = "X-Alertdesk-Delivery"
)

// Sign returns the X-Alertdesk-Signature value of body sent at timestamp
// (Unix seconds).
func Sign(secret string, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte("."))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("events: signature does not match")
	ErrStale        = errors.New("events: timestamp outside the tolerance")
)

// Verify checks a delivery as a receiver would: the signature over the
// timestamp header and the raw body, in constant time, and a timestamp no
// further than tolerance from now (0 skips that check, against replays).
func Verify(secret, timestamp, signature string, body []byte, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(strings.TrimSpace(timestamp), 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	want := Sign(secret, ts, body)
	if !hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature))) {
		return ErrBadSignature
	}
	if tolerance > 0 {
		if d := time.Since(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
			return ErrStale
		}
	}
	return nil
}
