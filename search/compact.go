package search

import (
	"slices"
)

// remove marks the live document at ord dead and takes it out of the
// statistics; its postings stay until compaction and are skipped by Search.
func (ix *Index) remove(ord uint32) {
	ix.nextSeq()
	drop := func(tid uint32, ok bool) {
		if ok {
			if pl := &ix.postings[tid]; pl.mark != ix.seq {
				pl.mark = ix.seq
				pl.df--
			}
		}
	}
	r := ix.record(ord)
	text := string(r.text(ix))
	_, lens := r.textAt(ix)
	for i, w := range r.fields {
		t := text[:lens[i]]
		text = text[len(t):]
		st := &ix.fieldStats[ix.kinds[w>>16].gid]
		st.sum -= int64(fieldLength(t)) // the record's length is capped
		st.n--
		scanTerms(t, func(c, prev rune) {
			if prev != 0 {
				tid, ok := ix.han[uint64(prev)<<32|uint64(c)]
				drop(tid, ok)
			}
			tid, ok := ix.han[uint64(c)]
			drop(tid, ok)
		}, func(w string) {
			tid, ok := ix.words[w]
			drop(tid, ok)
		})
	}
	for _, w := range r.facets {
		ix.facetKeys[w>>valBits].counts[w&valMask]--
	}
	delete(ix.ids, ix.docIDs[ord])
	ix.dead[ord>>6] |= 1 << (ord & 63)
	ix.live--
	ix.nDead++
}

// maybeCompact compacts once at least a quarter of the ordinals (and at least
// 64) are dead, so the cost is amortised over many updates.
func (ix *Index) maybeCompact() {
	if ix.nDead >= 64 && ix.nDead*4 >= len(ix.docIDs) {
		ix.compact()
	}
}

// compact drops dead documents, renumbers ordinals densely in their current
// order (so every posting list stays sorted), drops terms no live document
// has, and trims slack capacity.
func (ix *Index) compact() {
	remap := make([]uint32, len(ix.docIDs))
	docIDs := make([]string, 0, ix.live)
	offs := make([]uint32, 0, ix.live)
	blob := make([]uint32, 0, len(ix.blob))
	arena := make([]byte, 0, len(ix.arena))
	for ord := range ix.docIDs {
		if ix.isDead(uint32(ord)) {
			remap[ord] = deadOrd
			continue
		}
		n := uint32(len(docIDs))
		remap[ord] = n
		id := ix.docIDs[ord]
		ix.ids[id] = n
		docIDs = append(docIDs, id)
		r := ix.record(uint32(ord))
		_, lens := r.textAt(ix)
		offs = append(offs, uint32(len(blob)))
		blob = append(blob, ix.blob[ix.offs[ord]])
		blob = append(blob, r.fields...)
		blob = append(blob, r.facets...)
		blob = append(blob, uint32(len(arena)))
		blob = append(blob, lens...)
		arena = append(arena, r.text(ix)...)
	}
	ix.byID.compact(ix, remap) // needs the old ordinals' IDs
	ix.docIDs, ix.offs, ix.blob, ix.arena = docIDs, offs, slices.Clip(blob), slices.Clip(arena)
	ix.dead = make([]uint64, (len(docIDs)+63)/64)
	ix.nDead = 0

	tidMap := make([]uint32, len(ix.postings))
	postings := make([]plist, 0, len(ix.postings))
	for tid := range ix.postings {
		pl := ix.postings[tid]
		pl.ords, pl.pay = remapPostings(remap, pl.ords, pl.pay)
		if len(pl.ords) == 0 {
			tidMap[tid] = deadOrd
			continue
		}
		tidMap[tid] = uint32(len(postings))
		pl.mark, pl.ent = 0, 0
		postings = append(postings, pl)
	}
	ix.postings = slices.Clip(postings)
	ix.seq = 0
	han := make(map[uint64]uint32, len(ix.han))
	for k, tid := range ix.han {
		if t := tidMap[tid]; t != deadOrd {
			han[k] = t
		}
	}
	words := make(map[string]uint32, len(ix.words))
	list := make([]string, 0, len(ix.words))
	for w, tid := range ix.words {
		if t := tidMap[tid]; t != deadOrd {
			words[w] = t
			list = append(list, w)
		}
	}
	slices.Sort(list)
	ix.han, ix.words, ix.wordList = han, words, wordList{sorted: list}

	for _, fk := range ix.facetKeys {
		for v, ords := range fk.postings {
			fk.postings[v], _ = remapPostings(remap, ords, nil)
		}
	}
}

// remapPostings rewrites sorted ordinals through remap in place, dropping
// dead ones, and trims the slices when more than a third would be slack.
func remapPostings(remap, ords, pay []uint32) ([]uint32, []uint32) {
	n := 0
	for i, o := range ords {
		if m := remap[o]; m != deadOrd {
			ords[n] = m
			if pay != nil {
				pay[n] = pay[i]
			}
			n++
		}
	}
	ords = ords[:n]
	if pay != nil {
		pay = pay[:n]
	}
	if cap(ords) > n+n/2+4 {
		ords = slices.Clone(ords)
		if pay != nil {
			pay = slices.Clone(pay)
		}
	}
	return ords, pay
}
