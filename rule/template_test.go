package rule

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var vars = TemplateVars{Device: "SRV-01", Message: "Memory > 80%", Severity: "major", Organization: "Acme"}

func TestRender(t *testing.T) {
	tests := []struct{ tmpl, want string }{
		{"", ""},
		{"no placeholders", "no placeholders"},
		{"{{device}}: {{message}} [{{severity}}] {{organization}}", "SRV-01: Memory > 80% [major] Acme"},
		{"{{ device }} {{  message\t}}", "SRV-01 Memory > 80%"},
		{"{{Device}} {{DEVICE}}", "SRV-01 SRV-01"},
		{"{{device}}{{device}}", "SRV-01SRV-01"},
		{"{{hostname}} on {{device}}", "{{hostname}} on SRV-01"},
		{"{{{device}}}", "{SRV-01}"},
		{"{{ unclosed {{device}}", "{{ unclosed SRV-01"},
		{"}} {{ {{device", "}} {{ {{device"},
		{"{{}}", "{{}}"},
		{"100% {{severity}}", "100% major"},
	}
	for _, tt := range tests {
		if got := Render(tt.tmpl, vars); got != tt.want {
			t.Errorf("Render(%q) = %q, want %q", tt.tmpl, got, tt.want)
		}
	}
}

// Values are inserted once: a message that looks like a placeholder stays.
func TestRenderDoesNotReexpand(t *testing.T) {
	v := vars
	v.Message = "literal {{device}}"
	if got := Render("{{message}}", v); got != "literal {{device}}" {
		t.Errorf("Render = %q", got)
	}
}

func TestDefaultTitle(t *testing.T) {
	long := strings.Repeat("disk full ", 40)
	tests := []struct {
		name     string
		provider string
		v        TemplateVars
		want     string
	}{
		{"usual", "NinjaOne", vars, "[NinjaOne alert] Memory > 80% on SRV-01"},
		{"no device", "TacticalRMM", TemplateVars{Message: "Ping failed"}, "[TacticalRMM alert] Ping failed"},
		{"no message", "NinjaOne", TemplateVars{Device: "PC-7"}, "[NinjaOne alert] Alert on PC-7"},
		{"no provider", "", TemplateVars{Message: "x", Device: "d"}, "[RMM alert] x on d"},
		{"multi-line message", "NinjaOne", TemplateVars{Message: "line one\n  line two\t", Device: "d"}, "[NinjaOne alert] line one line two on d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DefaultTitle(tt.provider, tt.v); got != tt.want {
				t.Errorf("DefaultTitle = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("long message is cut, device kept", func(t *testing.T) {
		got := DefaultTitle("NinjaOne", TemplateVars{Message: long, Device: "SRV-01"})
		if n := utf8.RuneCountInString(got); n > MaxTitleRunes || n < MaxTitleRunes-2 {
			t.Errorf("title has %d runes: %q", n, got)
		}
		if !strings.HasPrefix(got, "[NinjaOne alert] disk full") || !strings.HasSuffix(got, "… on SRV-01") {
			t.Errorf("title = %q", got)
		}
	})
	t.Run("multi-byte message stays within the column", func(t *testing.T) {
		got := DefaultTitle("NinjaOne", TemplateVars{Message: strings.Repeat("日本", 300), Device: "SRV"})
		if utf8.RuneCountInString(got) > MaxTitleRunes || len(got) > maxTitleBytes || !utf8.ValidString(got) {
			t.Errorf("title = %d runes, %d bytes", utf8.RuneCountInString(got), len(got))
		}
	})
	t.Run("absurd device name", func(t *testing.T) {
		got := DefaultTitle("NinjaOne", TemplateVars{Message: "m", Device: strings.Repeat("d", 500)})
		if utf8.RuneCountInString(got) > MaxTitleRunes || !strings.HasSuffix(got, "…") {
			t.Errorf("title = %q", got)
		}
	})
}

func TestDefaultDescription(t *testing.T) {
	want := "Alert details\n\nSeverity: major\nDevice: SRV-01\nOrganization: Acme\n\nMessage:\nMemory > 80%"
	if got := DefaultDescription(vars); got != want {
		t.Errorf("DefaultDescription = %q, want %q", got, want)
	}
	got := DefaultDescription(TemplateVars{Severity: "minor"})
	for _, part := range []string{"Device: (not reported)", "Organization: (not reported)", "(no message)"} {
		if !strings.Contains(got, part) {
			t.Errorf("DefaultDescription = %q, want …%s…", got, part)
		}
	}
}

func TestTicketTitleAndDescription(t *testing.T) {
	none := Actions{}
	if got := TicketTitle(none, "NinjaOne", vars); got != "[NinjaOne alert] Memory > 80% on SRV-01" {
		t.Errorf("default title = %q", got)
	}
	if got := TicketDescription(none, vars); got != DefaultDescription(vars) {
		t.Errorf("default description = %q", got)
	}
	tmpl := Actions{TicketTemplate: &TicketTemplate{TitleTemplate: "{{severity}}:\n{{device}}", DescriptionTemplate: "See {{message}}"}}
	if got := TicketTitle(tmpl, "NinjaOne", vars); got != "major: SRV-01" {
		t.Errorf("templated title = %q", got)
	}
	if got := TicketDescription(tmpl, vars); got != "See Memory > 80%" {
		t.Errorf("templated description = %q", got)
	}
	blank := Actions{TicketTemplate: &TicketTemplate{TitleTemplate: "{{organization}}"}}
	if got := TicketTitle(blank, "NinjaOne", TemplateVars{Message: "m"}); got != "[NinjaOne alert] m" {
		t.Errorf("blank rendered title must fall back, got %q", got)
	}
	long := Actions{TicketTemplate: &TicketTemplate{TitleTemplate: "{{message}}"}}
	if got := TicketTitle(long, "", TemplateVars{Message: strings.Repeat("x", 1000)}); utf8.RuneCountInString(got) != MaxTitleRunes {
		t.Errorf("templated title has %d runes", utf8.RuneCountInString(got))
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in              string
		maxRunes, bytes int
		want            string
	}{
		{"short", 10, 100, "short"},
		{"abcdefghij", 5, 100, "abcd…"},
		{"ab  cdefgh", 5, 100, "ab…"},
		{"日本語日本語", 100, 10, "日本…"}, // 2×3 bytes + 3 for the ellipsis
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.maxRunes, tt.bytes); got != tt.want {
			t.Errorf("truncate(%q, %d, %d) = %q, want %q", tt.in, tt.maxRunes, tt.bytes, got, tt.want)
		}
	}
}

func TestPlaceholdersAreRendered(t *testing.T) {
	for _, p := range Placeholders() {
		if got := Render("{{"+p+"}}", vars); got == "{{"+p+"}}" || got == "" {
			t.Errorf("placeholder %s not rendered: %q", p, got)
		}
	}
}
