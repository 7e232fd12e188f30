// Package audit is huitong's tamper-evident audit trail: entries chained by
// SM3 hashes (GB/T 32905-2016), verifiable by anyone who can hash.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
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

// Detail renders key/value pairs as canonical JSON for AuditEntry.Detail.
func Detail(kv map[string]any) string {
	if len(kv) == 0 {
		return "{}"
	}
	b, err := json.Marshal(kv) // encoding/json sorts map keys
	if err != nil {
		return "{}"
	}
	return string(b)
}
