package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
)

// Query is one search request.
type Query struct {
	// Text is free text. Every Han run and every word in it must match
	// (AND): a single Han character matches that character, a run of two or
	// more matches only where one field contains the whole run
	// contiguously, a word matches the same whole word, and the word ending
	// the query, when it has at least 3 characters, also matches words it
	// is a prefix of. Text without any Han character, letter or digit
	// matches every document, ordered by ID ascending.
	Text string
	// Filters restricts the result to documents that, for every key, have
	// at least one of the listed values (AND across keys, OR within a key).
	// A key with an empty list imposes nothing.
	Filters map[string][]string
	// Facets lists the facet keys whose values are counted over all
	// matching documents (after filters).
	Facets []string
	// Offset and Limit select the page of hits; Limit 0 (or negative)
	// means 20.
	Offset, Limit int
}

// DefaultLimit is the page size used when Query.Limit is not positive.
const DefaultLimit = 20

// Hit is one matching document and its relevance score (0 for a query
// without text).
type Hit struct {
	ID    string
	Score float64
}

// FacetCount is how many matching documents carry one facet value.
type FacetCount struct {
	Value string
	Count int
}

// Result is one page of a search. Total counts all matching documents;
// Hits holds the requested page, best first, ties broken by ID ascending;
// Facets has an entry for every requested key with the values that occur
// among the matches, by count descending and then value ascending.
type Result struct {
	Total  int
	Hits   []Hit
	Facets map[string][]FacetCount
}

// Search runs q and returns the page it asks for, without error: a query
// nothing can match gives Total 0.
//
// The score of a hit sums, over the query's terms (unigrams, bigrams and
// words; for a run of three or more characters only the fields that passed
// the phrase check count) and over the fields holding the term,
//
//	idf * weight * tf*(k1+1) / (tf + k1*(1-b+b*len/avglen))
//
// with k1 = 1.2, b = 0.75, idf = ln(1+(N-df+0.5)/(df+0.5)) over the N live
// documents, len the field's length in positions (Han characters plus
// words) and avglen the average over the fields of that name. When the
// document's highest-weight field contains the whole normalised query it
// gains the sum of the terms' idf times that field's weight, twice that
// when the field equals the query. Term frequencies are capped at 15 and
// recorded for at most four fields per term and document (the
// highest-weighted ones); matching is exact regardless.
func (ix *Index) Search(q Query) Result {
	qn := strings.TrimSpace(normalize(q.Text))
	segs := querySegments(qn)
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	offset := max(q.Offset, 0)
	want := offset + limit
	if want < offset {
		want = math.MaxInt
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	e, _ := ix.execs.Get().(*exec)
	if e == nil {
		e = &exec{}
	}
	defer func() {
		e.reset()
		ix.execs.Put(e)
	}()
	e.ix = ix
	e.facets = ix.newFacetCounter(q.Facets)
	res := Result{Hits: []Hit{}}
	if e.plan(segs, qn, q.Filters) {
		e.heap.init(ix, want)
		e.run()
		res.Total = e.total
		res.Hits = e.heap.page(offset)
	}
	if e.facets != nil {
		res.Facets = e.facets.result(ix)
	}
	return res
}

// exec is the state of one search; it is pooled to reuse its slices.
type exec struct {
	ix      *Index
	lists   []qlist
	clauses []qclause
	filters []qfilter
	norm    []kindNorm // by field kind id
	query   []byte     // trimmed normalised query text, for the bonus
	qlen    uint32     // positions in query
	bonus   float64    // bonus unit: the sum of the query terms' idf
	top     int        // how to tell whether field 0 contains the query: topContains, topSlot, topPhrase
	scoring bool
	phrases bool // some clause needs the phrase check
	facets  *facetCounter
	heap    hitHeap
	total   int
	bitmap  []uint64
	fBase   []int32 // by facet key id: start of its accepted values in fAccept, or -1
	fAccept []bool
	fNeed   int // filters matchFilters checks
	prefix  []prefixEnt

	drvList, drvFilter int
}

// qlist is one posting list the matches must be in, with a cursor.
type qlist struct {
	ords    []uint32
	pay     []uint32  // nil for a materialised prefix union
	contrib []float64 // score contribution per posting, for a prefix union
	idf     float64
	clause  int
	pos     int
	han     bool // a Han unigram or bigram
}

// qclause is one query segment; its lists are lists[first:first+n].
type qclause struct {
	phrase   []byte // set when the segment needs the phrase check
	first, n int
	mask     uint16 // fields that passed the phrase check, per candidate
}

// qfilter is one filter key: a document must have one of vals.
type qfilter struct {
	key  uint32
	vals []uint32
	size int // postings over all vals, to pick the cheapest driver
}

// kindNorm holds, for one field kind, weight*(k1+1), k1*(1-b) and
// k1*b/avglen, so BM25's term frequency part is w*tf/(tf+a+b*len).
type kindNorm struct{ w, a, b float64 }

type prefixEnt struct {
	ord uint32
	c   float64
}

func (e *exec) reset() {
	h := e.heap
	h.ents, h.ix = h.ents[:0], nil
	*e = exec{lists: e.lists[:0], clauses: e.clauses[:0], filters: e.filters[:0], norm: e.norm[:0],
		bitmap: e.bitmap[:0], prefix: e.prefix[:0], fBase: e.fBase[:0], fAccept: e.fAccept[:0], heap: h}
}

// plan resolves the query against the index. It returns false when some
// term or filter value occurs nowhere, so nothing can match.
func (e *exec) plan(segs []segment, qn string, filters map[string][]string) bool {
	ix := e.ix
	n := ix.live
	for _, k := range ix.kinds {
		avg := 1.0
		if st := ix.fieldStats[k.gid]; st.n > 0 && st.sum > 0 {
			avg = float64(st.sum) / float64(st.n)
		}
		e.norm = append(e.norm, kindNorm{w: k.weight * (k1 + 1), a: k1 * (1 - b), b: k1 * b / avg})
	}
	addList := func(tid uint32, ok, han bool) bool {
		if !ok {
			return false
		}
		pl := &ix.postings[tid]
		if len(pl.ords) == 0 {
			return false
		}
		for _, l := range e.lists[e.clauses[len(e.clauses)-1].first:] {
			if &l.ords[0] == &pl.ords[0] {
				return true // a repeated bigram within one run
			}
		}
		w := idf(int(pl.df), n)
		e.lists = append(e.lists, qlist{ords: pl.ords, pay: pl.pay, idf: w, clause: len(e.clauses) - 1, han: han})
		e.bonus += w
		return true
	}
	for _, g := range segs {
		e.clauses = append(e.clauses, qclause{first: len(e.lists)})
		ok := true
		switch {
		case g.han && len(g.runes) == 1:
			tid, found := ix.han[uint64(g.runes[0])]
			ok = addList(tid, found, true)
		case g.han:
			for i := 1; i < len(g.runes) && ok; i++ {
				tid, found := ix.han[uint64(g.runes[i-1])<<32|uint64(g.runes[i])]
				ok = addList(tid, found, true)
			}
			if len(g.runes) > 2 {
				e.clauses[len(e.clauses)-1].phrase = []byte(g.text)
				e.phrases = true
			}
		case g.prefix:
			ok = e.addPrefix(g.text)
		default:
			tid, found := ix.words[g.text]
			ok = addList(tid, found, false)
		}
		if !ok {
			return false
		}
		c := &e.clauses[len(e.clauses)-1]
		c.n = len(e.lists) - c.first
	}
	e.scoring = len(e.lists) > 0
	e.query = []byte(qn)
	e.qlen = uint32(fieldLength(qn))
	if len(segs) == 1 && segs[0].han && segs[0].text == qn {
		// The query is one Han run: matching already tells whether field
		// 0 contains it.
		e.top = topSlot
		if len(segs[0].runes) > 2 {
			e.top = topPhrase
		}
	}

	for key, vals := range filters {
		if len(vals) == 0 {
			continue
		}
		kid, ok := ix.facetIDs[key]
		if !ok {
			return false
		}
		fk := ix.facetKeys[kid]
		f := qfilter{key: kid}
		for _, v := range vals {
			if vid, ok := fk.ids[v]; ok && !slices.Contains(f.vals, vid) {
				f.vals = append(f.vals, vid)
				f.size += len(fk.postings[vid])
			}
		}
		if len(f.vals) == 0 {
			return false
		}
		e.filters = append(e.filters, f)
	}
	return true
}

// addPrefix adds the union of the postings of every word starting with p as
// one list, scoring each posting as it goes.
func (e *exec) addPrefix(p string) bool {
	ix := e.ix
	var tids []uint32
	ix.wordList.withPrefix(p, func(w string) { tids = append(tids, ix.words[w]) })
	ents := e.prefix[:0]
	for _, tid := range tids {
		pl := &ix.postings[tid]
		w := idf(int(pl.df), ix.live)
		for i, ord := range pl.ords {
			if !ix.isDead(ord) {
				r := ix.record(ord)
				ents = append(ents, prefixEnt{ord, w * e.bm25(r.fields, pl.pay[i], 0xFFFF)})
			}
		}
	}
	e.prefix = ents
	if len(ents) == 0 {
		return false
	}
	slices.SortFunc(ents, func(x, y prefixEnt) int { return cmp.Compare(x.ord, y.ord) })
	l := qlist{clause: len(e.clauses) - 1}
	for _, p := range ents {
		if k := len(l.ords); k > 0 && l.ords[k-1] == p.ord {
			l.contrib[k-1] += p.c
			continue
		}
		l.ords = append(l.ords, p.ord)
		l.contrib = append(l.contrib, p.c)
	}
	l.idf = idf(len(l.ords), ix.live)
	e.bonus += l.idf
	e.lists = append(e.lists, l)
	return true
}
