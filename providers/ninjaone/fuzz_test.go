package ninjaone

import (
	"errors"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

func seed(f *testing.F) {
	for _, name := range fixtures.Names() {
		if strings.HasPrefix(name, "ninjaone-") {
			f.Add(fixtures.Read(name))
		}
	}
	for _, s := range []string{"", "null", "[]", "{}", `[{}]`, `[{"uid":1,"createTime":"1"}]`} {
		f.Add([]byte(s))
	}
	for _, p := range providertest.Poisons("ninjaone") {
		f.Add(p.Body)
	}
}

// checkNormalized: an event a normalizer accepts has every field the
// pipeline needs; once cleaned, it is refused (400: an id no store keeps)
// or it can be stored and read back.
func checkNormalized(t *testing.T, ev event.Event) {
	t.Helper()
	if err := ev.Validate(); err != nil && !errors.Is(err, event.ErrTooLong) {
		t.Fatalf("nil error but invalid event: %v", err)
	}
	if ev = ev.Clean(); ev.Validate() == nil {
		providertest.CheckStorable(t, ev)
	}
}

func FuzzNormalizeWebhook(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := NormalizeWebhook(body)
		if err != nil {
			return
		}
		checkNormalized(t, ev)
	})
}

func FuzzNormalizeAlertsList(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		evs, err := NormalizeAlertsList(body)
		if err != nil {
			if evs != nil {
				t.Fatal("events returned with an error")
			}
			return
		}
		for _, ev := range evs {
			checkNormalized(t, ev)
		}
	})
}
