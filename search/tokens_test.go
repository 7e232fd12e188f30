package search_test

import (
	"slices"
	"testing"

	"huitong/search"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"OneHan", "籍", []string{"籍"}},
		{"HanRun", "人口户籍", []string{"人", "人口", "口", "口户", "户", "户籍", "籍"}},
		{"PunctuationSeparates", "户籍，社保", []string{"户", "户籍", "籍", "社", "社保", "保"}},
		{"SpaceSeparates", "户籍 社保", []string{"户", "户籍", "籍", "社", "社保", "保"}},
		{"LatinWordsLowerCased", "GB/T 2260 Data", []string{"gb", "t", "2260", "data"}},
		{"MixedScripts", "API接口v2", []string{"api", "接", "接口", "口", "v2"}},
		{"FullWidthFolded", "ＡＰＩ２０２３", []string{"api2023"}},
		{"IdeographicSpace", "户籍\u3000社保", []string{"户", "户籍", "籍", "社", "社保", "保"}},
		{"RomanNumeral", "第Ⅲ类", []string{"第", "iii", "类"}},
		{"CircledNumber", "①号", []string{"1", "号"}},
		{"OnlyPunctuation", "，。！", nil},
		{"Empty", "", nil},
		{"InvalidUTF8", "户\xff籍", []string{"户", "籍"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := search.Tokens(tc.text); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
