//go:build !purego

package sm3x

import (
	"encoding/binary"
	"sync"

	"github.com/emmansun/gmsm/sm3"
	"golang.org/x/sys/cpu"
)

// lanes: the 8-lane block function needs AVX2 (and gmsm asks for BMI2
// with it).
var lanes = cpu.X86.HasAVX2 && cpu.X86.HasBMI2

// _K holds SM3's round constants T_j rotated left by j, as the assembly
// reads them (gmsm internal/sm3 _K).
var _K = [64]uint32{
	0x79cc4519, 0xf3988a32, 0xe7311465, 0xce6228cb, 0x9cc45197, 0x3988a32f, 0x7311465e, 0xe6228cbc,
	0xcc451979, 0x988a32f3, 0x311465e7, 0x6228cbce, 0xc451979c, 0x88a32f39, 0x11465e73, 0x228cbce6,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
	0x7a879d8a, 0xf50f3b14, 0xea1e7629, 0xd43cec53, 0xa879d8a7, 0x50f3b14f, 0xa1e7629e, 0x43cec53d,
	0x879d8a7a, 0xf3b14f5, 0x1e7629ea, 0x3cec53d4, 0x79d8a7a8, 0xf3b14f50, 0xe7629ea1, 0xcec53d43,
	0x9d8a7a87, 0x3b14f50f, 0x7629ea1e, 0xec53d43c, 0xd8a7a879, 0xb14f50f3, 0x629ea1e7, 0xc53d43ce,
	0x8a7a879d, 0x14f50f3b, 0x29ea1e76, 0x53d43cec, 0xa7a879d8, 0x4f50f3b1, 0x9ea1e762, 0x3d43cec5,
}

// iv is SM3's initial value.
var iv = [8]uint32{0x7380166f, 0x4914b2b9, 0x172442d7, 0xda8a0600, 0xa96f30bc, 0x163138aa, 0xe38dee4d, 0xb0fb0e4e}

// blockMultBy8 runs blocks compression rounds on eight states, each over
// its own input of blocks*64 bytes; buffer is scratch of scratchSize
// bytes (the states, then the 68 expanded words of eight lanes).
//
//go:noescape
func blockMultBy8(dig **[8]uint32, p **byte, buffer *byte, blocks int)

// copyResultsBy8 writes eight consecutive states as eight big-endian
// digests.
//
//go:noescape
func copyResultsBy8(dig *uint32, dst *byte)

// transposeMatrix8x8 transposes eight states in place (declared for the
// assembly file's sake; unused here).
//
//go:noescape
func transposeMatrix8x8(dig **[8]uint32)

const scratchSize = 8*32 + 68*32

type work struct {
	scratch [scratchSize]byte
	states  [8][8]uint32
	digests [8 * Size]byte
	padded  []byte
	buckets [maxLaneBlocks + 1][]int32
}

var works = sync.Pool{New: func() any { return new(work) }}

func sumLanes(msgs [][]byte, out [][Size]byte) {
	w := works.Get().(*work)
	defer works.Put(w)
	for nb := range w.buckets {
		w.buckets[nb] = w.buckets[nb][:0]
	}
	for i, m := range msgs {
		nb := paddedBlocks(len(m))
		if nb > maxLaneBlocks {
			out[i] = sm3.Sum(m)
			continue
		}
		b := append(w.buckets[nb], int32(i))
		if len(b) == 8 {
			w.hash8(msgs, b, nb, out)
			b = b[:0]
		}
		w.buckets[nb] = b
	}
	for _, b := range w.buckets {
		for _, i := range b {
			out[i] = sm3.Sum(msgs[i])
		}
	}
}

// hash8 hashes the eight messages idx, each nb blocks long once padded.
func (w *work) hash8(msgs [][]byte, idx []int32, nb int, out [][Size]byte) {
	n := nb * 64
	if cap(w.padded) < 8*n {
		w.padded = make([]byte, 8*n)
	}
	p := w.padded[:8*n]
	var digs [8]*[8]uint32
	var ptrs [8]*byte
	for j, i := range idx {
		lane := p[j*n : (j+1)*n]
		m := msgs[i]
		k := copy(lane, m)
		lane[k] = 0x80
		clear(lane[k+1 : n-8])
		binary.BigEndian.PutUint64(lane[n-8:], uint64(len(m))<<3)
		w.states[j] = iv
		digs[j] = &w.states[j]
		ptrs[j] = &lane[0]
	}
	blockMultBy8(&digs[0], &ptrs[0], &w.scratch[0], nb)
	copyResultsBy8(&w.states[0][0], &w.digests[0])
	for j, i := range idx {
		copy(out[i][:], w.digests[j*Size:])
	}
}
