// Package audit is huitong's tamper-evident audit trail: entries chained by
// SM3 hashes (GB/T 32905-2016), verifiable by anyone who can hash.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"huitong"
)

// Genesis is the previous hash of the first entry of every chain.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Canonical returns the bytes that an entry's hash covers: a JSON array of
// its fields in a fixed order, with the time in RFC 3339 UTC at microsecond
// precision (what both database engines keep). The bytes are exactly what
// encoding/json produces for that array (HTML-escaped strings, invalid
// UTF-8 as U+FFFD); AppendCanonical writes them without reflection, and a
// test holds the two to each other. NB: never change these bytes: every
// stored hash depends on them. A new layout needs a new version.
func Canonical(e *huitong.AuditEntry) []byte {
	return AppendCanonical(make([]byte, 0, 256+len(e.Detail)), e)
}

// Hash computes SM3(prev || canonical(e)) as lower-case hex.
func Hash(prev string, e *huitong.AuditEntry) string {
	b := bufPool.Get().(*[]byte)
	buf := append((*b)[:0], prev...)
	buf = AppendCanonical(buf, e)
	sum := sm3.Sum(buf)
	*b = buf
	bufPool.Put(b)
	return hex.EncodeToString(sum[:])
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// Seal sets e.PrevHash and e.Hash, truncating e.At to microseconds first.
func Seal(prev string, e *huitong.AuditEntry) {
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prev
	e.Hash = Hash(prev, e)
}

// Verify checks that entries (consecutive, in sequence order, of one chain)
// link to prev and to each other. It returns the sequence number of the
// first bad entry, or 0 and nil when all verify.
func Verify(prev string, entries []*huitong.AuditEntry) (int64, error) {
	for _, e := range entries {
		if e.PrevHash != prev {
			return e.Seq, fmt.Errorf("audit: entry %d: previous hash %s does not match %s", e.Seq, short(e.PrevHash), short(prev))
		}
		if h := Hash(prev, e); h != e.Hash {
			return e.Seq, fmt.Errorf("audit: entry %d: hash %s does not match its contents (%s)", e.Seq, short(e.Hash), short(h))
		}
		prev = e.Hash
	}
	return 0, nil
}

func short(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

// Detail renders key/value pairs as canonical JSON for AuditEntry.Detail:
// byte for byte what encoding/json.Marshal gives for kv (keys sorted,
// HTML-escaped strings), written directly for the value types entries
// carry (strings, numbers, booleans, string lists), since every use of
// shared data writes one. "{}" for none, or when a value cannot be
// rendered (NaN, a channel).
func Detail(kv map[string]any) string {
	if len(kv) == 0 {
		return "{}"
	}
	ok := true
	b := AppendJSONMap(make([]byte, 0, 64*len(kv)), kv, func(b []byte, v any) []byte {
		b, good := appendDetailValue(b, v)
		ok = ok && good
		return b
	})
	if !ok {
		return "{}"
	}
	return string(b)
}

// KV is one key and value of an entry's detail (DetailOf).
type KV struct {
	Key   string
	Value any
}

// DetailOf renders pairs exactly as Detail renders the map holding them
// (a later pair with the same key wins), without building the map: the
// detail of every use of shared data is written this way.
func DetailOf(pairs []KV) string {
	if len(pairs) == 0 {
		return "{}"
	}
	slices.SortStableFunc(pairs, func(a, b KV) int { return strings.Compare(a.Key, b.Key) })
	b := make([]byte, 0, 64*len(pairs))
	b = append(b, '{')
	for i, kv := range pairs {
		if i+1 < len(pairs) && pairs[i+1].Key == kv.Key {
			continue // the later one wins, as in a map
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = appendJSONString(b, kv.Key)
		b = append(b, ':')
		var ok bool
		if b, ok = appendDetailValue(b, kv.Value); !ok {
			return "{}"
		}
	}
	return string(append(b, '}'))
}

// appendDetailValue appends v as encoding/json writes it; false when it
// cannot be written.
func appendDetailValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case string:
		return appendJSONString(b, v), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case bool:
		return strconv.AppendBool(b, v), true
	case float64:
		return appendJSONFloat(b, v)
	case []string:
		if v == nil {
			return append(b, "null"...), true
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, s)
		}
		return append(b, ']'), true
	case nil:
		return append(b, "null"...), true
	}
	j, err := json.Marshal(v)
	if err != nil {
		return b, false
	}
	return append(b, j...), true
}

// appendJSONFloat appends f as encoding/json writes a float64: the
// shortest representation, in exponent form below 1e-6 and from 1e21 on,
// with a one-digit negative exponent written without its zero.
func appendJSONFloat(b []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, true
}
