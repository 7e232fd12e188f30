package search

import (
	"strconv"
	"unicode"
	"unicode/utf8"
)

// romanNumerals holds the compatibility decompositions (as NFKC gives them)
// of U+2160..U+216B and of their small forms U+2170..U+217B, lower-cased.
var romanNumerals = [...]string{"i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"}

// normalize folds s the way both documents and queries are folded before
// tokenisation: full-width ASCII (U+FF01..U+FF5E) becomes half-width, the
// ideographic space and other Unicode spaces become ' ', Roman numerals and
// circled numbers become ASCII (the NFKC mappings, reproduced by hand since
// only the standard library is used), everything is lower-cased, and invalid
// UTF-8 becomes ' '. A rune never folds to something that joins it to a
// neighbouring Han run, so character classes are preserved.
func normalize(s string) string {
	i := 0
	for i < len(s) {
		c := s[i]
		if c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			break
		}
		i++
	}
	if i == len(s) {
		return s // plain lower-case ASCII: nothing to fold, no copy
	}
	b := make([]byte, i, len(s)+8)
	copy(b, s[:i])
	for _, r := range s[i:] {
		b = appendFold(b, r)
	}
	return string(b)
}

// appendFold appends the folded form of r to b.
func appendFold(b []byte, r rune) []byte {
	switch {
	case r < utf8.RuneSelf:
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
		r -= 0xFEE0
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return append(b, byte(r))
	case r == 0x3000 || r == 0x00A0 || r == 0x202F || r == 0x205F || (r >= 0x2000 && r <= 0x200A):
		return append(b, ' ')
	case r >= 0x2160 && r <= 0x216B:
		return append(b, romanNumerals[r-0x2160]...)
	case r >= 0x2170 && r <= 0x217B:
		return append(b, romanNumerals[r-0x2170]...)
	case r >= 0x2460 && r <= 0x2473: // ① .. ⑳
		return strconv.AppendInt(b, int64(r-0x2460+1), 10)
	case r == utf8.RuneError:
		return append(b, ' ')
	case r >= 0x3001 && r < 0xA4D0: // CJK, kana, Yi: no case to fold
		return utf8.AppendRune(b, r)
	}
	return utf8.AppendRune(b, unicode.ToLower(r))
}

// Character classes of normalised text.
const (
	clsSep = iota
	clsHan
	clsWord
)

// class says whether r (already normalised) belongs to a Han run, to a word
// (letters, digits and combining marks of any other script) or separates.
func class(r rune) int {
	if r < utf8.RuneSelf {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || ('A' <= r && r <= 'Z') {
			return clsWord
		}
		return clsSep
	}
	if r >= 0x4E00 && r <= 0x9FFF {
		return clsHan // CJK Unified Ideographs, the common case
	}
	if r >= 0x2E80 && unicode.Is(unicode.Han, r) {
		return clsHan
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
		return clsWord
	}
	return clsSep
}

// scanTerms walks normalised text s. It calls han for every Han character
// with the Han character right before it in the same run (0 at the start of
// a run), and word for every word.
func scanTerms(s string, han func(r, prev rune), word func(w string)) {
	var prev rune
	start := -1
	for i, r := range s {
		switch class(r) {
		case clsHan:
			if start >= 0 {
				word(s[start:i])
				start = -1
			}
			han(r, prev)
			prev = r
		case clsWord:
			prev = 0
			if start < 0 {
				start = i
			}
		default:
			prev = 0
			if start >= 0 {
				word(s[start:i])
				start = -1
			}
		}
	}
	if start >= 0 {
		word(s[start:])
	}
}

// fieldLength is the number of positions (Han characters plus words) in
// normalised text s; it is the length used by BM25 length normalisation.
func fieldLength(s string) int {
	n := 0
	scanTerms(s, func(rune, rune) { n++ }, func(string) { n++ })
	return n
}

// Tokens returns the terms normalised text s yields, in text order with
// repeats: for each run of Han characters every character (unigram) and every
// overlapping pair (bigram), for each run of other letters and digits the
// whole lower-cased word. Punctuation, spaces and symbols separate runs.
// Tokens("人口户籍 ABC") is [人 人口 口 口户 户 户籍 籍 abc].
func Tokens(s string) []string {
	var out []string
	scanTerms(normalize(s), func(r, prev rune) {
		if prev != 0 {
			out = append(out, string([]rune{prev, r}))
		}
		out = append(out, string(r))
	}, func(w string) {
		out = append(out, w)
	})
	return out
}

// segment is one unit of a query: a run of Han characters or a word.
type segment struct {
	han    bool
	text   string
	runes  []rune // the characters of a Han run
	prefix bool   // a word that also matches as a prefix
}

// minPrefixRunes is the length from which the last query word also matches
// words it is a prefix of (search-as-you-type).
const minPrefixRunes = 3

// querySegments splits normalised query text into its distinct segments in
// order of first appearance. The segment ending the query, when it is a
// word of at least minPrefixRunes characters that does not also occur
// earlier, is marked as a prefix.
func querySegments(s string) []segment {
	var segs []segment
	start := -1
	han := false
	var runes []rune
	flush := func(end int) {
		if start >= 0 {
			segs = append(segs, segment{han: han, text: s[start:end], runes: runes})
			start, runes = -1, nil
		}
	}
	for i, r := range s {
		c := class(r)
		if start >= 0 && (c == clsSep || (c == clsHan) != han) {
			flush(i)
		}
		if c == clsSep {
			continue
		}
		if start < 0 {
			start, han = i, c == clsHan
		}
		if han {
			runes = append(runes, r)
		}
	}
	flush(len(s))
	if n := len(segs); n > 0 && !segs[n-1].han && utf8.RuneCountInString(segs[n-1].text) >= minPrefixRunes {
		segs[n-1].prefix = true
	}
	out := segs[:0]
next:
	for _, g := range segs {
		for j := range out {
			if out[j].han == g.han && out[j].text == g.text {
				out[j].prefix = out[j].prefix && g.prefix
				continue next
			}
		}
		out = append(out, g)
	}
	return out
}
