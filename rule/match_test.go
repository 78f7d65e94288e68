package rule

import (
	"strings"
	"testing"

	"github.com/alertdesk/alertdesk/event"
)

func sampleEvent() event.Event {
	return event.Event{
		Provider:               event.NinjaOne,
		Kind:                   event.Triggered,
		ActivityType:           "CONDITION",
		AlertClass:             "CONDITION_AGENT_MEMORY",
		SourceType:             "AGENT",
		Severity:               event.Major,
		Message:                "Memory usage > 80% on SRV-01",
		DeviceName:             "SRV-01",
		ExternalOrganizationID: "42",
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		name       string
		cond       Conditions
		want       bool
		wantReason string // substring
	}{
		{"empty conditions match everything", Conditions{}, true, "matched"},
		{"empty lists are absent", Conditions{Severities: []string{}, Keywords: []string{}}, true, "matched"},

		{"severity in", Conditions{Severities: []string{"critical", "major"}}, true, "matched"},
		{"severity case-insensitive", Conditions{Severities: []string{"MAJOR"}}, true, "matched"},
		{"severity not in", Conditions{Severities: []string{"critical"}}, false, "severity major not in [critical]"},

		{"activity type in", Conditions{ActivityTypes: []string{"condition"}}, true, "matched"},
		{"activity type not in", Conditions{ActivityTypes: []string{"PATCH_MANAGEMENT"}}, false, "activity type CONDITION not in [PATCH_MANAGEMENT]"},

		{"alert class in", Conditions{AlertClasses: []string{"condition_agent_memory"}}, true, "matched"},
		{"alert class is equality, not substring", Conditions{AlertClasses: []string{"CONDITION_AGENT"}}, false, "alert class"},

		{"source type in", Conditions{SourceTypes: []string{"Agent"}}, true, "matched"},
		{"source type not in", Conditions{SourceTypes: []string{"CLOUD"}}, false, "source type AGENT not in [CLOUD]"},

		{"organization in", Conditions{OrganizationIDs: []string{"41", "42"}}, true, "matched"},
		{"organization not in", Conditions{OrganizationIDs: []string{"7"}}, false, "organization 42 not in [7]"},

		{"keyword substring", Conditions{Keywords: []string{"memory"}}, true, "matched"},
		{"any keyword", Conditions{Keywords: []string{"disk", "USAGE >"}}, true, "matched"},
		{"no keyword", Conditions{Keywords: []string{"disk", "cpu"}}, false, "message contains none of the keywords [disk, cpu]"},

		{"pattern", Conditions{MessagePattern: `usage > \d+%`}, true, "matched"},
		{"pattern unanchored", Conditions{MessagePattern: `SRV-\d+`}, true, "matched"},
		{"pattern case-sensitive as written", Conditions{MessagePattern: `memory usage`}, false, "message does not match /memory usage/"},
		{"pattern with (?i)", Conditions{MessagePattern: `(?i)memory usage`}, true, "matched"},
		{"pattern anchored by the user", Conditions{MessagePattern: `^SRV`}, false, "does not match"},

		{"all conditions match", Conditions{
			Severities: []string{"major"}, ActivityTypes: []string{"CONDITION"}, AlertClasses: []string{"CONDITION_AGENT_MEMORY"},
			SourceTypes: []string{"AGENT"}, OrganizationIDs: []string{"42"}, Keywords: []string{"memory"}, MessagePattern: `\d+%`,
		}, true, "matched"},
		{"all but one: the pattern", Conditions{
			Severities: []string{"major"}, Keywords: []string{"memory"}, MessagePattern: `disk`,
		}, false, "does not match /disk/"},
		{"all but one: the severity", Conditions{
			Severities: []string{"minor"}, Keywords: []string{"memory"}, MessagePattern: `Memory`,
		}, false, "severity major not in [minor]"},
		{"long lists are shortened in reasons", Conditions{OrganizationIDs: []string{"1", "2", "3", "4", "5", "6", "7"}}, false, "[1, 2, 3, 4, 5, +2 more]"},
		{"large sets use a map", Conditions{OrganizationIDs: []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "42"}}, true, "matched"},
		{"values are trimmed", Conditions{Severities: []string{" major "}}, true, "matched"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Compile(Rule{ID: 1, Conditions: tt.cond})
			if err != nil {
				t.Fatal(err)
			}
			got, reason := c.Match(sampleEvent())
			if got != tt.want || !strings.Contains(reason, tt.wantReason) {
				t.Errorf("Match = %v, %q; want %v, …%q…", got, reason, tt.want, tt.wantReason)
			}
		})
	}
}

func TestMatchEmptyEventValue(t *testing.T) {
	c, err := Compile(Rule{ID: 1, Conditions: Conditions{AlertClasses: []string{"X"}}})
	if err != nil {
		t.Fatal(err)
	}
	ev := sampleEvent()
	ev.AlertClass = ""
	if ok, reason := c.Match(ev); ok || reason != "alert class (empty) not in [X]" {
		t.Errorf("Match = %v, %q", ok, reason)
	}
}

// Case-insensitivity is Unicode simple case folding, as strings.EqualFold
// and regexp's (?i) use.
func TestMatchUnicodeFolding(t *testing.T) {
	tests := []struct {
		keyword, message string
		want             bool
	}{
		{"straße", "STRAßE gesperrt", true},
		{"ÉCHEC", "échec de sauvegarde", true},
		{"kelvin", "KELVIN sensor", true},    // U+212A KELVIN SIGN folds with k
		{"disk", "DıSK", false},              // dotless ı is not i
		{"σ", "ΣΑΣ", true},                   // final sigma family
		{"ſtop", "STOP service", true},       // long s folds with s
		{"100%", "cpu at 100% for 5m", true}, // non-letters unchanged
	}
	for _, tt := range tests {
		c, err := Compile(Rule{Conditions: Conditions{Keywords: []string{tt.keyword}}})
		if err != nil {
			t.Fatal(err)
		}
		ev := sampleEvent()
		ev.Message = tt.message
		if got, _ := c.Match(ev); got != tt.want {
			t.Errorf("keyword %q in %q = %v, want %v", tt.keyword, tt.message, got, tt.want)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name string
		cond Conditions
		want string
	}{
		{"bad regexp", Conditions{MessagePattern: `disk (`}, "conditions.messagePattern"},
		{"blank keyword would match everything", Conditions{Keywords: []string{"disk", " "}}, "conditions.keywords: entry 2 is blank"},
		{"blank severity", Conditions{Severities: []string{""}}, "conditions.severities"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compile(Rule{ID: 9, Conditions: tt.cond})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "rule 9") {
				t.Errorf("Compile error = %v, want …%s…", err, tt.want)
			}
		})
	}
}

func TestFold(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"CONDITION", "CONDITION"},
		{"major", "MAJOR"},
		{"Straße", "STRAßE"},
		{"\xff bad", "\xff BAD"},
	}
	for _, tt := range tests {
		if got := fold(tt.in); got != tt.want {
			t.Errorf("fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = fold("ALREADY_FOLDED") }); n != 0 {
		t.Errorf("fold of folded input allocates %v times", n)
	}
}
