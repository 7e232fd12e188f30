package gm_test

import (
	"bytes"
	"testing"

	"huitong/gm"
)

var benchMsg = bytes.Repeat([]byte("e-certificate payload "), 16)

func BenchmarkSign(b *testing.B) {
	k := mustKey(b)
	for b.Loop() {
		if _, err := k.Sign(benchMsg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	k := mustKey(b)
	sig, err := k.Sign(benchMsg)
	if err != nil {
		b.Fatal(err)
	}
	pub := k.Public()
	for b.Loop() {
		if !pub.Verify(benchMsg, sig) {
			b.Fatal("Verify: got false, want true")
		}
	}
}

func BenchmarkSM3_1KiB(b *testing.B) {
	data := bytes.Repeat([]byte{0xa5}, 1024)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		gm.SM3(data)
	}
}

func BenchmarkSeal(b *testing.B) {
	r := mustKeyring(b, bytes.Repeat([]byte{0x42}, gm.MasterKeySize))
	pt := bytes.Repeat([]byte{0x5a}, 1024)
	ad := []byte("table.column#id")
	b.SetBytes(int64(len(pt)))
	for b.Loop() {
		if _, err := r.Seal(pt, ad); err != nil {
			b.Fatal(err)
		}
	}
}
