package search_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode"

	"huitong/search"
)

// The reference implementation below answers queries by scanning every
// document's text with the strings package, to check the index against.

// refVocab is small, so that random texts share characters and bigrams and
// produce near misses: 人口户 and 口户籍 without 人口户籍, full-width and
// upper-case Latin, words that are prefixes of others.
var refVocab = []string{
	"户籍", "人口", "户口", "籍贯", "人口户", "口户籍", "社保", "参保", "登记", "信息",
	"营业执照", "企业", "户", "籍", "不动产", "API", "ＡＰＩ", "apis", "Data", "database",
	"gb", "gbt", "2260", "数据",
}

var refSeps = []string{"", "", "、", " ", "，", "\u3000"}

func refText(r *rand.Rand) string {
	var b strings.Builder
	for range 1 + r.IntN(6) {
		b.WriteString(pick(r, refVocab))
		b.WriteString(pick(r, refSeps))
	}
	return b.String()
}

// refNorm folds what refVocab and refSeps use: full-width ASCII, the
// ideographic space and upper case.
func refNorm(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			r -= 0xFEE0
		case r == 0x3000:
			r = ' '
		}
		return unicode.ToLower(r)
	}, s)
}

type refSeg struct {
	han  bool
	text string
}

// refSegments splits normalised text into Han runs and words.
func refSegments(s string) []refSeg {
	var out []refSeg
	var cur []rune
	curHan := false
	flush := func() {
		if len(cur) > 0 {
			out = append(out, refSeg{curHan, string(cur)})
			cur = nil
		}
	}
	for _, r := range s {
		han := unicode.Is(unicode.Han, r)
		word := !han && (unicode.IsLetter(r) || unicode.IsDigit(r))
		if (!han && !word) || (len(cur) > 0 && han != curHan) {
			flush()
		}
		if han || word {
			cur, curHan = append(cur, r), han
		}
	}
	flush()
	return out
}

type refDoc struct {
	id     string
	fields []string // normalised
	facets map[string][]string
}

func (d *refDoc) matches(segs []refSeg, prefix int, filters map[string][]string) bool {
	for key, vals := range filters {
		if len(vals) > 0 && !slices.ContainsFunc(d.facets[key], func(v string) bool { return slices.Contains(vals, v) }) {
			return false
		}
	}
	for i, g := range segs {
		ok := false
		for _, f := range d.fields {
			if g.han {
				ok = ok || strings.Contains(f, g.text)
				continue
			}
			for _, w := range refSegments(f) {
				ok = ok || (!w.han && (w.text == g.text || (i == prefix && strings.HasPrefix(w.text, g.text))))
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// refSearch returns the matching IDs, sorted, and the facet counts.
func refSearch(docs map[string]*refDoc, q search.Query) ([]string, map[string][]search.FacetCount) {
	segs := refSegments(refNorm(q.Text))
	prefix := -1
	if n := len(segs); n > 0 && !segs[n-1].han && len([]rune(segs[n-1].text)) >= 3 &&
		!slices.Contains(segs[:n-1], segs[n-1]) {
		prefix = n - 1
	}
	var hits []string
	counts := map[string]map[string]int{}
	for _, k := range q.Facets {
		counts[k] = map[string]int{}
	}
	for _, d := range docs {
		if !d.matches(segs, prefix, q.Filters) {
			continue
		}
		hits = append(hits, d.id)
		for k, c := range counts {
			for _, v := range d.facets[k] {
				c[v]++
			}
		}
	}
	slices.Sort(hits)
	facets := map[string][]search.FacetCount{}
	for k, c := range counts {
		list := []search.FacetCount{}
		for v, n := range c {
			list = append(list, search.FacetCount{Value: v, Count: n})
		}
		slices.SortFunc(list, func(a, b search.FacetCount) int {
			if a.Count != b.Count {
				return b.Count - a.Count
			}
			return strings.Compare(a.Value, b.Value)
		})
		facets[k] = list
	}
	return hits, facets
}

func refRandomDoc(r *rand.Rand, id string) (search.Doc, *refDoc) {
	d := search.Doc{ID: id, Facets: map[string][]string{
		"provider":  {fmt.Sprintf("P%d", r.IntN(5))},
		"shareType": {pick(r, shareTypes)},
	}}
	for range r.IntN(3) {
		d.Facets["tag"] = append(d.Facets["tag"], fmt.Sprintf("t%d", r.IntN(4)))
	}
	names := []string{"name", "items", "abstract", "items"} // items twice: merged
	for i := range 1 + r.IntN(4) {
		d.Fields = append(d.Fields, search.Field{Name: names[i], Text: refText(r), Weight: float64(5 - i)})
	}
	rd := &refDoc{id: id, facets: map[string][]string{}}
	merged := map[string]string{}
	var order []string
	for _, f := range d.Fields {
		if _, ok := merged[f.Name]; !ok {
			order = append(order, f.Name)
			merged[f.Name] = f.Text
		} else {
			merged[f.Name] += "\n" + f.Text
		}
	}
	for _, n := range order {
		rd.fields = append(rd.fields, refNorm(merged[n]))
	}
	for k, vs := range d.Facets {
		slices.Sort(vs)
		rd.facets[k] = slices.Compact(slices.Clone(vs))
	}
	return d, rd
}

func refRandomQuery(r *rand.Rand, docs map[string]*refDoc, keys []string) search.Query {
	var parts []string
	for range r.IntN(3) + 1 {
		switch r.IntN(5) {
		case 0:
			parts = append(parts, pick(r, refVocab))
		case 1:
			parts = append(parts, pick(r, []string{"dat", "datab", "ap", "api", "gb", "gbt", "226", "籍", "户籍", "人口户籍", "口户"}))
		default:
			// A piece of some document's text, so queries hit.
			f := []rune(pick(r, docs[pick(r, keys)].fields))
			i := r.IntN(len(f))
			j := min(len(f), i+1+r.IntN(4))
			parts = append(parts, string(f[i:j]))
		}
	}
	if r.IntN(8) == 0 {
		parts = nil
	}
	q := search.Query{Text: strings.Join(parts, " "), Facets: []string{"provider", "tag"}, Limit: 1 << 30}
	if r.IntN(3) == 0 {
		q.Filters = map[string][]string{"provider": {fmt.Sprintf("P%d", r.IntN(5)), fmt.Sprintf("P%d", r.IntN(5))}}
		if r.IntN(2) == 0 {
			q.Filters["tag"] = []string{fmt.Sprintf("t%d", r.IntN(4))}
		}
	}
	return q
}

// TestAgainstReference compares Search with a brute-force scan on random
// documents, through inserts, replacements and enough deletes to compact.
func TestAgainstReference(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	ix := search.New()
	docs := map[string]*refDoc{}
	put := func(id string) {
		d, rd := refRandomDoc(r, id)
		ix.Put(d)
		docs[id] = rd
	}
	for i := range 3000 {
		put(fmt.Sprintf("d%05d", i))
	}
	check := func(phase string, n int) {
		keys := slices.Sorted(maps.Keys(docs))
		if got := ix.Len(); got != len(docs) {
			t.Fatalf("%s: Len got %v, want %v", phase, got, len(docs))
		}
		for range n {
			q := refRandomQuery(r, docs, keys)
			wantIDs, wantFacets := refSearch(docs, q)
			res := ix.Search(q)
			gotIDs := slices.Sorted(slices.Values(ids(res)))
			if res.Total != len(wantIDs) || !slices.Equal(gotIDs, wantIDs) {
				t.Fatalf("%s: query %q filters %v: got %d %v, want %d %v", phase, q.Text, q.Filters, res.Total, gotIDs, len(wantIDs), wantIDs)
			}
			if !maps.EqualFunc(res.Facets, wantFacets, slices.Equal) {
				t.Fatalf("%s: query %q filters %v: facets got %v, want %v", phase, q.Text, q.Filters, res.Facets, wantFacets)
			}
			for i := 1; i < len(res.Hits); i++ {
				a, b := res.Hits[i-1], res.Hits[i]
				if a.Score < b.Score || (a.Score == b.Score && a.ID >= b.ID) {
					t.Fatalf("%s: query %q: hits %d and %d out of order: got %v then %v", phase, q.Text, i-1, i, a, b)
				}
			}
		}
	}
	check("built", 400)

	// Replace a third, delete a third: well past the compaction threshold.
	for i := range 3000 {
		id := fmt.Sprintf("d%05d", i)
		switch i % 3 {
		case 0:
			put(id)
		case 1:
			ix.Delete(id)
			delete(docs, id)
		}
		if i == 1500 {
			check("churning", 100)
		}
	}
	for i := 3000; i < 3300; i++ {
		put(fmt.Sprintf("d%05d", i))
	}
	check("churned", 400)
}
