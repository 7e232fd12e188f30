package quality

import (
	"fmt"
	"testing"
)

func TestJoinTable(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash func(string) uint64
	}{
		{"OK", nil},
		// Every key under one hash: lookups must walk the chain and
		// compare keys, never answer with another key's values.
		{"Collisions", func(string) uint64 { return 42 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJoinTable(10)
			if tc.hash != nil {
				j.hash = tc.hash
			}
			for i := range 200 {
				vals := fmt.Appendf(nil, "v%d\x00w%d", i, i)
				if i%7 == 0 {
					vals = nil // a subject with no compared values
				}
				j.put(fmt.Sprintf("620102199001%06d", i), vals)
			}
			for i := range 200 {
				got, ok := j.get(fmt.Sprintf("620102199001%06d", i))
				want := fmt.Sprintf("v%d\x00w%d", i, i)
				if i%7 == 0 {
					want = ""
				}
				if !ok || string(got) != want {
					t.Fatalf("get %d: got %q, %v, want %q", i, got, ok, want)
				}
			}
			if got, ok := j.get("620102199001999999"); ok {
				t.Fatalf("get of a key never put: got %q, want none", got)
			}
		})
	}
}
