package gm

import (
	"hash"

	"github.com/emmansun/gmsm/sm3"

	"huitong/gm/internal/sm3x"
)

// SM3 returns the SM3 digest of b (GB/T 32905-2016, GM/T 0004-2012).
func SM3(b []byte) [32]byte {
	return sm3.Sum(b)
}

// SM3Many sets out[i] to the SM3 digest of msgs[i], as SM3 would; out
// must be at least as long as msgs. Many independent messages hash at
// about three times the throughput of one after another: on amd64 with
// AVX2, messages of the same padded length go eight at a time through the
// eight lanes of one vector block function (see gm/internal/sm3x).
// Audit verification uses it: every entry's hash is independent of the
// others' once the stored previous hash is read.
func SM3Many(msgs [][]byte, out [][32]byte) {
	sm3x.Sum(msgs, out)
}

// NewSM3 returns a new streaming SM3 hash (GB/T 32905-2016) with a 32-byte
// sum, for data too large to hold at once and for hash chains.
func NewSM3() hash.Hash {
	return sm3.New()
}
