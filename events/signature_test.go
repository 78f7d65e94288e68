package events_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/alertdesk/alertdesk/events"
)

func TestSignMatchesTheDocumentedRecipe(t *testing.T) {
	body := []byte(`{"event":"RMM_ALERT_TRIGGERED"}`)
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte("1700000000." + string(body)))
	if got, want := events.Sign("s3cret", 1700000000, body), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	body := []byte(`{"a":1}`)
	now := time.Now().Unix()
	ts := strconv.FormatInt(now, 10)
	good := events.Sign("secret", now, body)
	old := strconv.FormatInt(now-3600, 10)
	cases := []struct {
		name, secret, ts, sig string
		body                  []byte
		tolerance             time.Duration
		want                  error
	}{
		{"valid", "secret", ts, good, body, 5 * time.Minute, nil},
		{"wrong secret", "other", ts, good, body, 0, events.ErrBadSignature},
		{"changed body", "secret", ts, good, []byte(`{"a":2}`), 0, events.ErrBadSignature},
		{"changed timestamp", "secret", strconv.FormatInt(now+1, 10), good, body, 0, events.ErrBadSignature},
		{"no prefix", "secret", ts, good[len("sha256="):], body, 0, events.ErrBadSignature},
		{"bad timestamp", "secret", "soon", good, body, 0, events.ErrBadSignature},
		{"stale", "secret", old, events.Sign("secret", now-3600, body), body, 5 * time.Minute, events.ErrStale},
		{"stale without tolerance", "secret", old, events.Sign("secret", now-3600, body), body, 0, nil},
	}
	for _, c := range cases {
		if err := events.Verify(c.secret, c.ts, c.sig, c.body, c.tolerance); !errors.Is(err, c.want) {
			t.Errorf("%s: Verify = %v, want %v", c.name, err, c.want)
		}
	}
}

func TestDeliveryIDIsStable(t *testing.T) {
	if events.DeliveryID(1, 2) != events.DeliveryID(1, 2) || events.DeliveryID(1, 2) == events.DeliveryID(2, 1) ||
		events.DeliveryID(12, 3) == events.DeliveryID(1, 23) {
		t.Fatal("delivery ids are not stable and distinct")
	}
}
