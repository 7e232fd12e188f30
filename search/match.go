package search

import (
	"bytes"
	"math"
	"math/bits"
	"slices"
)

// run drives the search from its most selective list or filter and checks
// every candidate against the rest.
func (e *exec) run() {
	ix := e.ix
	e.drvList, e.drvFilter = -1, -1
	best := math.MaxInt
	for i := range e.lists {
		if len(e.lists[i].ords) < best {
			best, e.drvList = len(e.lists[i].ords), i
		}
	}
	for j := range e.filters {
		if e.filters[j].size < best {
			best, e.drvList, e.drvFilter = e.filters[j].size, -1, j
		}
	}
	e.prepareFilters()
	switch {
	case e.drvList >= 0 && len(e.lists) == 1 && e.lists[0].pay != nil && !e.phrases:
		e.runTerm()
	case e.drvList >= 0:
		l := &e.lists[e.drvList]
		for i, ord := range l.ords {
			l.pos = i
			if !e.visit(ord) {
				return
			}
		}
	case e.drvFilter >= 0:
		f := &e.filters[e.drvFilter]
		fk := ix.facetKeys[f.key]
		if len(f.vals) == 1 {
			for _, ord := range fk.postings[f.vals[0]] {
				if !e.visit(ord) {
					return
				}
			}
			return
		}
		words := len(ix.dead)
		e.bitmap = slices.Grow(e.bitmap[:0], words)[:words]
		clear(e.bitmap)
		for _, v := range f.vals {
			for _, ord := range fk.postings[v] {
				e.bitmap[ord/64] |= 1 << (ord % 64)
			}
		}
		for w, bs := range e.bitmap {
			for bs != 0 {
				ord := uint32(w*64 + bits.TrailingZeros64(bs))
				bs &= bs - 1
				if !e.visit(ord) {
					return
				}
			}
		}
	default:
		// No text and no filters: every live document matches, and the
		// page is read off the index's ID order.
		e.total = ix.live
		if e.facets != nil {
			e.facets.addLive(ix)
		}
		ix.byID.walk(ix, func(ord uint32) bool {
			e.heap.ents = append(e.heap.ents, hitEnt{0, ord})
			return len(e.heap.ents) < e.heap.k
		})
	}
}

// runTerm is visit and score specialised, for speed, to the most common
// query: one term (a Han character, a two-character run or a word) with
// optional filters. It must agree with visit.
func (e *exec) runTerm() {
	ix := e.ix
	l := &e.lists[0]
	blob, offs, dead, norm := ix.blob, ix.offs, ix.dead, e.norm
	var base, all []int32
	if e.facets != nil {
		base, all = e.facets.base, e.facets.all
	}
	h := &e.heap
	for i, ord := range l.ords {
		if dead[ord>>6]&(1<<(ord&63)) != 0 {
			continue
		}
		off := offs[ord]
		hd := blob[off]
		fend := off + 1 + hd&0xFF
		fields := blob[off+1 : fend]
		facets := blob[fend : fend+hd>>8]
		if e.fNeed > 0 && !e.matchFilters(facets) {
			continue
		}
		e.total++
		for _, w := range facets {
			if int(w>>valBits) < len(base) {
				if b := base[w>>valBits]; b >= 0 {
					all[uint32(b)+w&valMask]++
				}
			}
		}
		pay := l.pay[i]
		var s float64
		for p := pay; p != 0; p >>= 8 {
			f := int(p >> 4 & 0xF)
			if f >= len(fields) {
				continue
			}
			tf := float64(p & 0xF)
			w := fields[f]
			nm := &norm[w>>16]
			s += nm.w * tf / (tf + nm.a + nm.b*float64(w&lenMask))
		}
		s *= l.idf
		if len(fields) > 0 && (e.top != topSlot || pay&0xF0 == 0) {
			s += e.textBonus(rec{fields: fields, cold: fend + hd>>8}, e.top == topSlot)
		}
		if len(h.ents) < h.k || s >= h.ents[0].score {
			h.offer(s, ord)
		}
	}
}

// prepareFilters builds the lookup matchFilters uses: for every filtered
// key but the driving one, where its accepted values start in fAccept.
func (e *exec) prepareFilters() {
	e.fNeed = 0
	if len(e.filters) == 0 {
		return
	}
	nk := len(e.ix.facetKeys)
	e.fBase = slices.Grow(e.fBase[:0], nk)[:nk]
	for i := range e.fBase {
		e.fBase[i] = -1
	}
	e.fAccept = e.fAccept[:0]
	for j := range e.filters {
		if j == e.drvFilter {
			continue
		}
		f := &e.filters[j]
		b := len(e.fAccept)
		e.fBase[f.key] = int32(b)
		e.fAccept = append(e.fAccept, make([]bool, len(e.ix.facetKeys[f.key].values))...)
		for _, v := range f.vals {
			e.fAccept[b+int(v)] = true
		}
		e.fNeed++
	}
}

// matchFilters reports whether a record's facet words satisfy every filter
// but the driving one. A record holds each key's values next to each other,
// so a key is counted once by remembering the last key that matched.
func (e *exec) matchFilters(facets []uint32) bool {
	got, last := 0, ^uint32(0)
	for _, w := range facets {
		k := w >> valBits
		if k == last || int(k) >= len(e.fBase) {
			continue
		}
		if b := e.fBase[k]; b >= 0 && e.fAccept[b+int32(w&valMask)] {
			got++
			last = k
		}
	}
	return got == e.fNeed
}

// visit checks one candidate and records it when it matches. It returns
// false once no later ordinal can match.
func (e *exec) visit(ord uint32) bool {
	ix := e.ix
	if ix.isDead(ord) {
		return true
	}
	for i := range e.lists {
		if i == e.drvList {
			continue
		}
		l := &e.lists[i]
		p := gallop(l.ords, l.pos, ord)
		l.pos = p
		if p == len(l.ords) {
			return false
		}
		if l.ords[p] != ord {
			return true
		}
	}
	r := ix.record(ord)
	if e.fNeed > 0 && !e.matchFilters(r.facets) {
		return true
	}
	if e.phrases && !e.checkPhrases(r) {
		return true
	}
	e.total++
	if e.facets != nil {
		e.facets.add(r.facets)
	}
	s := 0.0
	if e.scoring {
		s = e.score(r)
	}
	e.heap.offer(s, ord)
	return true
}

// checkPhrases runs the phrase check of every Han run of three or more
// characters: the fields where all its bigrams occur must include one whose
// text holds the run contiguously. It records those fields in the clause's
// mask, so that only they count towards the score.
func (e *exec) checkPhrases(r rec) bool {
	ix := e.ix
	for ci := range e.clauses {
		c := &e.clauses[ci]
		if c.phrase == nil {
			continue
		}
		m := uint16(1<<len(r.fields) - 1)
		for _, l := range e.lists[c.first : c.first+c.n] {
			m &= slotMask(l.pay[l.pos])
		}
		c.mask = 0
		start, lens := r.textAt(ix)
		for f := 0; m>>f != 0; f++ {
			n := lens[f]
			if m&(1<<f) != 0 && bytes.Contains(ix.arena[start:start+n], c.phrase) {
				c.mask |= 1 << f
			}
			start += n
		}
		if c.mask == 0 {
			return false
		}
	}
	return true
}

// slotMask is the set of fields a payload records; a full payload may have
// dropped fields, so it stands for all of them.
func slotMask(pay uint32) uint16 {
	if pay>>24 != 0 {
		return 0xFFFF
	}
	var m uint16
	for ; pay != 0; pay >>= 8 {
		m |= 1 << (pay >> 4 & 0xF)
	}
	return m
}

// gallop returns the first index at or after from whose ordinal is >= t.
func gallop(ords []uint32, from int, t uint32) int {
	if from >= len(ords) || ords[from] >= t {
		return from
	}
	lo, step := from, 1
	hi := from + 1
	for hi < len(ords) && ords[hi] < t {
		lo = hi
		step *= 2
		hi = lo + step
	}
	hi = min(hi, len(ords))
	// ords[lo] < t; the answer is in (lo, hi].
	for lo+1 < hi {
		mid := int(uint(lo+hi) >> 1)
		if ords[mid] < t {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}
