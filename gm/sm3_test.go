package gm_test

import (
	"encoding/hex"
	"strings"
	"testing"

	"huitong/gm"
)

// Vectors from GB/T 32905-2016 appendix A ("abc", "abcd"x16) and the
// empty message (checked with `openssl dgst -sm3`).
var sm3Vectors = []struct {
	name, in, want string
}{
	{"Empty", "", "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"},
	{"ABC", "abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
	{"ABCDx16", strings.Repeat("abcd", 16), "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"},
}

func TestSM3(t *testing.T) {
	for _, tt := range sm3Vectors {
		t.Run(tt.name, func(t *testing.T) {
			sum := gm.SM3([]byte(tt.in))
			if got := hex.EncodeToString(sum[:]); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewSM3Streaming(t *testing.T) {
	for _, tt := range sm3Vectors {
		t.Run(tt.name, func(t *testing.T) {
			h := gm.NewSM3()
			// Feed one byte at a time so block boundaries are crossed
			// mid-write.
			for i := 0; i < len(tt.in); i++ {
				h.Write([]byte{tt.in[i]})
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got, want := h.Size(), 32; got != want {
				t.Errorf("Size: got %v, want %v", got, want)
			}
		})
	}
}
