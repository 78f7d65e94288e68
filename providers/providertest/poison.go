package providertest

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/fixtures"
	"github.com/alertdesk/alertdesk/metadata"
)

// Poison is a webhook body that once broke ingest or a stored alert, and
// what it must get: accepted (and readable ever after) or refused with
// 400 and nothing written.
type Poison struct {
	Name     string
	Body     []byte
	Accepted bool
}

// Poisons are the poison bodies of a provider ("ninjaone" or
// "tacticalrmm"), built from its trigger fixture. The normalizers' fuzz
// tests seed them and the webhook tests post them to both stores.
func Poisons(provider string) []Poison {
	var (
		base          []byte
		idKey, devKey string
		condKey       string
		extraKey      string
	)
	switch provider {
	case "ninjaone":
		base, idKey, devKey, condKey, extraKey = fixtures.Read("ninjaone-condition-triggered.json"),
			"seriesUid", "deviceId", "sourceConfigUid", "data"
	case "tacticalrmm":
		base, idKey, devKey, condKey, extraKey = fixtures.Read("tactical-check-trigger.json"),
			"alert_id", "agent_id", "check_id", "threshold"
	default:
		panic("providertest: unknown provider " + provider)
	}
	num := func(lit string) []byte {
		return patch(base, map[string]any{extraKey: map[string]any{"threshold": json.Number(lit)}})
	}
	// Placeholders replaced in the text: encoding/json cannot write a
	// lone surrogate escape itself.
	lone := strings.NewReplacer(`"KEY_PLACEHOLDER"`, `"k\ud800"`, `"VALUE_PLACEHOLDER"`, `"v\udfff\ud800"`)
	surrogates := []byte(lone.Replace(string(patch(base, map[string]any{
		extraKey: map[string]any{"KEY_PLACEHOLDER": "VALUE_PLACEHOLDER"}}))))
	nulID := bytes.Replace(patch(base, map[string]any{idKey: "ID_PLACEHOLDER"}),
		[]byte(`"ID_PLACEHOLDER"`), []byte(`"\u0000"`), 1)
	return []Poison{
		{"number beyond float64", num("1e309"), true},
		{"negative number beyond float64", num("-1.5e400"), true},
		{"number below float64", num("4e-400"), true},
		{"number beyond numeric", num("1e1000000"), true},
		{"number beyond numeric, negative exponent", num("1e-1000000"), true},
		{"number of 200,000 digits", num("1" + strings.Repeat("7", 200_000)), true},
		{"zero with a huge exponent", num("0e999999999999"), true},
		{"lone surrogates in a key and a value", surrogates, true},
		{"NUL in a value", []byte(strings.Replace(string(patch(base, map[string]any{extraKey: "VALUE_PLACEHOLDER"})),
			`"VALUE_PLACEHOLDER"`, `"a\u0000b"`, 1)), true},
		{"alert id of one NUL", nulID, false},
		{"alert id of 10 KB", patch(base, map[string]any{idKey: strings.Repeat("a", 10_000)}), false},
		{"device id of 10 KB", patch(base, map[string]any{devKey: strings.Repeat("d", 10_000)}), false},
		{"condition of 10 KB", patch(base, map[string]any{condKey: strings.Repeat("é", 5_000)}), true},
	}
}

// patch sets top-level keys of a JSON object.
func patch(body []byte, changes map[string]any) []byte {
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		panic("providertest: " + err.Error())
	}
	for k, v := range changes {
		m[k] = v
	}
	out, err := json.Marshal(m)
	if err != nil {
		panic("providertest: " + err.Error())
	}
	return out
}

// CheckStorable fails t unless a cleaned, valid event is one both stores
// keep and Go reads back: valid UTF-8 without NULs in every text, a raw
// payload with nothing left for event.StorableJSON to fix that decodes
// into an alert's metadata, and a dedup key within its column's bound.
func CheckStorable(t testing.TB, ev event.Event) {
	t.Helper()
	texts := []string{ev.ExternalAlertID, ev.ExternalDeviceID, ev.ConditionIdentity, ev.ActivityType,
		ev.AlertClass, ev.SourceType, ev.Message, ev.DeviceName, ev.ExternalOrganizationID,
		ev.AcknowledgedBy, ev.DedupKey()}
	for k, v := range ev.Extra {
		texts = append(texts, k, v)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			t.Fatalf("text a store refuses: %q", s)
		}
	}
	if n := len(ev.DedupKey()); n > event.MaxDedupKeyLen {
		t.Fatalf("dedup key of %d bytes", n)
	}
	if len(ev.Raw) == 0 {
		return
	}
	if !json.Valid(ev.Raw) || !utf8.Valid(ev.Raw) {
		t.Fatalf("raw is not valid UTF-8 JSON: %q", ev.Raw)
	}
	if fixed := event.StorableJSON(ev.Raw); !bytes.Equal(fixed, ev.Raw) {
		t.Fatalf("raw not storable: %q, fixed %q", ev.Raw, fixed)
	}
	var m metadata.Map
	if err := json.Unmarshal(append(append([]byte(`{"raw":`), ev.Raw...), '}'), &m); err != nil {
		t.Fatalf("raw does not read back as metadata: %v", err)
	}
}
