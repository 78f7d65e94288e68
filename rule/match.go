package rule

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unique"

	"github.com/alertdesk/alertdesk/event"
)

// Rule is an alert rule as the evaluator sees it (the database row, minus
// tenancy, which the caller has already applied).
type Rule struct {
	ID   int
	Name string
	// Version identifies the rule's content, normally its updated_at;
	// compiled forms are cached per (ID, Version).
	Version       time.Time
	PriorityOrder int
	CreatedAt     time.Time
	Active        bool
	Conditions    Conditions
	Actions       Actions
}

// Compiled is a rule's conditions prepared for repeated matching: the
// regexp compiled once, the lists case-folded once. It is immutable and safe
// for concurrent use.
type Compiled struct {
	sets     []foldSet
	keywords []string // folded
	kwReason string
	re       *regexp.Regexp
	filter   literalFilter // empty when the pattern has no literals
	reReason string
	catchAll bool
}

// The event fields that equality conditions compare.
const (
	fieldSeverity = iota
	fieldActivityType
	fieldAlertClass
	fieldSourceType
	fieldOrganization
	numFields
)

// condList describes one list condition; Validate and Compile share it.
type condList struct {
	path  string // JSON path, for errors
	label string // human name, for reasons
	field int    // event field compared by equality; -1 for keywords
	get   func(*Conditions) []string
}

var condLists = []condList{
	{"conditions.severities", "severity", fieldSeverity, func(c *Conditions) []string { return c.Severities }},
	{"conditions.activityTypes", "activity type", fieldActivityType, func(c *Conditions) []string { return c.ActivityTypes }},
	{"conditions.alertClasses", "alert class", fieldAlertClass, func(c *Conditions) []string { return c.AlertClasses }},
	{"conditions.sourceTypes", "source type", fieldSourceType, func(c *Conditions) []string { return c.SourceTypes }},
	{"conditions.organizationIds", "organization", fieldOrganization, func(c *Conditions) []string { return c.OrganizationIDs }},
	{"conditions.keywords", "keyword", -1, func(c *Conditions) []string { return c.Keywords }},
}

// smallSet is the size up to which a linear scan beats a map lookup.
const smallSet = 8

// value is a folded, interned string: comparing two is one pointer compare.
type value = unique.Handle[string]

func intern(s string) value { return unique.Make(fold(strings.TrimSpace(s))) }

// foldSet is one equality condition: the accepted values.
type foldSet struct {
	field  int
	label  string
	list   []value            // when len <= smallSet
	m      map[value]struct{} // otherwise
	suffix string             // " not in [critical, major]"
}

func (s *foldSet) has(v value) bool {
	if s.m != nil {
		_, ok := s.m[v]
		return ok
	}
	for _, x := range s.list {
		if x == v {
			return true
		}
	}
	return false
}

// Compile prepares r's conditions. It fails when the message pattern does
// not compile or a list holds a blank entry (whose intent is unclear: a
// blank keyword would match every message).
func Compile(r Rule) (*Compiled, error) {
	c := &Compiled{}
	cond := &r.Conditions
	for _, cl := range condLists {
		vals := cl.get(cond)
		if len(vals) == 0 {
			continue
		}
		for i, v := range vals {
			if strings.TrimSpace(v) == "" {
				return nil, fmt.Errorf("rule %d: %s: entry %d is blank", r.ID, cl.path, i+1)
			}
		}
		if cl.field < 0 {
			c.keywords = make([]string, len(vals))
			for i, v := range vals {
				c.keywords[i] = fold(strings.TrimSpace(v))
			}
			c.kwReason = "message contains none of the keywords " + formatList(vals)
			continue
		}
		s := foldSet{field: cl.field, label: cl.label, suffix: " not in " + formatList(vals)}
		if len(vals) <= smallSet {
			s.list = make([]value, len(vals))
			for i, v := range vals {
				s.list[i] = intern(v)
			}
		} else {
			s.m = make(map[value]struct{}, len(vals))
			for _, v := range vals {
				s.m[intern(v)] = struct{}{}
			}
		}
		c.sets = append(c.sets, s)
	}
	if p := cond.MessagePattern; p != "" {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("rule %d: conditions.messagePattern: %w", r.ID, err)
		}
		c.re = re
		c.filter, _ = newLiteralFilter(p)
		c.reReason = "message does not match /" + p + "/"
	}
	c.catchAll = len(c.sets) == 0 && len(c.keywords) == 0 && c.re == nil
	return c, nil
}

// Match reports whether ev satisfies every condition, with a short reason
// for the decision trace: "matched", or the first condition that failed
// ("severity major not in [critical]").
func (c *Compiled) Match(ev event.Event) (bool, string) {
	in := newInput(&ev)
	o := c.check(&in)
	return o == matched, c.reason(o, &in.raw)
}

// check returns matched or the first condition that failed. It builds no
// strings: reasons are rendered only when a trace is read.
func (c *Compiled) check(in *input) outcome {
	for i := range c.sets {
		s := &c.sets[i]
		if !s.has(in.value(s.field)) {
			return outcome(s.field)
		}
	}
	if len(c.keywords) > 0 {
		msg, found := in.foldedMessage(), false
		for _, k := range c.keywords {
			if strings.Contains(msg, k) {
				found = true
				break
			}
		}
		if !found {
			return failKeywords
		}
	}
	if c.re != nil {
		if len(c.filter.alts) > 0 && !c.filter.mayMatch(in) || !c.re.MatchString(in.message) {
			return failPattern
		}
	}
	return matched
}

// reason renders what check returned for an event whose compared fields
// were raw.
func (c *Compiled) reason(o outcome, raw *[numFields]string) string {
	switch o {
	case matched:
		if c.catchAll {
			return "matched (no conditions)"
		}
		return "matched"
	case failKeywords:
		return c.kwReason
	case failPattern:
		return c.reReason
	}
	for i := range c.sets {
		if s := &c.sets[i]; outcome(s.field) == o {
			return s.label + " " + showValue(raw[s.field]) + s.suffix
		}
	}
	return ""
}

// input is an event prepared once for matching against many rules.
type input struct {
	// Strings only, no pointer to the event, which would then escape.
	message string
	raw     [numFields]string

	// Computed on first use: a rule set may never look at some of them.
	folded                      [numFields]value
	foldedDone                  uint8 // bit per field
	msg                         string
	msgDone                     bool
	rawMsgGrams, foldedMsgGrams grams
	rawDone, foldedGramsDone    bool
}

func newInput(ev *event.Event) input {
	in := input{message: ev.Message, raw: [numFields]string{
		fieldSeverity:     string(ev.Severity),
		fieldActivityType: ev.ActivityType,
		fieldAlertClass:   ev.AlertClass,
		fieldSourceType:   ev.SourceType,
		fieldOrganization: ev.ExternalOrganizationID,
	}}
	return in
}

func (in *input) value(field int) value {
	if in.foldedDone&(1<<field) == 0 {
		in.folded[field] = intern(in.raw[field])
		in.foldedDone |= 1 << field
	}
	return in.folded[field]
}

func (in *input) foldedMessage() string {
	if !in.msgDone {
		in.msg, in.msgDone = fold(in.message), true
	}
	return in.msg
}

func (in *input) rawGrams() *grams {
	if !in.rawDone {
		in.rawMsgGrams, in.rawDone = gramsOf(in.message), true
	}
	return &in.rawMsgGrams
}

func (in *input) foldedGrams() *grams {
	if !in.foldedGramsDone {
		in.foldedMsgGrams, in.foldedGramsDone = gramsOf(in.foldedMessage()), true
	}
	return &in.foldedMsgGrams
}

func showValue(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// formatList renders values for a reason, capped so traces stay short.
func formatList(vals []string) string {
	const show = 5
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range vals {
		if i == show {
			fmt.Fprintf(&b, ", +%d more", len(vals)-show)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strings.TrimSpace(v))
	}
	b.WriteByte(']')
	return b.String()
}
