package gbcode

import (
	"strings"
	"unicode/utf8"
)

// minMasked is the fewest characters a mask hides. A value too short to hide
// that many after keeping its head and tail is masked entirely, so a
// truncated or malformed value never shows almost all of itself.
const minMasked = 4

// maskKeep keeps the first head and last tail runes of s and writes '*' for
// every other rune; see minMasked.
func maskKeep(s string, head, tail int) string {
	r := []rune(s)
	if len(r) < head+tail+minMasked {
		head, tail = 0, 0
	}
	var b strings.Builder
	b.Grow(len(s))
	for i, c := range r {
		if i < head || i >= len(r)-tail {
			b.WriteRune(c)
		} else {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// MaskCitizenID masks a citizen ID number for display, keeping the first 6
// and last 4 characters: "620102********1234". The value is normalised
// first; one of fewer than 14 characters is masked entirely.
func MaskCitizenID(s string) string {
	return maskKeep(Normalize(s), 6, 4)
}

// MaskMobile masks a mobile number for display, keeping the first 3 and last
// 4 digits: "138****5678". A number Mobile accepts is shown in its 11-digit
// form; anything else is normalised and masked the same way, or entirely if
// it has fewer than 11 characters.
func MaskMobile(s string) string {
	if m, err := Mobile(s); err == nil {
		return m[:3] + "****" + m[7:]
	}
	return maskKeep(Normalize(s), 3, 4)
}

// MaskUSCC masks a unified social credit code for display, keeping the first
// 8 characters (authority, type, division) and the last 2:
// "91350100********43". The value is normalised and upper-cased first; one of
// fewer than 14 characters is masked entirely.
func MaskUSCC(s string) string {
	return maskKeep(strings.ToUpper(Normalize(s)), 8, 2)
}

// compoundSurnames are two-character surnames (复姓) that MaskName keeps
// whole.
var compoundSurnames = map[string]bool{
	"欧阳": true, "司马": true, "上官": true, "诸葛": true, "东方": true,
	"皇甫": true, "尉迟": true, "公孙": true, "慕容": true, "长孙": true,
	"令狐": true, "夏侯": true, "司徒": true, "司空": true, "轩辕": true,
	"端木": true, "宇文": true, "澹台": true, "独孤": true, "南宫": true,
	"西门": true, "呼延": true, "闻人": true, "万俟": true, "公羊": true,
	"赫连": true, "钟离": true, "宗政": true, "濮阳": true, "太史": true,
	"申屠": true, "百里": true, "东郭": true, "公冶": true, "左丘": true,
	"拓跋": true, "梁丘": true, "第五": true, "羊舌": true, "微生": true,
}

// MaskName masks a person's name for display, keeping the surname and
// writing '*' for every other character: "张*", "张**", "欧阳**". The
// surname is the first character, or the first two when they are a common
// compound surname (欧阳, 司马, 诸葛 ...) and more characters follow. The
// separator '·' of transcribed names and spaces are kept; a one-character
// value is masked entirely.
func MaskName(s string) string {
	s = Normalize(s)
	n := utf8.RuneCountInString(s)
	if n <= 1 {
		return strings.Repeat("*", n)
	}
	keep := 1
	if n > 2 {
		_, w1 := utf8.DecodeRuneInString(s)
		_, w2 := utf8.DecodeRuneInString(s[w1:])
		if compoundSurnames[s[:w1+w2]] {
			keep = 2
		}
	}
	var b strings.Builder
	i := 0
	for _, c := range s {
		switch {
		case i < keep, c == '·', c == ' ', c == '\u3000':
			b.WriteRune(c)
		default:
			b.WriteByte('*')
		}
		i++
	}
	return b.String()
}
