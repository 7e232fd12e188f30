package sm3x

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/emmansun/gmsm/sm3"
)

// TestSum checks every digest against sm3.Sum: every length from 0 to 600
// bytes (each padding boundary, one to ten blocks), shuffled so that the
// groups of eight mix lengths, plus a message too long for a lane.
func TestSum(t *testing.T) {
	if !lanes {
		t.Log("no AVX2 here: Sum hashes one message at a time")
	}
	r := rand.New(rand.NewPCG(1, 2))
	var msgs [][]byte
	for rep := range 9 { // 9 of each length: a group of eight and one over
		for n := range 601 {
			m := make([]byte, n)
			for i := range m {
				m[i] = byte(r.Uint32()) ^ byte(rep)
			}
			msgs = append(msgs, m)
		}
	}
	msgs = append(msgs, bytes.Repeat([]byte{0xa5}, 64*maxLaneBlocks+1))
	r.Shuffle(len(msgs), func(i, j int) { msgs[i], msgs[j] = msgs[j], msgs[i] })
	out := make([][Size]byte, len(msgs))
	Sum(msgs, out)
	for i, m := range msgs {
		if want := sm3.Sum(m); out[i] != want {
			t.Fatalf("message %d (%d bytes): got %x, want %x", i, len(m), out[i], want)
		}
	}
	// The standard's example: SM3("abc").
	abc := make([][]byte, 8)
	for i := range abc {
		abc[i] = []byte("abc")
	}
	out = make([][Size]byte, 8)
	Sum(abc, out)
	if got := fmt.Sprintf("%x", out[7]); got != "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0" {
		t.Fatalf("SM3(abc) = %s", got)
	}
}

func TestSumShortOut(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Sum with a short out did not panic")
		}
	}()
	Sum(make([][]byte, 2), make([][Size]byte, 1))
}

// BenchmarkSum compares 256 messages of 400-700 bytes (audit entries)
// hashed together with the same hashed one at a time.
func BenchmarkSum(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	msgs := make([][]byte, 256)
	total := 0
	for i := range msgs {
		msgs[i] = make([]byte, 400+r.IntN(300))
		total += len(msgs[i])
	}
	out := make([][Size]byte, len(msgs))
	b.Run("lanes", func(b *testing.B) {
		b.SetBytes(int64(total))
		for b.Loop() {
			Sum(msgs, out)
		}
	})
	b.Run("serial", func(b *testing.B) {
		b.SetBytes(int64(total))
		for b.Loop() {
			for i, m := range msgs {
				out[i] = sm3.Sum(m)
			}
		}
	})
}
