package rule

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// literalFilter holds literals of which every match of a regexp must
// contain at least one. Checking them before running the regexp rejects most
// non-matching messages in a few nanoseconds; with hundreds of pattern rules
// per integration, the regexp engine's cost per call would otherwise
// dominate evaluation.
type literalFilter struct {
	alts []literal
}

// literal is one required substring.
type literal struct {
	s     string // folded when fold is set
	fold  bool   // case-insensitive ((?i))
	grams grams  // s's bigrams
}

// maxAlternatives bounds a filter: past it, checking costs more than it saves.
const maxAlternatives = 8

// newLiteralFilter extracts the literals of pattern; ok is false when there
// are none (".*", "\d+").
func newLiteralFilter(pattern string) (literalFilter, bool) {
	// Same flags as regexp.Compile, so the tree is the one regexp runs.
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return literalFilter{}, false
	}
	alts, ok := required(re)
	if !ok {
		return literalFilter{}, false
	}
	for i := range alts {
		if alts[i].fold {
			alts[i].s = fold(alts[i].s)
		}
		alts[i].grams = gramsOf(alts[i].s)
	}
	return literalFilter{alts: alts}, true
}

// required returns literals of which every match of re contains one,
// walking only what every match passes through: concatenations, captures,
// repetitions of at least one, and alternations whose every branch has
// literals of its own.
func required(re *syntax.Regexp) ([]literal, bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		// regexp reads an invalid input byte as U+FFFD while fold keeps the
		// byte, so a literal U+FFFD could be missed: no filter then.
		if strings.ContainsRune(s, utf8.RuneError) {
			return nil, false
		}
		return []literal{{s: s, fold: re.Flags&syntax.FoldCase != 0}}, true
	case syntax.OpCapture, syntax.OpPlus:
		return required(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return required(re.Sub[0])
		}
	case syntax.OpConcat:
		var best []literal
		for _, sub := range re.Sub {
			if alts, ok := required(sub); ok && better(alts, best) {
				best = alts
			}
		}
		return best, best != nil
	case syntax.OpAlternate:
		var all []literal
		for _, sub := range re.Sub {
			alts, ok := required(sub)
			if !ok || len(all)+len(alts) > maxAlternatives {
				return nil, false
			}
			all = append(all, alts...)
		}
		return all, true
	}
	return nil, false
}

// better prefers the literal set whose shortest member is longest (rarer
// in messages), then the smaller set.
func better(a, b []literal) bool {
	if b == nil {
		return true
	}
	la, lb := shortest(a), shortest(b)
	return la > lb || la == lb && len(a) < len(b)
}

func shortest(alts []literal) int {
	n := -1
	for _, l := range alts {
		if m := utf8.RuneCountInString(l.s); n < 0 || m < n {
			n = m
		}
	}
	return n
}

// mayMatch reports whether the message contains one of the literals; false
// means the regexp cannot match.
func (f *literalFilter) mayMatch(in *input) bool {
	for i := range f.alts {
		l := &f.alts[i]
		if l.fold {
			if in.foldedGrams().has(&l.grams) && strings.Contains(in.foldedMessage(), l.s) {
				return true
			}
		} else if in.rawGrams().has(&l.grams) && strings.Contains(in.message, l.s) {
			return true
		}
	}
	return false
}

// grams is a 256-bit set of hashed byte bigrams. If a literal is a substring
// of a message, the literal's bigrams are all among the message's; checking
// that costs four word operations, where strings.Contains costs a scan.
type grams [4]uint64

func gramsOf(s string) grams {
	var g grams
	for i := 0; i+1 < len(s); i++ {
		h := (uint(s[i])*31 + uint(s[i+1])) & 255
		g[h>>6] |= 1 << (h & 63)
	}
	return g
}

// has reports whether g holds every bigram of sub.
func (g *grams) has(sub *grams) bool {
	return sub[0]&^g[0]|sub[1]&^g[1]|sub[2]&^g[2]|sub[3]&^g[3] == 0
}
