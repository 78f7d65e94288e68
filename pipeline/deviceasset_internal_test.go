package pipeline

import (
	"slices"
	"testing"

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
