package search

import (
	"slices"
	"strings"
)

// wordList keeps the indexed words sorted for prefix lookups. New words go to
// a short unsorted tail that is merged in once it grows, so indexing stays
// cheap and a lookup scans at most pendingMax unsorted words.
type wordList struct {
	sorted  []string
	pending []string
}

const pendingMax = 1024

func (wl *wordList) add(w string) {
	wl.pending = append(wl.pending, w)
	if len(wl.pending) >= pendingMax {
		slices.Sort(wl.pending)
		wl.sorted = mergeSorted(wl.sorted, wl.pending)
		wl.pending = wl.pending[:0]
	}
}

func mergeSorted(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i] <= b[j] {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// withPrefix calls fn for every indexed word that starts with p.
func (wl *wordList) withPrefix(p string, fn func(w string)) {
	i, _ := slices.BinarySearch(wl.sorted, p)
	for ; i < len(wl.sorted) && strings.HasPrefix(wl.sorted[i], p); i++ {
		fn(wl.sorted[i])
	}
	for _, w := range wl.pending {
		if strings.HasPrefix(w, p) {
			fn(w)
		}
	}
}

// idOrder lists ordinals sorted by document ID, for queries without text.
// New ordinals go to a short sorted tail that is merged in once it grows,
// so Put stays cheap even while the index is being built in random order.
// Dead ordinals stay until compaction; walk skips them.
type idOrder struct {
	sorted  []uint32
	pending []uint32
}

func (o *idOrder) add(ix *Index, ord uint32) {
	id := ix.docIDs[ord]
	i, _ := slices.BinarySearchFunc(o.pending, id, func(p uint32, id string) int { return strings.Compare(ix.docIDs[p], id) })
	o.pending = slices.Insert(o.pending, i, ord)
	if len(o.pending) > 1024+len(o.sorted)/32 {
		o.merge(ix)
	}
}

func (o *idOrder) merge(ix *Index) {
	out := make([]uint32, 0, len(o.sorted)+len(o.pending))
	o.walkAll(ix, func(ord uint32) bool {
		if !ix.isDead(ord) {
			out = append(out, ord)
		}
		return true
	})
	o.sorted, o.pending = out, o.pending[:0]
}

// walkAll calls fn for every ordinal in ID order, dead ones included, until
// fn returns false.
func (o *idOrder) walkAll(ix *Index, fn func(ord uint32) bool) {
	a, b := o.sorted, o.pending
	for len(a) > 0 || len(b) > 0 {
		var ord uint32
		if len(b) == 0 || (len(a) > 0 && ix.docIDs[a[0]] <= ix.docIDs[b[0]]) {
			ord, a = a[0], a[1:]
		} else {
			ord, b = b[0], b[1:]
		}
		if !fn(ord) {
			return
		}
	}
}

// walk calls fn for every live ordinal in ID order until fn returns false.
func (o *idOrder) walk(ix *Index, fn func(ord uint32) bool) {
	o.walkAll(ix, func(ord uint32) bool { return ix.isDead(ord) || fn(ord) })
}

// compact drops dead ordinals and renumbers the rest through remap; it must
// run while ix.docIDs still holds the old ordinals.
func (o *idOrder) compact(ix *Index, remap []uint32) {
	out := make([]uint32, 0, ix.live)
	o.walkAll(ix, func(ord uint32) bool {
		if m := remap[ord]; m != deadOrd {
			out = append(out, m)
		}
		return true
	})
	o.sorted, o.pending = out, nil
}
