package audit

import (
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"huitong"
)

// canonicalTime is the layout of an entry's time in its canonical form.
const canonicalTime = "2006-01-02T15:04:05.000000Z"

// AppendCanonical appends Canonical(e) to dst: byte for byte what
// encoding/json.Marshal gives for
//
//	[]any{chain, seq, at, actor, department, action, object, result, detail}
//
// written directly, since verifying a long chain spends most of its time
// here otherwise.
func AppendCanonical(dst []byte, e *huitong.AuditEntry) []byte {
	dst = append(dst, '[')
	dst = appendJSONString(dst, e.Chain)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, e.Seq, 10)
	if e.Tail != nil {
		return append(dst, e.Tail...)
	}
	return appendTail(dst, e)
}

// PrepareTail truncates e.At to microseconds (as Seal does) and writes
// e.Tail, the canonical form after the sequence number, which holds
// everything but the chain and the sequence number. Whoever queues an
// entry for a writer that seals many in turn can so do the encoding
// beforehand, in parallel; e's fields must not change after.
func PrepareTail(e *huitong.AuditEntry) {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Tail = appendTail(make([]byte, 0, 160+len(e.Detail)), e)
}

// appendTail appends the canonical form of e after its sequence number.
func appendTail(dst []byte, e *huitong.AuditEntry) []byte {
	dst = append(dst, ',', '"')
	dst = AppendCanonicalTime(dst, e.At)
	dst = append(dst, '"')
	for _, s := range [...]string{e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail} {
		dst = append(dst, ',')
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as encoding/json writes a string (HTML
// escaping on): for callers that write hot JSON answers by hand.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

// AppendJSONMap appends m as encoding/json writes a map with string keys:
// null for nil, otherwise the keys in sorted order, each value written by
// value (strconv.AppendBool, AppendJSONString, ...).
func AppendJSONMap[V any](b []byte, m map[string]V, value func([]byte, V) []byte) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = value(b, m[k])
	}
	return append(b, '}')
}

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping on (its default): '<', '>' and '&' as \u003c \u003e \u0026,
// control characters as \b \f \n \r \t or \u00XX, U+2028 and U+2029
// escaped, and each invalid UTF-8 byte as \ufffd.
func appendJSONString[T ~string | ~[]byte](dst []byte, s T) []byte {
	if jsonPlain(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"')
	}
	if validUTF8(s) {
		return appendJSONValid(dst, s)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = appendEscapedASCII(append(dst, s[start:i]...), b)
			i++
			start = i
			continue
		}
		c, size := decodeRune(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendJSONValid is appendJSONString for valid UTF-8 that needs escapes
// (an audit entry's detail is JSON: every quote in it is escaped): byte by
// byte, without decoding runes, since only ASCII bytes and U+2028 and
// U+2029 (E2 80 A8, E2 80 A9) are written other than as they are.
func appendJSONValid[T ~string | ~[]byte](dst []byte, s T) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < utf8.RuneSelf {
			if plainASCII[b] {
				continue
			}
			dst = appendEscapedASCII(append(dst, s[start:i]...), b)
			start = i + 1
		} else if b == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[s[i+2]&0xF])
			i += 2
			start = i + 1
		}
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendEscapedASCII appends the escape encoding/json writes for an ASCII
// byte it does not write as it is.
func appendEscapedASCII(dst []byte, b byte) []byte {
	switch b {
	case '\\', '"':
		return append(dst, '\\', b)
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	return append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
}

// validUTF8 is utf8.ValidString or utf8.Valid, whichever s is.
func validUTF8[T ~string | ~[]byte](s T) bool {
	switch v := any(s).(type) {
	case string:
		return utf8.ValidString(v)
	case []byte:
		return utf8.Valid(v)
	}
	return utf8.ValidString(string(s))
}

// jsonPlain reports whether s is written as it is between the quotes:
// valid UTF-8 with no byte to escape and no U+2028 or U+2029. Most text
// is, and one pass over it (then a validity check) is cheaper than
// decoding it rune by rune.
func jsonPlain[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf {
			if !plainASCII[c] {
				return false
			}
		} else if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return false
		}
	}
	return validUTF8(s)
}

// plainASCII marks the ASCII bytes encoding/json writes as they are.
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

func decodeRune[T ~string | ~[]byte](s T) (rune, int) {
	switch v := any(s).(type) {
	case string:
		return utf8.DecodeRuneInString(v)
	case []byte:
		return utf8.DecodeRune(v)
	}
	return utf8.DecodeRuneInString(string(s))
}

// AppendCanonicalRaw is AppendCanonical over fields as stored: at is the
// time already in the canonical layout (CanonicalTime), the text fields
// raw bytes. Verifying a long chain reads rows this way, without making a
// string of every field.
func AppendCanonicalRaw(dst []byte, chain []byte, seq int64, at []byte, actor, department, action, object, result, detail []byte) []byte {
	dst = append(dst, '[')
	dst = appendJSONString(dst, chain)
	dst = append(dst, ',')
	dst = strconv.AppendInt(dst, seq, 10)
	dst = append(dst, ',', '"')
	dst = append(dst, at...)
	dst = append(dst, '"')
	for _, s := range [...][]byte{actor, department, action, object, result, detail} {
		dst = append(dst, ',')
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// CanonicalTime is the layout of an entry's time in its canonical form:
// RFC 3339 in UTC with microseconds.
const CanonicalTime = canonicalTime

// AppendCanonicalTime appends t in UTC in the CanonicalTime layout, as
// t.UTC().AppendFormat(dst, CanonicalTime) does for years 0-9999 (written
// by hand: a tenth of the cost, and a chain's verification formats the
// time of every entry). Other years go through AppendFormat.
func AppendCanonicalTime(dst []byte, t time.Time) []byte {
	t = t.UTC()
	year, month, day := t.Date()
	if year < 0 || year > 9999 {
		return t.AppendFormat(dst, canonicalTime)
	}
	hour, min, sec := t.Clock()
	us := t.Nanosecond() / 1000
	return append(dst,
		byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '-',
		byte('0'+int(month)/10), byte('0'+int(month)%10), '-', byte('0'+day/10), byte('0'+day%10), 'T',
		byte('0'+hour/10), byte('0'+hour%10), ':', byte('0'+min/10), byte('0'+min%10), ':', byte('0'+sec/10), byte('0'+sec%10), '.',
		byte('0'+us/100000), byte('0'+us/10000%10), byte('0'+us/1000%10), byte('0'+us/100%10), byte('0'+us/10%10), byte('0'+us%10), 'Z')
}
