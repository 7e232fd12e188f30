package search_test

import (
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"huitong/search"
)

// BenchmarkSearchTwoChar searches two-character terms over 50,000 catalog
// entries, counting two facets over all hits, as the catalog's search page
// does.
func BenchmarkSearchTwoChar(b *testing.B) {
	ix := catalogIndex(50000)
	queries := []string{"户籍", "社保", "营业", "企业", "医疗", "登记"}
	for _, tc := range []struct {
		name    string
		filters map[string][]string
	}{
		{"NoFilter", nil},
		{"Filtered", map[string][]string{"visible": {"public"}, "shareType": {"unconditional", "conditional"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			hits := 0
			i := 0
			for b.Loop() {
				res := ix.Search(search.Query{Text: queries[i%len(queries)], Filters: tc.filters, Facets: []string{"provider", "shareType"}})
				hits += res.Total
				i++
			}
			b.ReportMetric(float64(hits)/float64(i), "hits/op")
		})
	}
}

// BenchmarkBruteForceTwoChar is the baseline BenchmarkSearchTwoChar/NoFilter
// is measured against: the same queries answered by scanning every entry's
// text in memory, as LIKE '%户籍%' does, counting the same facets but not
// ranking. (PostgreSQL's LIKE scan also reads rows from pages, so it is
// slower than this.)
func BenchmarkBruteForceTwoChar(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	docs := make([]search.Doc, 50000)
	for i := range docs {
		docs[i] = catalogDoc(r, i)
	}
	queries := []string{"户籍", "社保", "营业", "企业", "医疗", "登记"}
	i := 0
	for b.Loop() {
		q := queries[i%len(queries)]
		counts := map[string]int{}
		for _, d := range docs {
			for _, f := range d.Fields {
				if strings.Contains(f.Text, q) {
					counts[d.Facets["provider"][0]]++
					counts[d.Facets["shareType"][0]]++
					break
				}
			}
		}
		i++
	}
}

// BenchmarkSearchOther covers the other query shapes over 50,000 entries.
func BenchmarkSearchOther(b *testing.B) {
	ix := catalogIndex(50000)
	for _, tc := range []struct{ name, text string }{
		{"Empty", ""},
		{"OneChar", "籍"},
		{"Phrase4", "营业执照"},
		{"TwoTerms", "户籍 社保"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				ix.Search(search.Query{Text: tc.text, Facets: []string{"provider", "shareType"}})
			}
		})
	}
}

// BenchmarkPut replaces random entries of a 50,000-entry index, so the
// amortised cost of compaction is included.
func BenchmarkPut(b *testing.B) {
	ix := catalogIndex(50000)
	r := rand.New(rand.NewPCG(3, 4))
	docs := make([]search.Doc, 4096)
	for i := range docs {
		docs[i] = catalogDoc(r, r.IntN(50000))
	}
	i := 0
	for b.Loop() {
		ix.Put(docs[i%len(docs)])
		i++
	}
}

// BenchmarkBuild indexes 50,000 catalog entries, as at start-up, and
// reports the heap the index keeps.
func BenchmarkBuild(b *testing.B) {
	var ix *search.Index
	var before, after runtime.MemStats
	for b.Loop() {
		ix = nil
		runtime.GC()
		runtime.ReadMemStats(&before)
		ix = catalogIndex(50000)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/1e6, "heapMB")
	b.ReportMetric(float64(ix.Len()), "docs")
}
