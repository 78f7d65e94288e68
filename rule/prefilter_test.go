package rule

import (
	"reflect"
	"regexp"
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

func TestLiteralFilter(t *testing.T) {
	tests := []struct {
		pattern string
		want    []string // folded literals are upper case; nil for no filter
	}{
		{`disk full`, []string{"disk full"}},
		{`(?i)disk full`, []string{"DISK FULL"}},
		{`^disk \d+ full$`, []string{"disk "}},
		{`(disk|cpu) usage high`, []string{" usage high"}},
		{`(?i)(cpu|memory|swap) (usage|load)`, []string{"USAGE", "LOAD"}}, // shortest member longest wins
		{`(?i)(cpu|memory|swap) x`, []string{"CPU", "MEMORY", "SWAP"}},
		{`(?:backup failed)+`, []string{"backup failed"}},
		{`(backup failed){2}`, []string{"backup failed"}},
		{`(backup failed)?`, nil},
		{`(backup failed)*x`, []string{"x"}},
		{`disk|cpu`, []string{"disk", "cpu"}},
		{`disk|\d+`, nil},
		{`a|b`, nil}, // a character class
		{`(one|two|three|four|five|six|seven|eight|nine)`, nil},
		{`\d+%`, []string{"%"}},
		{`.*`, nil},
		{`(?i)ſtop`, []string{"STOP"}},
		{"\ufffd", nil},
	}
	for _, tt := range tests {
		f, ok := newLiteralFilter(tt.pattern)
		var got []string
		for _, l := range f.alts {
			got = append(got, l.s)
		}
		if ok != (tt.want != nil) || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("newLiteralFilter(%q) = %q, %v; want %q", tt.pattern, got, ok, tt.want)
		}
	}
}

func TestGrams(t *testing.T) {
	msg := gramsOf("Disk C: free space below 10%")
	for _, sub := range []string{"", "D", "Disk", "space below", "10%"} {
		g := gramsOf(sub)
		if !msg.has(&g) {
			t.Errorf("grams reject substring %q", sub)
		}
	}
	g := gramsOf("backup failed")
	if msg.has(&g) {
		t.Error("grams accept an absent literal (possible, but not for this one)")
	}
}

// The filter may only skip the regexp when the regexp cannot match.
func FuzzLiteralFilter(f *testing.F) {
	seeds := []struct{ pattern, message string }{
		{`(?i)disk full`, "DISK FULL on C:"},
		{`(?i)ſtop`, "STOP"},
		{`(?i)kelvin`, "\u212aELVIN"},
		{`(?i)straße`, "STRASSE"},
		{`(?i)σ`, "ς"},
		{`x\x{fffd}`, "x\xff"},
		{`disk (\d+) (?i)FULL`, "disk 3 full"},
		{`(a|b)c+d`, "bccd"},
		{`(?i)(cpu|memory) (high|low)`, "Memory LOW"},
		{`(disk|(?i)volume)+ full`, "VOLUME full"},
	}
	for _, s := range seeds {
		f.Add(s.pattern, s.message)
	}
	f.Fuzz(func(t *testing.T, pattern, message string) {
		if len(pattern) > 100 {
			return // keep compile time bounded
		}
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		lf, ok := newLiteralFilter(pattern)
		if !ok {
			return
		}
		ev := event.Event{Message: message}
		in := newInput(&ev)
		if re.MatchString(message) && !lf.mayMatch(&in) {
			t.Fatalf("filter %+v rejects %q, which /%s/ matches", lf, message, pattern)
		}
	})
}
