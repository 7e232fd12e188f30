package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"

	"huitong"
	"huitong/gm"
)

// An export is a directory that anyone can verify with stock OpenSSL 3
// and a POSIX shell, without huitong:
//
//	pub.pem                  the platform's SM2 public key
//	checkpoint.txt, .sig     the signed checkpoint that ends the range
//	anchor.txt, anchor.sig   the signed checkpoint just before the range
//	                         (absent when the range starts at entry 1)
//	entries/<seq>.bin        per entry: previous hash (64 hex) || canonical
//	                         form, exactly the bytes its SM3 hash covers
//	entries.jsonl            the entries as JSON, for reading
//	verify.sh                the checks below, as a script
//
// The checks: both signatures verify; the first entry's previous hash is
// the anchor's hash (or the genesis hash); each entry's previous hash is
// the SM3 of the entry before; the SM3 of the last entry is the hash the
// checkpoint signs. See docs/operations.md for the commands one by one.

// VerifyScript is verify.sh: the OpenSSL commands that check an export.
const VerifyScript = `#!/bin/sh
# Verifies this huitong audit export with stock OpenSSL 3 (SM2 with SM3,
# GM/T 0009 default signer id 1234567812345678). Exit 0 when every entry
# chains to the signed checkpoint.
set -eu
cd "$(dirname "$0")"
sig() {
	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -digest sm3 \
		-pkeyopt distid:1234567812345678 -in "$1" -sigfile "$2" >/dev/null 2>&1 ||
		{ echo "FAIL: the signature of $1 does not verify with pub.pem"; exit 1; }
}
field() { sed -n "s/^$1: //p" "$2"; }
sig checkpoint.txt checkpoint.sig
if [ -f anchor.txt ]; then
	sig anchor.txt anchor.sig
	prev=$(field hash anchor.txt)
	next=$(( $(field seq anchor.txt) + 1 ))
else
	prev=` + Genesis + `
	next=1
fi
n=0
for f in entries/*.bin; do
	seq=$(basename "$f" .bin | sed 's/^0*//')
	[ "$seq" -eq "$next" ] || { echo "FAIL: $f: expected entry $next"; exit 1; }
	p=$(head -c 64 "$f")
	[ "$p" = "$prev" ] || { echo "FAIL: entry $seq: previous hash $p, the entry before hashes to $prev"; exit 1; }
	prev=$(openssl dgst -sm3 -r "$f" | cut -d' ' -f1)
	next=$((next + 1))
	n=$((n + 1))
done
[ "$((next - 1))" -eq "$(field seq checkpoint.txt)" ] || { echo "FAIL: entries end at $((next - 1)), the checkpoint is at $(field seq checkpoint.txt)"; exit 1; }
[ "$prev" = "$(field hash checkpoint.txt)" ] || { echo "FAIL: the last entry hashes to $prev, the checkpoint signs $(field hash checkpoint.txt)"; exit 1; }
echo "OK: $n entries chain to the signed checkpoint at $(field seq checkpoint.txt)"
`

// EntryFile is the file name of entry seq in an export.
func EntryFile(seq int64) string { return fmt.Sprintf("%012d.bin", seq) }

// WriteExport writes an export of the entries (consecutive, in sequence
// order, of cp's chain, ending at cp.Seq) to dir, which must not exist or
// be empty. anchor is the checkpoint whose hash the first entry's
// previous hash must equal, nil when the entries start at 1. It checks the
// chain while writing, so a broken chain is never exported as if whole.
func WriteExport(dir string, pub *gm.PublicKey, anchor, cp *huitong.Checkpoint, entries iter.Seq2[*huitong.AuditEntry, error]) (n int64, err error) {
	if err := os.MkdirAll(filepath.Join(dir, "entries"), 0o755); err != nil {
		return 0, fmt.Errorf("audit: export: %w", err)
	}
	files := map[string][]byte{
		"pub.pem":        pub.PEM(),
		"checkpoint.txt": []byte(cp.Payload),
		"checkpoint.sig": cp.Signature,
		"verify.sh":      []byte(VerifyScript),
	}
	prev, next := Genesis, int64(1)
	if anchor != nil {
		files["anchor.txt"], files["anchor.sig"] = []byte(anchor.Payload), anchor.Signature
		prev, next = anchor.Hash, anchor.Seq+1
	}
	for name, b := range files {
		mode := os.FileMode(0o644)
		if name == "verify.sh" {
			mode = 0o755
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, mode); err != nil {
			return 0, fmt.Errorf("audit: export: %w", err)
		}
	}
	jf, err := os.Create(filepath.Join(dir, "entries.jsonl"))
	if err != nil {
		return 0, fmt.Errorf("audit: export: %w", err)
	}
	defer jf.Close()
	jw := bufio.NewWriter(jf)
	enc := json.NewEncoder(jw)
	buf := make([]byte, 0, 1024)
	for e, err := range entries {
		if err != nil {
			return n, err
		}
		if e.Seq != next {
			return n, fmt.Errorf("audit: export: expected entry %d, got %d", next, e.Seq)
		}
		if e.PrevHash != prev || Hash(prev, e) != e.Hash {
			return n, fmt.Errorf("audit: export: entry %d does not verify; run huitong audit verify", e.Seq)
		}
		buf = AppendCanonical(append(buf[:0], e.PrevHash...), e)
		if err := os.WriteFile(filepath.Join(dir, "entries", EntryFile(e.Seq)), buf, 0o644); err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		if err := enc.Encode(e); err != nil {
			return n, fmt.Errorf("audit: export: %w", err)
		}
		prev, next = e.Hash, next+1
		n++
	}
	if next-1 != cp.Seq || prev != cp.Hash {
		return n, fmt.Errorf("audit: export: entries end at %d with hash %s, the checkpoint is at %d with %s", next-1, short(prev), cp.Seq, short(cp.Hash))
	}
	if err := jw.Flush(); err != nil {
		return n, fmt.Errorf("audit: export: %w", err)
	}
	return n, jf.Close()
}
