package rule

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fold maps s to a canonical case-folded form: each rune becomes the smallest
// rune of its Unicode simple-folding orbit. Two strings are equal under
// strings.EqualFold exactly when their folds are equal, and a string contains
// a case-insensitive occurrence of k (as regexp's (?i) understands it)
// exactly when fold(s) contains fold(k). ASCII letters fold to upper case, so
// upper-case input (NinjaOne's "CONDITION") is returned without allocating.
// Invalid UTF-8 bytes are kept as they are.
func fold(s string) string {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || ('a' <= c && c <= 'z') {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(s[i])
		} else {
			b.WriteRune(foldRune(r))
		}
		i += size
	}
	return b.String()
}

// foldRune returns the smallest rune in r's simple-folding orbit.
func foldRune(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f < m {
			m = f
		}
	}
	return m
}
