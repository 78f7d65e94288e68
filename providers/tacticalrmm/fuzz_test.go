package tacticalrmm

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/fixtures"
)

func seed(f *testing.F) {
	for _, name := range fixtures.Names() {
		if strings.HasPrefix(name, "tactical-") {
			f.Add(fixtures.Read(name))
		}
	}
	for _, s := range []string{"", "null", "[]", "{}", `""`, `[{}]`, brokenBody} {
		f.Add([]byte(s))
	}
}

func FuzzNormalizeWebhook(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := NormalizeWebhook(body)
		if err != nil {
			return
		}
		if err := ev.Validate(); err != nil {
			t.Fatalf("nil error but invalid event: %v", err)
		}
		if !json.Valid(ev.Raw) || !utf8.Valid(ev.Raw) {
			t.Fatalf("raw is not valid UTF-8 JSON: %q", ev.Raw)
		}
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
			if err := ev.Validate(); err != nil {
				t.Fatalf("nil error but invalid event: %v", err)
			}
			if !json.Valid(ev.Raw) || !utf8.Valid(ev.Raw) {
				t.Fatalf("raw is not valid UTF-8 JSON: %q", ev.Raw)
			}
		}
	})
}
