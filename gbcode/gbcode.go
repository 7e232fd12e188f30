// Package gbcode validates, builds and masks the national identifiers that
// government data carries: citizen ID numbers (GB 11643-1999), unified
// social credit codes (GB 32100-2015), organisation codes (GB 11714-1997),
// administrative division codes (GB/T 2260), e-certificate identifiers
// (GB/T 36904-2018), mainland mobile numbers and dates.
//
// Validators take what a person typed, normalise it (see Normalize) and
// return the canonical form, or an *Error naming the rule that failed and a
// Chinese sentence saying what was expected. Address codes are checked
// against the embedded division list of package divisions.
package gbcode

import (
	"errors"
	"strings"
	"unicode"
)

// Rule names carried by Error.Rule. They are stable and meant for machines
// (API responses, tests, metrics); the message is for people.
const (
	RuleEmpty      = "empty"      // nothing was given
	RuleLength     = "length"     // wrong number of characters
	RuleCharset    = "charset"    // a character outside the allowed set
	RuleAddress    = "address"    // the division code is not a known GB/T 2260 code
	RuleBirthdate  = "birthdate"  // the birth date does not exist, is before 1890 or in the future
	RuleCheckdigit = "checkdigit" // the check character does not match
	RuleFormat     = "format"     // the structure is wrong (prefix, separators, date layout)
)

// Error is a validation failure: Rule is one of the Rule* constants and
// Message a Chinese sentence naming the field and what was expected. It is
// safe to show Message to the person who typed the value.
type Error struct {
	Rule    string
	Message string
}

// Error returns the rule and the message, e.g. "length: 公民身份号码应为18位，实际为15位".
func (e *Error) Error() string {
	return e.Rule + ": " + e.Message
}

// RuleOf returns the Rule of err if it is or wraps an *Error, and "" otherwise.
func RuleOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Rule
	}
	return ""
}

// fail builds an *Error.
func fail(rule, message string) *Error {
	return &Error{Rule: rule, Message: message}
}

// Normalize trims white space at both ends (any Unicode space, including the
// ideographic space U+3000, and zero-width spaces and byte order marks) and
// turns full-width ASCII digits and letters (０-９, Ａ-Ｚ, ａ-ｚ) into their
// half-width forms. It changes nothing else: not case, not punctuation, not
// spaces inside the value, so it never changes what a value means.
func Normalize(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\u200B' || r == '\uFEFF'
	})
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９', r >= 'Ａ' && r <= 'Ｚ', r >= 'ａ' && r <= 'ｚ':
			return r - 0xFEE0
		}
		return r
	}, s)
}

// isDigits reports whether s is non-empty and all ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// firstOutside returns the 1-based position (in runes) and the rune of the
// first character of s for which ok is false, or 0 if there is none.
func firstOutside(s string, ok func(r rune) bool) (int, rune) {
	pos := 0
	for _, r := range s {
		pos++
		if !ok(r) {
			return pos, r
		}
	}
	return 0, 0
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }
