package ingest

// bloom is a scalable Bloom filter of 64-bit hashes: it answers "surely
// not added" or "perhaps added" with about 1% false positives, in about
// 10 bits per key. The pipeline keeps the keys a batch wrote in one, so
// that loading into an empty resource asks the database about a key only
// when the filter says it may repeat an earlier row (a real duplicate or
// one of the 1%). Levels are added with four times the capacity as it
// fills, so the size of a delivery need not be known in advance.
type bloom struct {
	levels []*bloomLevel
}

type bloomLevel struct {
	bits     []uint64
	m        uint64 // bits
	n, limit int
}

const bloomK = 7 // hash functions: optimal for 1% at 9.6 bits per key

func newBloomLevel(capacity int) *bloomLevel {
	m := uint64(capacity) * 10
	m = (m + 63) &^ 63
	return &bloomLevel{bits: make([]uint64, m/64), m: m, limit: capacity}
}

// add records h.
func (b *bloom) add(h uint64) {
	if len(b.levels) == 0 || b.levels[len(b.levels)-1].n >= b.levels[len(b.levels)-1].limit {
		capacity := 1 << 16
		if len(b.levels) > 0 {
			capacity = b.levels[len(b.levels)-1].limit * 4
		}
		b.levels = append(b.levels, newBloomLevel(capacity))
	}
	l := b.levels[len(b.levels)-1]
	h1, h2 := h, h>>32|h<<32|1
	for i := uint64(0); i < bloomK; i++ {
		bit := (h1 + i*h2) % l.m
		l.bits[bit/64] |= 1 << (bit % 64)
	}
	l.n++
}

// has reports whether h may have been added (false: surely not).
func (b *bloom) has(h uint64) bool {
	h1, h2 := h, h>>32|h<<32|1
outer:
	for _, l := range b.levels {
		for i := uint64(0); i < bloomK; i++ {
			bit := (h1 + i*h2) % l.m
			if l.bits[bit/64]&(1<<(bit%64)) == 0 {
				continue outer
			}
		}
		return true
	}
	return false
}
