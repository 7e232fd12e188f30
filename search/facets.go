package search

import (
	"cmp"
	"slices"
	"strings"
)

// facetCounter counts the values of the requested facet keys over the
// matching documents.
type facetCounter struct {
	names  []string  // requested keys, without repeats
	keys   []int     // facet key id per name, -1 when no document has the key
	base   []int32   // by facet key id: where its counts start in all, or -1
	all    []int32   // the counts of all requested keys, by base + value id
	counts [][]int32 // per name, by value id: the key's part of all
}

// newFacetCounter returns nil when no facet is requested.
func (ix *Index) newFacetCounter(names []string) *facetCounter {
	if len(names) == 0 {
		return nil
	}
	fc := &facetCounter{base: make([]int32, len(ix.facetKeys))}
	for i := range fc.base {
		fc.base[i] = -1
	}
	n := 0
	for _, name := range names {
		if slices.Contains(fc.names, name) {
			continue
		}
		kid, ok := ix.facetIDs[name]
		if ok {
			fc.base[kid] = int32(n)
			n += len(ix.facetKeys[kid].values)
			fc.keys = append(fc.keys, int(kid))
		} else {
			fc.keys = append(fc.keys, -1)
		}
		fc.names = append(fc.names, name)
	}
	fc.all = make([]int32, n)
	for _, kid := range fc.keys {
		var counts []int32
		if kid >= 0 {
			b := int(fc.base[kid])
			counts = fc.all[b : b+len(ix.facetKeys[kid].values)]
		}
		fc.counts = append(fc.counts, counts)
	}
	return fc
}

// add counts the facet values of one matching document, given its record's
// facet words.
func (fc *facetCounter) add(facets []uint32) {
	for _, w := range facets {
		if b := fc.base[w>>valBits]; b >= 0 {
			fc.all[uint32(b)+w&valMask]++
		}
	}
}

// addLive counts every live document, from the per-value totals the index
// maintains.
func (fc *facetCounter) addLive(ix *Index) {
	for i, kid := range fc.keys {
		if kid >= 0 {
			copy(fc.counts[i], ix.facetKeys[kid].counts)
		}
	}
}

// result is an entry per requested key, values by count descending and then
// value ascending.
func (fc *facetCounter) result(ix *Index) map[string][]FacetCount {
	out := make(map[string][]FacetCount, len(fc.names))
	for i, n := range fc.names {
		list := []FacetCount{}
		if kid := fc.keys[i]; kid >= 0 {
			values := ix.facetKeys[kid].values
			for vid, c := range fc.counts[i] {
				if c > 0 {
					list = append(list, FacetCount{Value: values[vid], Count: int(c)})
				}
			}
		}
		slices.SortFunc(list, func(a, b FacetCount) int {
			if c := cmp.Compare(b.Count, a.Count); c != 0 {
				return c
			}
			return strings.Compare(a.Value, b.Value)
		})
		out[n] = list
	}
	return out
}
