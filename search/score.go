package search

import (
	"bytes"
	"math"
	"slices"
)

// BM25 parameters.
const (
	k1 = 1.2
	b  = 0.75
)

// idf is BM25's inverse document frequency of a term in df of n documents.
func idf(df, n int) float64 {
	return math.Log(1 + (float64(n-df)+0.5)/(float64(df)+0.5))
}

// score is the relevance of the current candidate, whose record is r.
func (e *exec) score(r rec) float64 {
	var s float64
	for i := range e.lists {
		l := &e.lists[i]
		if l.pay == nil {
			s += l.contrib[l.pos]
			continue
		}
		mask := uint16(0xFFFF)
		if c := &e.clauses[l.clause]; c.phrase != nil {
			mask = c.mask
		}
		s += l.idf * e.bm25(r.fields, l.pay[l.pos], mask)
	}
	if len(r.fields) == 0 {
		return s
	}
	known := false
	switch e.top {
	case topSlot:
		if e.lists[0].pay[e.lists[0].pos]&0xF0 != 0 { // first slot is not field 0
			return s
		}
		known = true
	case topPhrase:
		if e.clauses[0].mask&1 == 0 {
			return s
		}
		known = true
	default:
		// Field 0 holding the whole query holds each of its Han runs,
		// so it has all their unigrams and bigrams: a cheap test first.
		for i := range e.lists {
			if l := &e.lists[i]; l.han && l.pay[l.pos]&0xF0 != 0 {
				return s
			}
		}
	}
	return s + e.textBonus(r, known)
}

// Ways to tell whether field 0 contains the whole query.
const (
	topContains = iota // search its text
	topSlot            // the one term's payload has field 0 in its first slot
	topPhrase          // the one phrase clause passed the check in field 0
)

// textBonus is the bonus for a document whose highest-weight field (field 0)
// contains the whole query, twice as much when the field equals the query.
// known says the caller has established that field 0 contains it.
func (e *exec) textBonus(r rec, known bool) float64 {
	w := e.ix.kinds[r.fields[0]>>16].weight
	if r.fields[0]&lenMask == e.qlen && bytes.Equal(r.fieldText(e.ix, 0), e.query) {
		return 2 * e.bonus * w
	}
	if known || bytes.Contains(r.fieldText(e.ix, 0), e.query) {
		return e.bonus * w
	}
	return 0
}

// bm25 sums the weighted BM25 term-frequency part over the fields of pay
// that are in mask; fields are the record's field words.
func (e *exec) bm25(fields []uint32, pay uint32, mask uint16) float64 {
	var s float64
	for ; pay != 0; pay >>= 8 {
		f := int(pay >> 4 & 0xF)
		if mask&(1<<f) == 0 || f >= len(fields) {
			continue
		}
		tf := float64(pay & 0xF)
		w := fields[f]
		nm := &e.norm[w>>16]
		s += nm.w * tf / (tf + nm.a + nm.b*float64(w&lenMask))
	}
	return s
}

// hitHeap keeps the best k hits seen so far, worst on top.
type hitHeap struct {
	ix   *Index
	k    int
	ents []hitEnt
}

type hitEnt struct {
	score float64
	ord   uint32
}

func (h *hitHeap) init(ix *Index, k int) {
	h.ix, h.k = ix, k
}

// better orders hits: higher score first, then ID ascending.
func (h *hitHeap) better(a, b hitEnt) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return h.ix.docIDs[a.ord] < h.ix.docIDs[b.ord]
}

func (h *hitHeap) offer(score float64, ord uint32) {
	x := hitEnt{score, ord}
	if len(h.ents) < h.k {
		h.ents = append(h.ents, x)
		for i := len(h.ents) - 1; i > 0; {
			p := (i - 1) / 2
			if !h.better(h.ents[p], h.ents[i]) {
				break
			}
			h.ents[p], h.ents[i] = h.ents[i], h.ents[p]
			i = p
		}
		return
	}
	if !h.better(x, h.ents[0]) {
		return
	}
	h.ents[0] = x
	for i, n := 0, len(h.ents); ; {
		w := i
		if l := 2*i + 1; l < n && h.better(h.ents[w], h.ents[l]) {
			w = l
		}
		if r := 2*i + 2; r < n && h.better(h.ents[w], h.ents[r]) {
			w = r
		}
		if w == i {
			return
		}
		h.ents[i], h.ents[w] = h.ents[w], h.ents[i]
		i = w
	}
}

// page sorts the kept hits and returns those from offset on.
func (h *hitHeap) page(offset int) []Hit {
	slices.SortFunc(h.ents, func(a, b hitEnt) int {
		if h.better(a, b) {
			return -1
		}
		if h.better(b, a) {
			return 1
		}
		return 0
	})
	if offset >= len(h.ents) {
		return []Hit{}
	}
	out := make([]Hit, 0, len(h.ents)-offset)
	for _, x := range h.ents[offset:] {
		out = append(out, Hit{ID: h.ix.docIDs[x.ord], Score: x.score})
	}
	return out
}
