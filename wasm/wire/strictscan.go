package wire

import (
	"bytes"
	"reflect"
)

// scanStrict is checkStrict's fast path: one pass over the bytes, with no
// tokens and nothing allocated for the bodies the API takes. json's Token
// walk cost 21 µs of a count batch's 30 µs decode, a tenth of the server's
// CPU per batch under load (internal/cmd/loadbench); this pass about 1 µs.
//
// It reports true only when the body starts with one well-formed JSON
// value, not null, whose objects are strict for t as walkStrict checks
// them. Anything else, a fault or a rare shape (a key with an escape or a
// non-ASCII byte, an object of more than maxScanKeys keys, nesting deeper
// than maxScanDepth), it leaves to walkStrict, which names what is wrong.
func scanStrict(body []byte, t reflect.Type) bool {
	s := strictScanner{b: body}
	s.space()
	if bytes.HasPrefix(body[s.i:], []byte("null")) {
		return false
	}
	return s.value(t)
}

const (
	maxScanKeys  = 64    // duplicates are found by comparing each key with those before
	maxScanDepth = 10000 // encoding/json's own nesting limit
)

type strictScanner struct {
	b     []byte
	i     int
	depth int
}

func (s *strictScanner) peek() byte {
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

func (s *strictScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *strictScanner) value(t reflect.Type) bool {
	s.space()
	switch c := s.peek(); {
	case c == '{':
		return s.object(strictType(t))
	case c == '[':
		return s.array(strictType(t))
	case c == '"':
		_, _, ok := s.str()
		return ok
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		return s.number()
	}
	return false
}

func (s *strictScanner) object(t reflect.Type) bool {
	empty, ok := s.enter('}')
	if !ok || empty {
		return ok
	}
	fields, elem := objectTypes(t)
	seen := make([][]byte, 0, 16)
	for more := true; more; {
		key, plain, ok := s.member()
		if !ok || !plain || len(seen) == maxScanKeys {
			return false
		}
		for _, k := range seen {
			if bytes.Equal(k, key) {
				return false
			}
		}
		seen = append(seen, key)
		ft := elem
		if fields != nil {
			if ft, ok = fields[string(key)]; !ok {
				return false
			}
		}
		if !s.value(ft) {
			return false
		}
		if more, ok = s.after('}'); !ok {
			return false
		}
	}
	return true
}

func (s *strictScanner) array(t reflect.Type) bool {
	empty, ok := s.enter(']')
	if !ok || empty {
		return ok
	}
	elem := arrayElem(t)
	for more := true; more; {
		if !s.value(elem) {
			return false
		}
		if more, ok = s.after(']'); !ok {
			return false
		}
	}
	return true
}

// enter steps into the object or array at s.i, and past it when it is
// empty (closed by end); ok is false past maxScanDepth.
func (s *strictScanner) enter(end byte) (empty, ok bool) {
	if s.depth++; s.depth > maxScanDepth {
		return false, false
	}
	s.i++ // { or [
	s.space()
	if s.peek() == end {
		s.i++
		s.depth--
		return true, true
	}
	return false, true
}

// member reads an object member's key and the colon after it.
func (s *strictScanner) member() (key []byte, plain, ok bool) {
	s.space()
	if s.peek() != '"' {
		return nil, false, false
	}
	if key, plain, ok = s.str(); !ok {
		return nil, false, false
	}
	s.space()
	if s.peek() != ':' {
		return nil, false, false
	}
	s.i++
	return key, plain, true
}

// after reads what follows a member or an element: a comma, so more
// follows, or end, which closes the object or array.
func (s *strictScanner) after(end byte) (more, ok bool) {
	s.space()
	switch s.peek() {
	case ',':
		s.i++
		return true, true
	case end:
		s.i++
		s.depth--
		return false, true
	}
	return false, false
}

// str reads a string and returns its bytes between the quotes; plain
// reports that they are printable ASCII without escapes, so they are the
// string's value.
func (s *strictScanner) str() (raw []byte, plain, ok bool) {
	s.i++ // "
	start, plain := s.i, true
	for s.i < len(s.b) {
		switch c := s.b[s.i]; {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, plain, true
		case c == '\\':
			plain = false
			s.i++
			switch s.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				for range 4 {
					if !isHex(s.peek()) {
						return nil, false, false
					}
					s.i++
				}
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		case c >= 0x7f:
			plain = false
			s.i++
		default:
			s.i++
		}
	}
	return nil, false, false
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func (s *strictScanner) literal(word string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		return false
	}
	s.i += len(word)
	return true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *strictScanner) number() bool {
	if s.peek() == '-' {
		s.i++
	}
	switch c := s.peek(); {
	case c == '0':
		s.i++
	case '1' <= c && c <= '9':
		s.digits()
	default:
		return false
	}
	if s.peek() == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if c := s.peek(); c == 'e' || c == 'E' {
		s.i++
		if c := s.peek(); c == '+' || c == '-' {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits reads one or more digits.
func (s *strictScanner) digits() bool {
	start := s.i
	for '0' <= s.peek() && s.peek() <= '9' {
		s.i++
	}
	return s.i > start
}

// StringAt returns the string at path (object keys, outermost first) in a
// JSON body, as the strict decoder would read it, scanning no further than
// it; ok is false when it cannot say: the path is missing, the bytes before
// it are not JSON, or a key or the value has an escape or a non-ASCII byte.
// The server's rate limiter keys a body by it (a device or session id)
// before the body is decoded, which refuses what this lets pass.
func StringAt(body []byte, path ...string) (v string, ok bool) {
	s := strictScanner{b: body}
	for _, want := range path {
		s.space()
		if s.peek() != '{' {
			return "", false
		}
		s.i++
		for {
			key, plain, ok := s.member()
			if !ok || !plain {
				return "", false
			}
			if string(key) == want {
				break
			}
			if !s.value(nil) {
				return "", false
			}
			if more, _ := s.after('}'); !more {
				return "", false
			}
		}
	}
	s.space()
	if s.peek() != '"' {
		return "", false
	}
	raw, plain, ok := s.str()
	if !ok || !plain {
		return "", false
	}
	return string(raw), true
}
