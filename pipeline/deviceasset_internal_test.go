package pipeline

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/alertdesk/alertdesk/ent/asset"
	"github.com/alertdesk/alertdesk/ent/assetdevice"
)

// TestEnsureAssetCoversTheSchema: the hand-written INSERTs of a device's
// asset set every column but the id and those an alert cannot know, so a
// field added to the schema fails here until the INSERT sets it or is
// listed as left null.
func TestEnsureAssetCoversTheSchema(t *testing.T) {
	for _, tc := range []struct {
		table     string
		set, left []string
		columns   []string
	}{
		{asset.Table, assetInsert, []string{asset.FieldID, asset.FieldRetiredAt, asset.FieldOnline,
			asset.FieldLastContactAt, asset.FieldRmmGoneAt}, asset.Columns},
		{assetdevice.Table, assetDeviceInsert, []string{assetdevice.FieldID}, assetdevice.Columns},
	} {
		got := slices.Sorted(slices.Values(append(slices.Clone(tc.set), tc.left...)))
		want := slices.Sorted(slices.Values(tc.columns))
		if !slices.Equal(got, want) {
			t.Errorf("INSERT INTO %s sets %v (and leaves %v); the schema has %v", tc.table, tc.set, tc.left, want)
		}
	}
}

// TestAssetName: a device's new asset is named as the RMM names the
// device, else by its id, within the schema's limit in bytes and never
// cut inside a character.
func TestAssetName(t *testing.T) {
	for _, tc := range []struct {
		name, device, id, want string
	}{
		{"named", "  host-7 ", "7", "host-7"},
		{"unnamed", " ", "7", "device 7"},
		{"long", strings.Repeat("a", 250), "7", strings.Repeat("a", 200)},
		{"long in three-byte characters", strings.Repeat("€", 100), "7", strings.Repeat("€", 66)},
		{"cut before a four-byte character", strings.Repeat("a", 198) + "😀", "7", strings.Repeat("a", 198)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := assetName(tc.device, tc.id)
			if got != tc.want || len(got) > maxAssetName || !utf8.ValidString(got) {
				t.Errorf("assetName(%q) = %q (%d bytes), want %q", tc.device, got, len(got), tc.want)
			}
			if err := asset.NameValidator(got); err != nil {
				t.Errorf("the schema refuses %q: %v", got, err)
			}
		})
	}
}
