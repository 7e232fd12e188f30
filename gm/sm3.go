package gm

import (
	"hash"

	"github.com/emmansun/gmsm/sm3"
)

// SM3 returns the SM3 digest of b (GB/T 32905-2016, GM/T 0004-2012).
func SM3(b []byte) [32]byte {
	return sm3.Sum(b)
}

// NewSM3 returns a new streaming SM3 hash (GB/T 32905-2016) with a 32-byte
// sum, for data too large to hold at once and for hash chains.
func NewSM3() hash.Hash {
	return sm3.New()
}
