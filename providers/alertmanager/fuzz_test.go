package alertmanager

import (
	"errors"
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
	"github.com/alertdesk/alertdesk/providers/providertest"
)

// FuzzNormalize: whatever the body and labels, Normalize does not panic;
// a notification's items follow its alerts; every accepted alert has what
// the pipeline needs and, once cleaned, is refused (an id too long) or
// storable; and its condition depends on the labels, not their order.
func FuzzNormalize(f *testing.F) {
	f.Add(fixture(f), "job,mountpoint")
	for _, s := range []string{"", "null", "[]", "{}", `{"alerts":[]}`, `{"alerts":[{}]}`, `{"alerts":[null,1,"x"]}`,
		string(body(`{"status":"resolved","fingerprint":"\u0000","startsAt":"2026-06-12T10:00:00Z","labels":{"instance":"\ud800"}}`))} {
		f.Add([]byte(s), "")
	}
	f.Fuzz(func(t *testing.T, b []byte, labelList string) {
		labels := strings.Split(labelList, ",")
		batch, err := Normalize(b, labels)
		if err != nil {
			if len(batch.Items) != 0 {
				t.Fatal("items returned with an error")
			}
			return
		}
		reversed := make([]string, len(labels))
		for i, l := range labels {
			reversed[len(labels)-1-i] = l
		}
		again, err := Normalize(b, reversed)
		if err != nil || len(again.Items) != len(batch.Items) {
			t.Fatalf("reversed labels: %v, %d items, want %d", err, len(again.Items), len(batch.Items))
		}
		for i, it := range batch.Items {
			if it.Index != i {
				t.Fatalf("item %d has index %d", i, it.Index)
			}
			if it.Err != nil {
				continue
			}
			if again.Items[i].Event.ConditionIdentity != it.Event.ConditionIdentity {
				t.Fatalf("condition depends on label order: %q vs %q", it.Event.ConditionIdentity, again.Items[i].Event.ConditionIdentity)
			}
			ev := it.Event
			if err := ev.Validate(); err != nil && !errors.Is(err, event.ErrTooLong) {
				t.Fatalf("nil error but invalid event: %v", err)
			}
			if ev = ev.Clean(); ev.Validate() == nil {
				providertest.CheckStorable(t, ev)
			}
		}
	})
}
