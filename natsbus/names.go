package natsbus

import (
	"strconv"
	"strings"
	"unicode"
)

// Subject returns Prefix + "." + parts joined with ".". Each part is
// sanitised into one subject token: whitespace, control characters, '.',
// '*' and '>' become '_', and an empty part becomes "_", so a value taken
// from data (a department code, a resource code) can never add tokens or
// wildcards to the subject.
func (b *Bus) Subject(parts ...string) string {
	var sb strings.Builder
	sb.WriteString(b.prefix)
	for _, p := range parts {
		sb.WriteByte('.')
		sb.WriteString(sanitizeToken(p))
	}
	return sb.String()
}

// SubjectAll returns Subject(parts...) + ".>": the filter matching every
// subject below those parts, for Subscribe, EnsureStream and Consume.
// Subject alone can never produce a wildcard.
func (b *Bus) SubjectAll(parts ...string) string { return b.Subject(parts...) + ".>" }

// StreamName returns the JetStream stream name EnsureStream uses for name:
// Prefix + "_" + name.
func (b *Bus) StreamName(name string) string { return b.prefix + "_" + name }

// Prefix returns the configured prefix (default "huitong").
func (b *Bus) Prefix() string { return b.prefix }

func sanitizeToken(p string) string {
	if p == "" {
		return "_"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r == '.', r == '*', r == '>', unicode.IsSpace(r), unicode.IsControl(r), r == unicode.ReplacementChar:
			return '_'
		}
		return r
	}, p)
}

// validToken reports whether s is a non-empty run of ASCII letters, digits,
// '_' and '-': safe as a subject token and inside stream and consumer names.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		ok := r == '_' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z')
		if !ok {
			return false
		}
	}
	return true
}

// validSubject reports whether s is a well-formed subject or filter: tokens
// separated by single dots, none empty or holding whitespace, '*' and '>'
// only as whole tokens, '>' only last.
func validSubject(s string) bool {
	if s == "" {
		return false
	}
	toks := strings.Split(s, ".")
	for i, t := range toks {
		if t == "" || strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			return false
		}
		if t == ">" && i != len(toks)-1 {
			return false
		}
		if t != "*" && t != ">" && strings.ContainsAny(t, "*>") {
			return false
		}
	}
	return true
}

func itoa(i int) string     { return strconv.Itoa(i) }
func quote(s string) string { return strconv.Quote(s) }
