package event

import (
	"strconv"
	"unicode/utf16"
)

// Numbers in a raw payload are kept as numbers while their literal and
// decimal exponent stay within these bounds; beyond them (1e1000000, a
// number of 200,000 digits) PostgreSQL's jsonb refuses them or prints a
// five-byte literal as a hundred thousand digits, so the literal is kept
// as a JSON string instead. No RMM sends such numbers on purpose.
const (
	maxNumberLen      = 1000
	maxNumberExponent = 1000
)

// StorableJSON returns valid JSON raw as every store can keep it and Go
// can read it back: NUL characters (refused by PostgreSQL) and unpaired
// UTF-16 surrogate escapes (refused by jsonb) become U+FFFD, and numbers
// out of bounds become strings of their literal. Raw that needs none of
// this is returned as it is. raw must be valid JSON.
func StorableJSON(raw []byte) []byte {
	var out []byte // nil until something changes
	flush := func(i, done int) int {
		if out == nil {
			out = make([]byte, 0, len(raw)+16)
		}
		out = append(out, raw[done:i]...)
		return i
	}
	done := 0
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '"':
			i++
			for i < len(raw) && raw[i] != '"' {
				if raw[i] != '\\' {
					i++
					continue
				}
				if raw[i+1] != 'u' {
					i += 2
					continue
				}
				r := hex4(raw[i+2 : i+6])
				switch {
				case r == 0:
				case utf16.IsSurrogate(r) && r < 0xdc00 && i+12 <= len(raw) &&
					raw[i+6] == '\\' && raw[i+7] == 'u' && isLowSurrogate(hex4(raw[i+8:i+12])):
					i += 12 // a valid pair
					continue
				case utf16.IsSurrogate(r):
				default:
					i += 6
					continue
				}
				done = flush(i, done)
				out = append(out, `\ufffd`...)
				i += 6
				done = i
			}
			i++ // the closing quote
		case c == '-' || (c >= '0' && c <= '9'):
			j := i + 1
			for j < len(raw) && isNumberByte(raw[j]) {
				j++
			}
			if !numberFits(raw[i:j]) {
				done = flush(i, done)
				out = append(out, '"')
				out = append(out, raw[i:j]...)
				out = append(out, '"')
				done = j
			}
			i = j
		default:
			i++
		}
	}
	if out == nil {
		return raw
	}
	return append(out, raw[done:]...)
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

func isLowSurrogate(r rune) bool { return r >= 0xdc00 && r <= 0xdfff }

// hex4 reads the four hex digits of a \u escape (valid JSON has them).
func hex4(b []byte) rune {
	n, err := strconv.ParseUint(string(b), 16, 16)
	if err != nil {
		return 0xfffd
	}
	return rune(n)
}

// numberFits reports whether a JSON number literal is within the bounds
// kept as a number: its length, and the decimal exponent of its most
// significant digit (of zero, its explicit exponent).
func numberFits(lit []byte) bool {
	if len(lit) > maxNumberLen {
		return false
	}
	s := lit
	if s[0] == '-' {
		s = s[1:]
	}
	mant, exp := s, []byte(nil)
	for k, c := range s {
		if c == 'e' || c == 'E' {
			mant, exp = s[:k], s[k+1:]
			break
		}
	}
	intPart, frac := mant, []byte(nil)
	for k, c := range mant {
		if c == '.' {
			intPart, frac = mant[:k], mant[k+1:]
			break
		}
	}
	e := 0
	if len(exp) > 0 {
		neg := exp[0] == '-'
		if exp[0] == '-' || exp[0] == '+' {
			exp = exp[1:]
		}
		exp = trimZeros(exp)
		if len(exp) > 6 {
			return false
		}
		e, _ = strconv.Atoi(string(exp))
		if neg {
			e = -e
		}
	}
	// The exponent of the most significant digit, before the explicit one.
	var msd int
	switch lead := len(intPart) - len(trimZeros(intPart)); {
	case lead < len(intPart):
		msd = len(intPart) - lead - 1
	default:
		z := len(frac) - len(trimZeros(frac))
		if z == len(frac) {
			msd = 0 // zero
			break
		}
		msd = -(z + 1)
	}
	e += msd
	return e >= -maxNumberExponent && e <= maxNumberExponent
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == '0' {
		b = b[1:]
	}
	return b
}
