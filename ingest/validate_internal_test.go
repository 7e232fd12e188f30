package ingest

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"huitong"
	"huitong/gbcode"
	"huitong/quality"
)

// TestValueFastPaths holds value's shortcuts for plain ASCII edges and
// values without full-width forms to the general rules: trim everything
// isTrim matches at both ends, then gbcode.Normalize, and hostile's rune
// by rune check.
func TestValueFastPaths(t *testing.T) {
	text := &itemSpec{it: &huitong.Item{Name: "备注", Type: huitong.TypeMemo}, name: "备注"}
	code := &itemSpec{it: &huitong.Item{Name: "民族", Type: huitong.TypeString, Length: 20}, name: "民族", rule: "enum:01,02,AB1"}
	v := &validator{now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		name, in, want string
		mask           uint16
		rule           string
	}{
		{"Plain", "张三", "张三", 0, ""},
		{"ASCIIEdges", "a 张 b", "a 张 b", 0, ""},
		{"LeadingSpace", " 张三", "张三", cleanTrim, ""},
		{"TrailingNBSP", "张三\u00a0", "张三", cleanTrim, ""},
		{"IdeographicSpace", "\u3000张三\u3000", "张三", cleanTrim, ""},
		{"ZeroWidth", "\u200b张三\ufeff", "张三", cleanTrim, ""},
		{"TrailingCR", "abc\r", "abc", cleanTrim, ""},
		{"TabInside", "a\tb", "a\tb", 0, ""},
		{"FullWidth", "ＡＢ１", "AB1", cleanFullwidth, ""},
		{"FullWidthTrimmed", " ０９３１ ", "0931", cleanTrim | cleanFullwidth, ""},
		{"Control", "a\x01b", "", 0, "charset"},
		{"Bidi", "a\u202eb", "", 0, "charset"},
		{"Undecodable", "a\xffb", "", 0, "encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, mask, rule, _ := v.value(text, c.in)
			if got != c.want || mask != c.mask || rule != c.rule {
				t.Fatalf("value(%q): got %q, mask %b, rule %q; want %q, %b, %q", c.in, got, mask, rule, c.want, c.mask, c.rule)
			}
		})
	}
	t.Run("Random", func(t *testing.T) {
		parts := []string{"a", "Z", "1", " ", "\t", "\r", "\n", "\u00a0", "\u3000", "\u200b", "\ufeff", "张", "·", "０", "Ｚ", "ｚ", "\x01", "\u202e", "\x7f", "\xff", "-", "\u0085"}
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20000 {
			var b strings.Builder
			for range 1 + rng.IntN(6) {
				b.WriteString(parts[rng.IntN(len(parts))])
			}
			in := b.String()
			for _, sp := range []*itemSpec{text, code} {
				isText := sp == text
				wantRule, _ := hostileRef(in, isText)
				got, mask, rule, _ := v.value(sp, in)
				if wantRule != "" {
					if rule != wantRule {
						t.Fatalf("value(%q): rule %q, want %q", in, rule, wantRule)
					}
					continue
				}
				want := strings.TrimFunc(in, isTrim)
				var wantMask uint16
				if want != in {
					wantMask |= cleanTrim
				}
				if n := gbcode.Normalize(want); n != want {
					want, wantMask = n, wantMask|cleanFullwidth
				}
				if want == "" || !isText && !strings.Contains(",01,02,AB1,", ","+want+",") {
					continue // empty or not in the code set: another rule decides
				}
				if got != want || mask != wantMask || rule != "" {
					t.Fatalf("value(%q): got %q, mask %b, rule %q; want %q, mask %b", in, got, mask, rule, want, wantMask)
				}
			}
		}
	})
}

// hostileRef is hostile without its ASCII shortcut.
func hostileRef(s string, text bool) (rule, msg string) {
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return "encoding", ""
		case r == '\n' || r == '\r' || r == '\t':
			if !text {
				return "charset", ""
			}
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			return "charset", ""
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return "charset", ""
		}
	}
	return "", ""
}

// TestMatchKey holds the one-allocation MatchKey to its definition.
func TestMatchKey(t *testing.T) {
	for _, c := range []struct{ name, date, want string }{
		{"张 三", "1990-01-02", "张三|1990-01-02"},
		{" 阿依·买买提 ", "1990-01-02", "阿依·买买提|1990-01-02"},
		{"john．smith", "2001-01-01", "JOHN·SMITH|2001-01-01"},
		{"ＡＢ", "2001-01-01", "AB|2001-01-01"},
		{"", "2001-01-01", ""},
		{"张三", "", ""},
		{" \u3000", "2001-01-01", ""},
	} {
		if got := quality.MatchKey(c.name, c.date); got != c.want {
			t.Errorf("MatchKey(%q, %q): got %q, want %q", c.name, c.date, got, c.want)
		}
		if c.date != "" {
			if n := quality.NormalizeName(c.name); c.want != "" && n+"|"+c.date != c.want {
				t.Errorf("NormalizeName(%q): got %q, want the name part of %q", c.name, n, c.want)
			}
		}
	}
}
