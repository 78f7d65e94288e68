package rule

import (
	"strings"
	"unicode/utf8"
)

// Limits on ticket text.
const (
	// MaxTitleTemplateRunes and MaxDescriptionTemplateRunes bound the
	// templates a rule may store.
	MaxTitleTemplateRunes       = 500
	MaxDescriptionTemplateRunes = 10000
	// MaxTitleRunes bounds a rendered ticket title.
	MaxTitleRunes = 200
	// maxTitleBytes is the ticket title column's limit (bytes, as ent
	// checks it); 200 multi-byte runes could exceed it.
	maxTitleBytes = 500
)

// Placeholders lists the names a ticket template may use as {{name}}, for
// editor hints.
func Placeholders() []string { return []string{"device", "message", "severity", "organization"} }

// TemplateVars are the alert facts a ticket template can show.
type TemplateVars struct {
	Device, Message, Severity, Organization string
}

func (v TemplateVars) lookup(name string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "device":
		return v.Device, true
	case "message":
		return v.Message, true
	case "severity":
		return v.Severity, true
	case "organization":
		return v.Organization, true
	}
	return "", false
}

// scanTemplate splits tmpl into literal text and {{name}} placeholders.
// Of nested openings ("{{{device}}}") the innermost wins, so stray braces
// stay text.
func scanTemplate(tmpl string, text func(string), placeholder func(name, raw string)) {
	rest := tmpl
	for {
		j := strings.Index(rest, "}}")
		if j < 0 {
			break
		}
		i := strings.LastIndex(rest[:j], "{{")
		if i < 0 {
			text(rest[:j+2])
			rest = rest[j+2:]
			continue
		}
		text(rest[:i])
		placeholder(rest[i+2:j], rest[i:j+2])
		rest = rest[j+2:]
	}
	text(rest)
}

// Render replaces {{device}}, {{message}}, {{severity}} and
// {{organization}} (spaces inside the braces and letter case tolerated) with
// v's values, in one pass so values are never expanded again. Anything else
// is left as written.
func Render(tmpl string, v TemplateVars) string {
	var b strings.Builder
	b.Grow(len(tmpl) + len(v.Message))
	scanTemplate(tmpl, func(s string) { b.WriteString(s) }, func(name, raw string) {
		if val, ok := v.lookup(name); ok {
			b.WriteString(val)
		} else {
			b.WriteString(raw)
		}
	})
	return b.String()
}

// DefaultTitle is the ticket title used without a title template:
// "[NinjaOne alert] Memory > 80% on SRV-01". The message is shortened so the
// title stays within MaxTitleRunes; " on <device>" is left out when the
// device is unknown.
func DefaultTitle(providerLabel string, v TemplateVars) string {
	label := oneLine(providerLabel)
	if label == "" {
		label = "RMM"
	}
	prefix := "[" + label + " alert] "
	msg := oneLine(v.Message)
	if msg == "" {
		msg = "Alert"
	}
	suffix := ""
	if dev := oneLine(v.Device); dev != "" {
		suffix = " on " + dev
	}
	if budget := MaxTitleRunes - utf8.RuneCountInString(prefix) - utf8.RuneCountInString(suffix); budget > 0 {
		msg = truncate(msg, budget, maxTitleBytes)
	}
	// A device name too long to leave room for the message: cut the whole.
	return truncate(prefix+msg+suffix, MaxTitleRunes, maxTitleBytes)
}

// DefaultDescription is the ticket description used without a description
// template: the alert's facts, one per line, then the message.
func DefaultDescription(v TemplateVars) string {
	var b strings.Builder
	line := func(label, val string) {
		if val = strings.TrimSpace(val); val == "" {
			val = "(not reported)"
		}
		b.WriteString(label)
		b.WriteString(": ")
		b.WriteString(val)
		b.WriteByte('\n')
	}
	b.WriteString("Alert details\n\n")
	line("Severity", v.Severity)
	line("Device", v.Device)
	line("Organization", v.Organization)
	b.WriteString("\nMessage:\n")
	if msg := strings.TrimSpace(v.Message); msg != "" {
		b.WriteString(msg)
	} else {
		b.WriteString("(no message)")
	}
	return b.String()
}

// TicketTitle renders the title template of a, or DefaultTitle when it has
// none (or it renders blank), as one line of at most MaxTitleRunes.
func TicketTitle(a Actions, providerLabel string, v TemplateVars) string {
	if t := a.TicketTemplate; t != nil && strings.TrimSpace(t.TitleTemplate) != "" {
		if s := oneLine(Render(t.TitleTemplate, v)); s != "" {
			return truncate(s, MaxTitleRunes, maxTitleBytes)
		}
	}
	return DefaultTitle(providerLabel, v)
}

// TicketDescription renders the description template of a, or
// DefaultDescription when it has none.
func TicketDescription(a Actions, v TemplateVars) string {
	if t := a.TicketTemplate; t != nil && strings.TrimSpace(t.DescriptionTemplate) != "" {
		return Render(t.DescriptionTemplate, v)
	}
	return DefaultDescription(v)
}

// oneLine collapses whitespace runs, newlines included, into single spaces:
// titles are one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// truncate shortens s to at most maxRunes runes and maxBytes bytes, marking
// the cut with an ellipsis.
func truncate(s string, maxRunes, maxBytes int) string {
	if len(s) <= maxBytes && utf8.RuneCountInString(s) <= maxRunes {
		return s
	}
	const ellipsis = "…"
	runeBudget, byteBudget := maxRunes-1, maxBytes-len(ellipsis)
	end := 0
	for n := 0; end < len(s) && n < runeBudget; n++ {
		_, size := utf8.DecodeRuneInString(s[end:])
		if end+size > byteBudget {
			break
		}
		end += size
	}
	return strings.TrimRight(s[:end], " ") + ellipsis
}
