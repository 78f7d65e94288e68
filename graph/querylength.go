package graph

import (
	"bytes"
	"net/http"
	"unicode/utf16"
	"unicode/utf8"
)

// queryLength is the length in bytes that the "query" member of the JSON
// object body has once decoded, found in one pass without decoding it.
// ok is false when body is not an object whose last "query" member is a
// string it could measure; the body is then decoded, and refused for
// what is wrong with it (decodableBody) or for its document. Decoding a
// 150 kB document only to refuse it for its size was the largest share of
// the CPU that refusing it cost.
func queryLength(body []byte) (n int, ok bool) {
	s := scanner{b: body}
	found := false
	whole := s.object(func(key []byte) bool {
		// encoding/json matches names without regard to case, and keeps
		// the last of repeated members.
		if !bytes.EqualFold(key, []byte("query")) {
			return s.skipValue(0)
		}
		n, found = s.decodedLength()
		return found
	})
	if !whole || !found {
		return 0, false
	}
	return n, true
}

// maxSkipDepth bounds the nesting a skipped value may have, as
// encoding/json bounds its own.
const maxSkipDepth = 10_000

type scanner struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (s *scanner) space() {
	for s.i < len(s.b) && isSpace(s.b[s.i]) {
		s.i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (s *scanner) take(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// object reads the object that the rest of the input must be, calling
// value at each member's value with the member's name as written; value
// reads the value. false when the input is not such an object, when a
// name has escapes (it might spell any name; not worth decoding), or when
// value returns false.
func (s *scanner) object(value func(name []byte) bool) bool {
	s.space()
	if !s.take('{') {
		return false
	}
	s.space()
	if s.take('}') {
		s.space()
		return s.i == len(s.b)
	}
	for {
		name, plain := s.rawString()
		if name == nil || !plain {
			return false
		}
		s.space()
		if !s.take(':') {
			return false
		}
		s.space()
		if !value(name) {
			return false
		}
		s.space()
		if s.take('}') {
			s.space()
			return s.i == len(s.b)
		}
		if !s.take(',') {
			return false
		}
		s.space()
	}
}

// rawString reads a string and returns its text between the quotes as
// written, and whether it has no escapes; nil when it is not a string.
func (s *scanner) rawString() (raw []byte, plain bool) {
	if !s.take('"') {
		return nil, false
	}
	start, plain := s.i, true
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			s.i++
			return s.b[start : s.i-1], plain
		case c == '\\':
			plain = false
			s.i += 2
		case c < 0x20:
			return nil, false
		default:
			s.i++
		}
	}
	return nil, false
}

// decodedLength reads a string and returns the bytes encoding/json
// decodes it to: escapes become what they stand for, and each invalid
// UTF-8 byte or lone surrogate becomes U+FFFD.
func (s *scanner) decodedLength() (int, bool) {
	if !s.take('"') {
		return 0, false
	}
	n := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return n, true
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return 0, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
				n++
			case 'u':
				r, ok := s.hex4(s.i + 2)
				if !ok {
					return 0, false
				}
				s.i += 6
				if utf16.IsSurrogate(r) {
					// A pair decodes to one rune; a lone half to U+FFFD.
					if r2, ok := s.hex4(s.i + 2); ok && s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
							s.i += 6
							n += utf8.RuneLen(dec)
							continue
						}
					}
					r = utf8.RuneError
				}
				n += utf8.RuneLen(r)
			default:
				return 0, false
			}
		case c < 0x20:
			return 0, false
		case c < utf8.RuneSelf:
			s.i++
			n++
		default:
			r, size := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && size == 1 {
				n += utf8.RuneLen(utf8.RuneError)
			} else {
				n += size
			}
			s.i += size
		}
	}
	return 0, false
}

// hex4 reads the four hex digits at i.
func (s *scanner) hex4(i int) (rune, bool) {
	if i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r*16 + rune(c)
	}
	return r, true
}

// skipValue passes over any value. It checks the structure, not every
// rule of JSON: a body it passes that encoding/json refuses is refused
// by the size found or, when that is within bounds, by gqlgen.
func (s *scanner) skipValue(depth int) bool {
	if depth > maxSkipDepth || s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		raw, _ := s.rawString()
		return raw != nil
	case '{', '[':
		open := s.b[s.i]
		end := byte('}')
		if open == '[' {
			end = ']'
		}
		s.i++
		s.space()
		if s.take(end) {
			return true
		}
		for {
			if open == '{' {
				if key, _ := s.rawString(); key == nil {
					return false
				}
				s.space()
				if !s.take(':') {
					return false
				}
				s.space()
			}
			if !s.skipValue(depth + 1) {
				return false
			}
			s.space()
			if s.take(end) {
				return true
			}
			if !s.take(',') {
				return false
			}
			s.space()
		}
	default:
		// A number or a literal: up to the next delimiter.
		start := s.i
		for s.i < len(s.b) && !isSpace(s.b[s.i]) && s.b[s.i] != ',' && s.b[s.i] != '}' && s.b[s.i] != ']' {
			s.i++
		}
		return s.i > start
	}
}

// documentSize refuses, before gqlgen decodes the body, a POST whose
// query is longer than the document limit allows (documentLimit says
// the same of one gqlgen decoded). It needs the body that limitBody read.
func documentSize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b, ok := r.Body.(bufferedBody); ok && r.Method == http.MethodPost && len(b.b) > maxDocumentBytes {
			if n, ok := queryLength(b.b); ok && n > maxDocumentBytes {
				writeHTTPError(w, http.StatusRequestEntityTooLarge, documentBytesMessage(n), CodeDocumentTooLarge, nil)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
