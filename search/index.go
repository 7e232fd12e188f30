package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
)

// Field is one searchable text of a document. Weight scales the field's
// share of the score (the catalog uses name 5, items 2, abstract 1); a
// Weight that is not positive counts as 1. Field length normalisation uses
// the average length of the fields with the same Name. An index tells apart
// 65,536 (Name, Weight) pairs; beyond that a new pair is scored with the
// nearest weight already seen for its Name.
type Field struct {
	Name   string
	Text   string
	Weight float64
}

// Doc is one indexed document. Fields with the same Name are indexed as one
// field (their texts joined), so a catalog entry may pass each data item as
// its own Field. Only the MaxFields highest-weighted distinct fields are
// indexed. Facets holds the values of each facet key (a document may have
// several values for one key); they serve both Query.Filters and
// Query.Facets.
type Doc struct {
	ID     string
	Fields []Field
	Facets map[string][]string
}

// MaxFields is the number of distinct fields per document that are indexed.
const MaxFields = 16

const (
	maxSlots = 4  // fields whose term frequency a posting records
	maxTF    = 15 // term frequencies saturate anyway; larger counts are capped
	deadOrd  = ^uint32(0)
)

// Index is an in-memory full-text and facet index. Its methods are safe for
// concurrent use: Search calls run in parallel, Put and Delete exclude them.
type Index struct {
	mu sync.RWMutex

	ids    map[string]uint32 // live document ID -> ordinal
	docIDs []string          // by ordinal, dead ones included until compaction
	offs   []uint32          // by ordinal: the document's record in blob
	dead   []uint64          // bitset by ordinal
	blob   []uint32          // document records, see Put
	arena  []byte            // normalised field texts, each document's contiguous
	live   int
	nDead  int

	han      map[uint64]uint32 // Han unigram (rune) or bigram (r1<<32|r2) -> term id
	words    map[string]uint32 // word -> term id
	postings []plist           // by term id
	wordList wordList          // sorted words for prefix matching
	seq      uint32            // marks the terms seen by the current Put or Delete

	fieldIDs   map[string]uint16
	fieldStats []fieldStat // by field id, over live documents
	kindIDs    map[fieldKind]uint32
	kinds      []fieldKind // by kind id

	facetIDs  map[string]uint32
	facetKeys []*facetKey

	byID idOrder // ordinals by document ID

	execs sync.Pool // *exec scratch for Search
}

// A document's record in Index.blob is laid out, in uint32 words, as
//
//	nFields | nFacets<<8
//	nFields x (kind id<<16 | length in positions, capped at 65535)
//	nFacets x (facet key id<<22 | value id)
//	offset of the document's texts in Index.arena
//	nFields x text length in bytes
//
// The part scoring, filtering and facet counting read comes first and
// usually fits one cache line; records and texts are both visited in
// ordinal order. Searches are bound by these reads, hence the packing.
const (
	maxRecFacets = 1<<24 - 1
	lenMask      = 1<<16 - 1
	valBits      = 22
	valMask      = 1<<valBits - 1
	maxKinds     = 1 << 16
)

// MaxFacetKeys and MaxFacetValues bound the facet keys of an index and the
// distinct values of one key; Put ignores keys and values beyond them.
const (
	MaxFacetKeys   = 1 << (32 - valBits)
	MaxFacetValues = 1 << valBits
)

// fieldKind is a field name (as a field id) with a weight. Documents share
// kinds, so a record stores one word instead of both.
type fieldKind struct {
	gid    uint16
	weight float64
}

type fieldStat struct {
	sum int64 // total length
	n   int64 // documents having the field
}

// plist is the posting list of one term. ords is sorted ascending; pay holds
// for each posting up to maxSlots bytes, lowest first, each the field index
// (high nibble) and term frequency (low nibble, 1..maxTF) of one field that
// contains the term, in ascending field order.
type plist struct {
	ords []uint32
	pay  []uint32
	df   int32  // live documents containing the term
	mark uint32 // Index.seq of the last Put or Delete that saw the term
	ent  int32  // the term's entry in the Put's list while mark is current
}

type facetKey struct {
	name     string
	ids      map[string]uint32
	values   []string
	postings [][]uint32 // by value id, sorted ordinals
	counts   []int32    // live documents per value id
}

// New returns an empty index.
func New() *Index {
	return &Index{
		ids:      make(map[string]uint32),
		han:      make(map[uint64]uint32),
		words:    make(map[string]uint32),
		fieldIDs: make(map[string]uint16),
		kindIDs:  make(map[fieldKind]uint32),
		facetIDs: make(map[string]uint32),
	}
}

// Len returns the number of documents in the index.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

func (ix *Index) isDead(ord uint32) bool {
	return ix.dead[ord>>6]&(1<<(ord&63)) != 0
}

// rec is a view of one document's record.
type rec struct {
	fields []uint32 // per field: kind id<<16 | length
	facets []uint32 // per facet value: key id<<22 | value id
	cold   uint32   // index in Index.blob of the text offset and lengths
}

// record returns the record of the document at ord.
func (ix *Index) record(ord uint32) rec {
	off := ix.offs[ord]
	h := ix.blob[off]
	fend := off + 1 + h&0xFF
	cold := fend + h>>8
	return rec{fields: ix.blob[off+1 : fend], facets: ix.blob[fend:cold], cold: cold}
}

// textAt returns the arena offset of the document's texts and each field's
// text length in bytes.
func (r *rec) textAt(ix *Index) (uint32, []uint32) {
	return ix.blob[r.cold], ix.blob[r.cold+1 : r.cold+1+uint32(len(r.fields))]
}

// text returns the document's field texts, one after the other.
func (r *rec) text(ix *Index) []byte {
	at, lens := r.textAt(ix)
	n := at
	for _, l := range lens {
		n += l
	}
	return ix.arena[at:n:n]
}

// fieldText returns the text of field f.
func (r *rec) fieldText(ix *Index, f int) []byte {
	at, lens := r.textAt(ix)
	for _, l := range lens[:f] {
		at += l
	}
	return ix.arena[at : at+lens[f]]
}

// preparedField is a field merged, normalised and measured outside the lock.
type preparedField struct {
	name   string
	text   string
	weight float64
	length int
}

// prepareFields merges same-name fields, normalises their text, drops fields
// without terms, orders them by weight (highest first, stable) and keeps at
// most MaxFields. The first field is the document's highest-weight field.
func prepareFields(in []Field) []preparedField {
	var out []preparedField
	for _, f := range in {
		w := f.Weight
		if !(w > 0) {
			w = 1
		}
		i := slices.IndexFunc(out, func(p preparedField) bool { return p.name == f.Name })
		if i < 0 {
			out = append(out, preparedField{name: f.Name, text: f.Text, weight: w})
		} else {
			out[i].text += "\n" + f.Text
		}
	}
	kept := out[:0]
	for _, p := range out {
		p.text = strings.TrimSpace(normalize(p.text))
		if p.length = fieldLength(p.text); p.length > 0 {
			kept = append(kept, p)
		}
	}
	slices.SortStableFunc(kept, func(a, b preparedField) int { return cmp.Compare(b.weight, a.weight) })
	if len(kept) > MaxFields {
		kept = kept[:MaxFields]
	}
	return kept
}

// Put inserts d, or replaces the document with the same ID: afterwards the
// index holds exactly d's terms and facet values for that ID. At most
// 16,777,215 facet values per document are kept.
func (ix *Index) Put(d Doc) {
	fs := prepareFields(d.Fields)
	type kv struct {
		key  string
		vals []string
	}
	facets := make([]kv, 0, len(d.Facets))
	nfac := 0
	for k, vs := range d.Facets {
		vs = slices.Clone(vs)
		slices.Sort(vs)
		vs = slices.Compact(vs)
		vs = vs[:min(len(vs), maxRecFacets-nfac)]
		nfac += len(vs)
		facets = append(facets, kv{k, vs})
	}
	slices.SortFunc(facets, func(a, b kv) int { return strings.Compare(a.key, b.key) })

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if old, ok := ix.ids[d.ID]; ok {
		ix.remove(old)
	}
	ord := uint32(len(ix.docIDs))
	off := uint32(len(ix.blob))
	ix.blob = append(ix.blob, 0) // header, set below

	ix.nextSeq()
	var ents []termEnt
	for i, f := range fs {
		gid := ix.fieldID(f.name)
		ix.blob = append(ix.blob, ix.kind(gid, f.weight)<<16|uint32(min(f.length, lenMask)))
		st := &ix.fieldStats[gid]
		st.sum += int64(f.length)
		st.n++
		scanTerms(f.text, func(r, prev rune) {
			if prev != 0 {
				ents = ix.see(ents, ix.hanTerm(uint64(prev)<<32|uint64(r)), i)
			}
			ents = ix.see(ents, ix.hanTerm(uint64(r)), i)
		}, func(w string) {
			ents = ix.see(ents, ix.wordTerm(w), i)
		})
	}
	for _, e := range ents {
		pl := &ix.postings[e.tid]
		pl.ords = append(pl.ords, ord)
		pl.pay = append(pl.pay, e.pay)
		pl.df++
	}
	nfac = 0
	for _, f := range facets {
		kid, fk := ix.facetKey(f.key)
		if fk == nil {
			continue
		}
		for _, v := range f.vals {
			vid, ok := fk.value(v)
			if !ok {
				continue
			}
			fk.postings[vid] = append(fk.postings[vid], ord)
			fk.counts[vid]++
			ix.blob = append(ix.blob, kid<<valBits|vid)
			nfac++
		}
	}
	ix.blob[off] = uint32(len(fs)) | uint32(nfac)<<8
	ix.blob = append(ix.blob, uint32(len(ix.arena)))
	for _, f := range fs {
		ix.blob = append(ix.blob, uint32(len(f.text)))
		ix.arena = append(ix.arena, f.text...)
	}

	ix.docIDs = append(ix.docIDs, d.ID)
	ix.offs = append(ix.offs, off)
	if int(ord>>6) == len(ix.dead) {
		ix.dead = append(ix.dead, 0)
	}
	ix.ids[d.ID] = ord
	ix.byID.add(ix, ord)
	ix.live++
	ix.maybeCompact()
}

// Delete removes the document with the given ID; an unknown ID is a no-op.
func (ix *Index) Delete(id string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ord, ok := ix.ids[id]; ok {
		ix.remove(ord)
		ix.maybeCompact()
	}
}

// termEnt collects one term's payload while a document is being indexed.
type termEnt struct {
	tid uint32
	pay uint32
}

// nextSeq starts a new Put or Delete pass over terms.
func (ix *Index) nextSeq() {
	ix.seq++
	if ix.seq == 0 { // wrapped: old marks could collide
		for i := range ix.postings {
			ix.postings[i].mark = 0
		}
		ix.seq = 1
	}
}

// see records an occurrence of term tid in field f of the document being
// indexed.
func (ix *Index) see(ents []termEnt, tid uint32, f int) []termEnt {
	pl := &ix.postings[tid]
	slot := uint32(f)<<4 | 1
	if pl.mark != ix.seq {
		pl.mark = ix.seq
		pl.ent = int32(len(ents))
		return append(ents, termEnt{tid: tid, pay: slot})
	}
	e := &ents[pl.ent]
	n := slotCount(e.pay)
	shift := 8 * uint(n-1)
	last := e.pay >> shift & 0xFF
	switch {
	case int(last>>4) == f:
		if last&0xF < maxTF {
			e.pay += 1 << shift
		}
	case n < maxSlots:
		e.pay |= slot << (8 * uint(n))
	}
	return ents
}

// slotCount is the number of used slots of a payload.
func slotCount(pay uint32) int {
	n := 0
	for ; pay != 0; pay >>= 8 {
		n++
	}
	return n
}

func (ix *Index) hanTerm(key uint64) uint32 {
	tid, ok := ix.han[key]
	if !ok {
		tid = uint32(len(ix.postings))
		ix.postings = append(ix.postings, plist{})
		ix.han[key] = tid
	}
	return tid
}

func (ix *Index) wordTerm(w string) uint32 {
	tid, ok := ix.words[w]
	if !ok {
		w = strings.Clone(w) // w points into a field text; do not pin it
		tid = uint32(len(ix.postings))
		ix.postings = append(ix.postings, plist{})
		ix.words[w] = tid
		ix.wordList.add(w)
	}
	return tid
}

// fieldID returns the id of a field name; past 65,536 names, new names
// share the last id.
func (ix *Index) fieldID(name string) uint16 {
	gid, ok := ix.fieldIDs[name]
	if !ok {
		if len(ix.fieldStats) > math.MaxUint16 {
			return math.MaxUint16
		}
		gid = uint16(len(ix.fieldStats))
		ix.fieldIDs[name] = gid
		ix.fieldStats = append(ix.fieldStats, fieldStat{})
	}
	return gid
}

// kind returns the id of the (field, weight) pair. Once maxKinds pairs
// exist, a new pair takes the kind of the same field with the nearest weight.
func (ix *Index) kind(gid uint16, weight float64) uint32 {
	k := fieldKind{gid, weight}
	id, ok := ix.kindIDs[k]
	if ok {
		return id
	}
	if len(ix.kinds) < maxKinds {
		id = uint32(len(ix.kinds))
		ix.kindIDs[k] = id
		ix.kinds = append(ix.kinds, k)
		return id
	}
	best := math.Inf(1)
	for i, o := range ix.kinds {
		if d := math.Abs(o.weight - weight); o.gid == gid && d < best {
			best, id = d, uint32(i)
		}
	}
	return id
}

// facetKey returns the id and entry of a facet key, creating it; it returns
// a nil entry when the index already has MaxFacetKeys keys.
func (ix *Index) facetKey(name string) (uint32, *facetKey) {
	kid, ok := ix.facetIDs[name]
	if !ok {
		if len(ix.facetKeys) == MaxFacetKeys {
			return 0, nil
		}
		kid = uint32(len(ix.facetKeys))
		ix.facetIDs[name] = kid
		ix.facetKeys = append(ix.facetKeys, &facetKey{name: name, ids: make(map[string]uint32)})
	}
	return kid, ix.facetKeys[kid]
}

// value returns the id of one of the key's values, creating it; it returns
// false when the key already has MaxFacetValues values.
func (fk *facetKey) value(v string) (uint32, bool) {
	vid, ok := fk.ids[v]
	if !ok {
		if len(fk.values) == MaxFacetValues {
			return 0, false
		}
		vid = uint32(len(fk.values))
		fk.ids[v] = vid
		fk.values = append(fk.values, v)
		fk.postings = append(fk.postings, nil)
		fk.counts = append(fk.counts, 0)
	}
	return vid, true
}
