package search_test

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"huitong/search"
)

// entry builds a catalog-shaped document: name (weight 5), items (2) and
// abstract (1), with provider and shareType facets.
func entry(id, name, items, abstract, provider, share string) search.Doc {
	return search.Doc{
		ID: id,
		Fields: []search.Field{
			{Name: "name", Text: name, Weight: 5},
			{Name: "items", Text: items, Weight: 2},
			{Name: "abstract", Text: abstract, Weight: 1},
		},
		Facets: map[string][]string{"provider": {provider}, "shareType": {share}},
	}
}

func ids(res search.Result) []string {
	out := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		out[i] = h.ID
	}
	return out
}

// sampleIndex holds a few catalog entries; 户籍 occurs in a name, in items
// and in an abstract.
func sampleIndex() *search.Index {
	ix := search.New()
	for _, d := range []search.Doc{
		entry("A", "人口户籍信息", "姓名、公民身份号码", "全省常住人口登记信息。", "P1", "unconditional"),
		entry("B", "社保参保信息", "姓名、户籍地址、参保状态", "养老保险参保登记。", "P2", "conditional"),
		entry("C", "婚姻登记信息", "男方姓名、女方姓名", "婚姻登记，含当事人户籍所在地。", "P1", "conditional"),
		entry("D", "企业营业执照信息", "统一社会信用代码、企业名称", "市场主体登记信息。", "P3", "none"),
		entry("E", "户籍", "姓名", "户籍。", "P2", "unconditional"),
		entry("F", "人口户口与籍贯", "户口类别、籍贯", "人口户，口户籍。", "P3", "conditional"),
	} {
		ix.Put(d)
	}
	return ix
}

func TestSearchTwoChar(t *testing.T) {
	ix := sampleIndex()
	res := ix.Search(search.Query{Text: "户籍"})
	if got, want := res.Total, 5; got != want {
		t.Fatalf("Total: got %v, want %v (hits %v)", got, want, ids(res))
	}
	got := ids(res)
	// E's name equals the query, A's name contains it: both rank above
	// the matches in items (B) and abstracts (C, F).
	if !slices.Equal(got[:2], []string{"E", "A"}) {
		t.Errorf("top hits: got %v, want [E A ...]", got)
	}
	if rest := slices.Sorted(slices.Values(got[2:])); !slices.Equal(rest, []string{"B", "C", "F"}) {
		t.Errorf("other hits: got %v, want B, C and F", got[2:])
	}
	if i, j := slices.Index(got, "B"), slices.Index(got, "C"); i > j {
		t.Errorf("items match B ranked below abstract match C: got %v", got)
	}
	for i := 1; i < len(res.Hits); i++ {
		if res.Hits[i].Score > res.Hits[i-1].Score {
			t.Errorf("hits not by score: got %v", res.Hits)
		}
	}
}

func TestSearchMatching(t *testing.T) {
	ix := sampleIndex()
	ix.Put(search.Doc{ID: "L", Fields: []search.Field{{Name: "name", Text: "Open API 数据接口 GB/T 2260", Weight: 5}}})
	ix.Put(search.Doc{ID: "M", Fields: []search.Field{{Name: "name", Text: "apis 目录", Weight: 5}}})
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		// 人口户籍 needs all three bigrams in one field, contiguously: F's
		// abstract has 人口户 and 口户籍 but not 人口户籍.
		{"PhraseContiguous", "人口户籍", []string{"A"}},
		{"PhraseThreeChars", "口户籍", []string{"A", "F"}},
		{"PhraseNotAcrossFields", "户籍信息", []string{"A"}},
		{"OneChar", "贯", []string{"F"}},
		{"AllTermsMustMatch", "户籍 参保", []string{"B"}},
		{"NoMatch", "户籍 营业", nil},
		{"UnknownTerm", "税务", nil},
		{"FullWidthQuery", "ＡＰＩ 数据", []string{"L"}},
		{"WordExactNotLast", "api 数据", []string{"L"}},
		{"LastWordPrefix", "数据 op", nil},
		{"LastWordPrefix3", "数据 ope", []string{"L"}},
		{"PrefixMatchesSeveral", "api", []string{"L", "M"}},
		{"ShortLastWordExact", "gb", []string{"L"}},
		{"Digits", "2260", []string{"L"}},
		{"QueryPunctuationIgnored", "户籍。", []string{"A", "B", "C", "E", "F"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(ix.Search(search.Query{Text: tc.text, Limit: 100}))
			slices.Sort(got)
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSearchBonus(t *testing.T) {
	ix := search.New()
	// Same name length, so only the bonus separates equal and containing.
	ix.Put(search.Doc{ID: "1", Fields: []search.Field{{Name: "name", Text: "社保卡", Weight: 5}}})
	ix.Put(search.Doc{ID: "2", Fields: []search.Field{{Name: "name", Text: "社保", Weight: 5}}})
	ix.Put(search.Doc{ID: "3", Fields: []search.Field{{Name: "name", Text: "卡片", Weight: 5}, {Name: "abstract", Text: "社保", Weight: 1}}})
	res := ix.Search(search.Query{Text: "社保"})
	if got, want := ids(res), []string{"2", "1", "3"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if res.Hits[0].Score <= res.Hits[1].Score {
		t.Errorf("equal name scored %v, containing name %v: want higher", res.Hits[0].Score, res.Hits[1].Score)
	}
}

func TestSearchTiesByID(t *testing.T) {
	ix := search.New()
	for _, id := range []string{"c", "a", "d", "b"} {
		ix.Put(search.Doc{ID: id, Fields: []search.Field{{Name: "name", Text: "户籍登记"}}})
	}
	if got, want := ids(ix.Search(search.Query{Text: "户籍"})), []string{"a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestSearchFilters(t *testing.T) {
	ix := sampleIndex()
	ix.Put(search.Doc{ID: "G", Fields: []search.Field{{Name: "name", Text: "户籍迁移"}},
		Facets: map[string][]string{"provider": {"P1", "P4"}, "shareType": {"none"}}})
	for _, tc := range []struct {
		name    string
		text    string
		filters map[string][]string
		want    []string
	}{
		{"OneValue", "户籍", map[string][]string{"provider": {"P1"}}, []string{"A", "C", "G"}},
		{"OrWithinKey", "户籍", map[string][]string{"provider": {"P2", "P3"}}, []string{"B", "E", "F"}},
		{"AndAcrossKeys", "户籍", map[string][]string{"provider": {"P1"}, "shareType": {"conditional"}}, []string{"C"}},
		{"MultiValuedDoc", "", map[string][]string{"provider": {"P4"}}, []string{"G"}},
		{"NoText", "", map[string][]string{"shareType": {"unconditional", "none"}}, []string{"A", "D", "E", "G"}},
		{"UnknownValue", "户籍", map[string][]string{"provider": {"P9"}}, nil},
		{"UnknownKey", "", map[string][]string{"region": {"x"}}, nil},
		{"EmptyValuesIgnored", "户籍", map[string][]string{"provider": {}}, []string{"A", "B", "C", "E", "F", "G"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ix.Search(search.Query{Text: tc.text, Filters: tc.filters, Limit: 100})
			got := ids(res)
			slices.Sort(got)
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if res.Total != len(tc.want) {
				t.Errorf("Total: got %v, want %v", res.Total, len(tc.want))
			}
		})
	}
}

func TestSearchFacets(t *testing.T) {
	ix := sampleIndex()
	res := ix.Search(search.Query{Text: "户籍", Facets: []string{"provider", "shareType", "nosuchkey", "provider"}})
	want := map[string][]search.FacetCount{
		"provider":  {{"P1", 2}, {"P2", 2}, {"P3", 1}},
		"shareType": {{"conditional", 3}, {"unconditional", 2}},
		"nosuchkey": {},
	}
	if !maps.EqualFunc(res.Facets, want, slices.Equal) {
		t.Errorf("got %v, want %v", res.Facets, want)
	}
	// Facets count all matches, not only the page, and follow filters.
	res = ix.Search(search.Query{Filters: map[string][]string{"shareType": {"conditional"}}, Facets: []string{"provider"}, Limit: 1})
	if got, want := res.Facets["provider"], []search.FacetCount{{"P1", 1}, {"P2", 1}, {"P3", 1}}; !slices.Equal(got, want) {
		t.Errorf("filtered: got %v, want %v", got, want)
	}
	res = ix.Search(search.Query{Facets: []string{"shareType"}})
	if got, want := res.Facets["shareType"], []search.FacetCount{{"conditional", 3}, {"unconditional", 2}, {"none", 1}}; !slices.Equal(got, want) {
		t.Errorf("all docs: got %v, want %v", got, want)
	}
	if res := ix.Search(search.Query{Text: "户籍"}); res.Facets != nil {
		t.Errorf("no facets asked: got %v, want nil", res.Facets)
	}
}

func TestPutReplaces(t *testing.T) {
	ix := sampleIndex()
	ix.Put(entry("A", "不动产登记信息", "不动产单元号", "不动产权利。", "P3", "none"))
	if got := ix.Len(); got != 6 {
		t.Errorf("Len: got %v, want %v", got, 6)
	}
	for _, tc := range []struct {
		name, text string
		filters    map[string][]string
		want       []string
	}{
		{"OldTermGone", "人口户籍", nil, nil},
		{"OldNameTermGone", "公民身份", nil, nil},
		{"NewTerm", "不动产", nil, []string{"A"}},
		{"OldFacetGone", "", map[string][]string{"provider": {"P1"}}, []string{"C"}},
		{"NewFacet", "", map[string][]string{"provider": {"P3"}}, []string{"A", "D", "F"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ids(ix.Search(search.Query{Text: tc.text, Filters: tc.filters}))
			if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
	res := ix.Search(search.Query{Facets: []string{"provider"}})
	if got, want := res.Facets["provider"], []search.FacetCount{{"P3", 3}, {"P2", 2}, {"P1", 1}}; !slices.Equal(got, want) {
		t.Errorf("facets: got %v, want %v", got, want)
	}
}

func TestDelete(t *testing.T) {
	ix := sampleIndex()
	ix.Delete("E")
	ix.Delete("nosuchid")
	if got := ix.Len(); got != 5 {
		t.Errorf("Len: got %v, want %v", got, 5)
	}
	if got, want := ids(ix.Search(search.Query{Text: "户籍"})), "E"; slices.Contains(got, want) {
		t.Errorf("got %v, want no %v", got, want)
	}
	res := ix.Search(search.Query{Facets: []string{"provider"}})
	if got, want := res.Facets["provider"], []search.FacetCount{{"P1", 2}, {"P3", 2}, {"P2", 1}}; !slices.Equal(got, want) {
		t.Errorf("facets: got %v, want %v", got, want)
	}
	ix.Put(entry("E", "户籍", "", "", "P2", "none"))
	if got := ids(ix.Search(search.Query{Text: "户籍", Limit: 1})); !slices.Equal(got, []string{"E"}) {
		t.Errorf("put again: got %v, want [E]", got)
	}
}

func TestPagination(t *testing.T) {
	ix := search.New()
	var all []string
	for i := range 45 {
		id := fmt.Sprintf("D%02d", i)
		all = append(all, id)
		ix.Put(search.Doc{ID: id, Fields: []search.Field{{Name: "name", Text: "社保信息"}}})
	}
	for _, tc := range []struct {
		name          string
		offset, limit int
		want          []string
	}{
		{"DefaultLimit", 0, 0, all[:20]},
		{"SecondPage", 20, 20, all[20:40]},
		{"LastPartial", 40, 20, all[40:]},
		{"PastEnd", 50, 20, nil},
		{"NegativeOffset", -5, 3, all[:3]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, text := range []string{"社保", ""} {
				res := ix.Search(search.Query{Text: text, Offset: tc.offset, Limit: tc.limit})
				if got := ids(res); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("text %q: got %v, want %v", text, got, tc.want)
				}
				if res.Total != 45 {
					t.Errorf("text %q: Total got %v, want %v", text, res.Total, 45)
				}
			}
		})
	}
}

func TestEmptyQuery(t *testing.T) {
	ix := sampleIndex()
	ix.Delete("C")
	res := ix.Search(search.Query{Text: " ，"})
	if got, want := ids(res), []string{"A", "B", "D", "E", "F"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for _, h := range res.Hits {
		if h.Score != 0 {
			t.Errorf("score of %s: got %v, want 0", h.ID, h.Score)
		}
	}
	if got := search.New().Search(search.Query{}); got.Total != 0 || len(got.Hits) != 0 {
		t.Errorf("empty index: got %v, want no hits", got)
	}
}

func TestFieldsMergedAndWeighted(t *testing.T) {
	ix := search.New()
	// Items given one Field each are one field; the heavier field ranks.
	ix.Put(search.Doc{ID: "items", Fields: []search.Field{
		{Name: "name", Text: "人口信息", Weight: 5},
		{Name: "item", Text: "姓名", Weight: 2},
		{Name: "item", Text: "户籍地址", Weight: 2},
	}})
	ix.Put(search.Doc{ID: "name", Fields: []search.Field{{Name: "abstract", Text: "无关内容"}, {Name: "name", Text: "户籍地址库", Weight: 5}}})
	// The split items must not join into a phrase 姓名户籍.
	if got := ids(ix.Search(search.Query{Text: "姓名户籍"})); len(got) != 0 {
		t.Errorf("joined items: got %v, want none", got)
	}
	if got, want := ids(ix.Search(search.Query{Text: "户籍地址"})), []string{"name", "items"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestConcurrent runs Put, Delete and Search together; run it with -race.
func TestConcurrent(t *testing.T) {
	ix := search.New()
	const writers, perWriter = 4, 300
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range perWriter {
				id := fmt.Sprintf("w%d-%04d", w, i)
				ix.Put(entry(id, "户籍登记信息", "姓名", "人口户籍。", fmt.Sprintf("P%d", w), "conditional"))
				if i%3 == 0 {
					ix.Delete(id)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for range 200 {
				res := ix.Search(search.Query{Text: "户籍", Facets: []string{"provider"}, Limit: 5})
				sum := 0
				for _, fc := range res.Facets["provider"] {
					sum += fc.Count
				}
				if sum != res.Total {
					t.Errorf("facet counts sum: got %v, want %v", sum, res.Total)
					return
				}
			}
		})
	}
	wg.Wait()
	want := writers * (perWriter - perWriter/3)
	if got := ix.Len(); got != want {
		t.Errorf("Len: got %v, want %v", got, want)
	}
	if got := ix.Search(search.Query{Text: "户籍"}).Total; got != want {
		t.Errorf("Total: got %v, want %v", got, want)
	}
}

func TestPrefixManyWords(t *testing.T) {
	// More new words than the unsorted tail of the word list holds, so
	// prefix lookups read both its sorted part and its tail.
	ix := search.New()
	for i := range 3000 {
		ix.Put(search.Doc{ID: fmt.Sprintf("d%04d", i), Fields: []search.Field{{Name: "name", Text: fmt.Sprintf("编码 w%04d", i)}}})
	}
	for _, tc := range []struct {
		name, text string
		want       int
	}{
		{"SortedPart", "编码 w12", 100},
		{"Tail", "编码 w29", 100},
		{"Exact", "w0007", 1},
		{"NotLastIsExact", "w00 编码", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ix.Search(search.Query{Text: tc.text}).Total; got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPhraseInFifthField(t *testing.T) {
	// Postings record four fields per term; the phrase check must still
	// find a run that only a fifth field holds contiguously.
	ix := search.New()
	d := search.Doc{ID: "x"}
	for i := range 4 {
		d.Fields = append(d.Fields, search.Field{Name: fmt.Sprintf("f%d", i), Text: "人口户，口户籍", Weight: float64(10 - i)})
	}
	d.Fields = append(d.Fields, search.Field{Name: "f4", Text: "人口户籍", Weight: 1})
	ix.Put(d)
	ix.Put(search.Doc{ID: "y", Fields: d.Fields[:4]})
	if got := ids(ix.Search(search.Query{Text: "人口户籍"})); !slices.Equal(got, []string{"x"}) {
		t.Errorf("got %v, want [x]", got)
	}
}
