// Package sm3x computes the SM3 digests of many independent messages at
// once. On amd64 with AVX2, messages of the same padded length are hashed
// eight at a time, one in each 32-bit lane of gmsm's 8-lane block function
// (the one its KDF uses); elsewhere, and for the messages a group of eight
// leaves over, one at a time with gmsm's sm3.
//
// The digests are SM3's (GB/T 32905-2016), lane or not: TestSum checks
// them against sm3.Sum for every length up to several blocks.
package sm3x

import "github.com/emmansun/gmsm/sm3"

// Size is the length of an SM3 digest.
const Size = sm3.Size

// Sum sets out[i] to the SM3 digest of msgs[i]; out must be at least as
// long as msgs.
func Sum(msgs [][]byte, out [][Size]byte) {
	if len(out) < len(msgs) {
		panic("sm3x: out shorter than msgs")
	}
	if !lanes || len(msgs) < 8 {
		sumEach(msgs, out)
		return
	}
	sumLanes(msgs, out)
}

// sumEach hashes the messages one at a time.
func sumEach(msgs [][]byte, out [][Size]byte) {
	for i, m := range msgs {
		out[i] = sm3.Sum(m)
	}
}

// maxLaneBlocks bounds the padded length of a message hashed in a lane;
// longer ones (rare in what this package is for) go one at a time.
const maxLaneBlocks = 64

// paddedBlocks is the number of 64-byte blocks of a message of n bytes once
// padded: the message, 0x80, zeros, and its length in bits as 8 bytes.
func paddedBlocks(n int) int { return (n + 9 + 63) / 64 }
