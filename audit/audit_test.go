package audit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/gm"
)

// reference is the original definition of the canonical form, through
// encoding/json; AppendCanonical must reproduce it byte for byte.
func reference(e *huitong.AuditEntry) []byte {
	b, _ := json.Marshal([]any{
		e.Chain, e.Seq, e.At.UTC().Format("2006-01-02T15:04:05.000000Z"),
		e.Actor, e.Department, e.Action, e.Object, e.Result, e.Detail,
	})
	return b
}

func TestCanonicalMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2026, 3, 2, 8, 30, 1, 123456000, time.FixedZone("CST", 8*3600))
	tests := []struct {
		name string
		s    string
	}{
		{"ASCII", "resource.publish"},
		{"Chinese", "甘肃省公安厅 户籍人口基本信息"},
		{"HTML", `<script>alert("x")&</script>`},
		{"Controls", "a\b\f\n\r\t\x00\x01\x1f\x7fz"},
		{"Backslash", `C:\path\"quoted"`},
		{"LineSeparators", "a\u2028b\u2029c"},
		{"InvalidUTF8", "ok\xff\xfe\xc3(bad\xe2\x82"},
		{"Detail", `{"items":["XM","GMSFHM"],"purpose":"社保资格认证","subject":"ab12"}`},
		{"Empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &huitong.AuditEntry{Chain: "main", Seq: 42, At: at, Actor: tt.s, Department: "d", Action: tt.s, Object: tt.s, Result: "ok", Detail: tt.s}
			if got, want := audit.Canonical(e), reference(e); !bytes.Equal(got, want) {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
	t.Run("Random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(7, 7))
		alphabet := []rune{'a', 'Z', '0', '"', '\\', '<', '>', '&', '\n', '\x00', '\x1f', 0x7f, 'é', '汇', '通', 0x2028, 0x2029, 0xfffd, 0x10348}
		for i := range 5000 {
			var b strings.Builder
			for range rng.IntN(20) {
				if rng.IntN(10) == 0 {
					b.WriteByte(byte(0x80 + rng.IntN(0x80))) // a stray byte: invalid UTF-8
				} else {
					b.WriteRune(alphabet[rng.IntN(len(alphabet))])
				}
			}
			e := &huitong.AuditEntry{Chain: b.String(), Seq: rng.Int64(), At: at.Add(time.Duration(rng.Int64N(1e15))), Detail: b.String(), Object: b.String()}
			if got, want := audit.Canonical(e), reference(e); !bytes.Equal(got, want) {
				t.Fatalf("case %d: got %q, want %q", i, got, want)
			}
		}
	})
}

// sealed builds n sealed entries of one chain starting after prev at seq from.
func sealed(prev string, from int64, n int) []*huitong.AuditEntry {
	out := make([]*huitong.AuditEntry, n)
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for i := range out {
		e := &huitong.AuditEntry{Chain: "main", Seq: from + int64(i), At: at.Add(time.Duration(i) * time.Second),
			Actor: "key:7", Department: "11620000013600021X", Action: "exchange.query", Object: "101001/000001", Result: "ok",
			Detail: audit.Detail(map[string]any{"purpose": "社会保险待遇资格认证", "items": []string{"XM", "GMSFHM"}, "n": i})}
		audit.Seal(prev, e)
		prev = e.Hash
		out[i] = e
	}
	return out
}

func seq(entries []*huitong.AuditEntry) iter.Seq2[*huitong.AuditEntry, error] {
	return func(yield func(*huitong.AuditEntry, error) bool) {
		for _, e := range entries {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func TestCheckpoint(t *testing.T) {
	k, err := gm.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := gm.GenerateKey()
	es := sealed(audit.Genesis, 1, 3)
	cp, err := audit.SignCheckpoint(k, "main", 3, es[2].Hash, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := audit.ParseCheckpointPayload(cp.Payload)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.Seq != 3 || parsed.Hash != es[2].Hash || !parsed.At.Equal(cp.At) || parsed.Key != cp.Key {
		t.Errorf("parsed payload: got %+v, want the fields of %+v", parsed, cp)
	}
	tests := []struct {
		name   string
		pub    *gm.PublicKey
		mutate func(c *huitong.Checkpoint)
		want   string
	}{
		{"OK", k.Public(), func(*huitong.Checkpoint) {}, ""},
		{"ErrOtherKey", other.Public(), func(*huitong.Checkpoint) {}, "signed by key"},
		{"ErrHashChanged", k.Public(), func(c *huitong.Checkpoint) { c.Hash = es[1].Hash }, "payload does not state"},
		{"ErrPayloadRewritten", k.Public(), func(c *huitong.Checkpoint) {
			c.Hash = es[1].Hash
			c.Payload = audit.CheckpointPayload(c.Chain, c.Seq, c.Hash, c.At, c.Key)
		}, "signature does not verify"},
		{"ErrSignatureFlipped", k.Public(), func(c *huitong.Checkpoint) {
			c.Signature = bytes.Clone(c.Signature)
			c.Signature[len(c.Signature)-1] ^= 1
		}, "signature does not verify"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := *cp
			tt.mutate(&c)
			err := audit.VerifyCheckpoint(tt.pub, &c)
			if tt.want == "" && err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestExportVerifiesWithOpenSSL writes exports and checks them with stock
// OpenSSL 3 and sh only: the commands docs/operations.md shows, one by
// one, and the verify.sh script; then tampers and expects each to fail.
func TestExportVerifiesWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not in PATH")
	}
	k, err := gm.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	all := sealed(audit.Genesis, 1, 30)
	anchor, err := audit.SignCheckpoint(k, "main", 10, all[9].Hash, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cp, err := audit.SignCheckpoint(k, "main", 30, all[29].Hash, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	write := func(t *testing.T, anchor *huitong.Checkpoint, entries []*huitong.AuditEntry) string {
		dir := filepath.Join(t.TempDir(), "export")
		n, err := audit.WriteExport(dir, k.Public(), anchor, cp, seq(entries))
		if err != nil {
			t.Fatal(err)
		}
		if n != int64(len(entries)) {
			t.Fatalf("exported %d entries, want %d", n, len(entries))
		}
		return dir
	}
	run := func(dir string, name string, args ...string) (string, error) {
		cmd := exec.Command(name, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	t.Run("CommandsOneByOne", func(t *testing.T) {
		dir := write(t, anchor, all[10:])
		for _, f := range []string{"checkpoint", "anchor"} {
			out, err := run(dir, openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-digest", "sm3",
				"-pkeyopt", "distid:1234567812345678", "-in", f+".txt", "-sigfile", f+".sig")
			if err != nil || !strings.Contains(out, "Signature Verified Successfully") {
				t.Fatalf("openssl pkeyutl -verify %s: %v\n%s", f, err, out)
			}
		}
		// Each entry file hashes to the next entry's previous hash, and the
		// last to the checkpoint's hash.
		for i, e := range all[10:] {
			out, err := run(dir, openssl, "dgst", "-sm3", "-r", filepath.Join("entries", audit.EntryFile(e.Seq)))
			if err != nil {
				t.Fatalf("openssl dgst: %v\n%s", err, out)
			}
			got := strings.Fields(out)[0]
			if got != e.Hash {
				t.Fatalf("entry %d: openssl SM3 %s, want %s", e.Seq, got, e.Hash)
			}
			if i == len(all[10:])-1 && got != cp.Hash {
				t.Fatalf("last entry: openssl SM3 %s, checkpoint %s", got, cp.Hash)
			}
		}
	})

	tests := []struct {
		name    string
		anchor  *huitong.Checkpoint
		entries []*huitong.AuditEntry
		tamper  func(t *testing.T, dir string)
		want    string
	}{
		{"OKFromGenesis", nil, all, nil, "OK: 30 entries"},
		{"OKFromAnchor", anchor, all[10:], nil, "OK: 20 entries"},
		{"ErrEntryEdited", anchor, all[10:], func(t *testing.T, dir string) {
			p := filepath.Join(dir, "entries", audit.EntryFile(15))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("exchange.query"), []byte("exchange.qvery"), 1), 0o644)
		}, "FAIL: entry 16"},
		{"ErrEntryRemoved", anchor, all[10:], func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "entries", audit.EntryFile(20)))
		}, "FAIL: entries/000000000021.bin: expected entry 20"},
		{"ErrLastEntryEdited", nil, all, func(t *testing.T, dir string) {
			p := filepath.Join(dir, "entries", audit.EntryFile(30))
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b[:len(b)-1], ' ', ']'), 0o644)
		}, "the checkpoint signs"},
		{"ErrCheckpointEdited", nil, all, func(t *testing.T, dir string) {
			p := filepath.Join(dir, "checkpoint.txt")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, bytes.Replace(b, []byte("seq: 30"), []byte("seq: 31"), 1), 0o644)
		}, "FAIL: the signature of checkpoint.txt"},
		{"ErrOtherKey", nil, all, func(t *testing.T, dir string) {
			other, _ := gm.GenerateKey()
			os.WriteFile(filepath.Join(dir, "pub.pem"), other.Public().PEM(), 0o644)
		}, "FAIL: the signature of checkpoint.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, tt.anchor, tt.entries)
			if tt.tamper != nil {
				tt.tamper(t, dir)
			}
			out, err := run(dir, "sh", "verify.sh")
			ok := strings.HasPrefix(tt.name, "OK")
			if (err == nil) != ok {
				t.Fatalf("verify.sh success: got %v, want %v\n%s", err == nil, ok, out)
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("got %q, want it to contain %q", out, tt.want)
			}
		})
	}

	t.Run("ErrBrokenChainNotExported", func(t *testing.T) {
		broken := sealed(audit.Genesis, 1, 30)
		broken[4].Detail = `{"edited":true}`
		_, err := audit.WriteExport(filepath.Join(t.TempDir(), "x"), k.Public(), nil, cp, seq(broken))
		if err == nil || !strings.Contains(err.Error(), "entry 5 does not verify") {
			t.Errorf("got %v, want entry 5 does not verify", err)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	e := sealed(audit.Genesis, 1, 1)[0]
	for b.Loop() {
		audit.Hash(e.PrevHash, e)
	}
}

func ExampleCheckpointPayload() {
	fmt.Print(audit.CheckpointPayload("main", 3, strings.Repeat("ab", 32), time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), "fp"))
	// Output:
	// huitong audit checkpoint v1
	// chain: main
	// seq: 3
	// hash: abababababababababababababababababababababababababababababababab
	// at: 2026-03-02T00:00:00.000000Z
	// key: fp
}

// Detail writes what encoding/json.Marshal writes for the same map.
func TestDetailMatchesEncodingJSON(t *testing.T) {
	maps := []map[string]any{
		{"purpose": "养老保险待遇资格认证", "case": "GS2026-0001", "grant": int64(7), "latencyMs": 0.734, "items": []string{"XM", "GMSFHM"}},
		{"subject": "ab<c>&\"d\\", "subjectMasked": "620102********1234", "match": true, "batch": 100, "via": "api"},
		{"tiny": 1e-7, "huge": 1e21, "neg": -0.5, "zero": 0.0, "big": 123456789.125, "e": 5e-324, "m": -2.5e-8},
		{"ctl": "a\x00b\nc\td\u2028e\u2029f", "bad": "x\xffy", "empty": "", "nilList": []string(nil), "list": []string{}},
		{"nested": map[string]any{"b": 1, "a": []int{1, 2}}, "n": nil, "u": uint8(3), "f32": float32(0.1)},
		{"键": "值", "Z": "z", "a": "A", "_": "_"},
	}
	for _, m := range maps {
		want, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		if got := audit.Detail(m); got != string(want) {
			t.Errorf("Detail(%v)\n got %s\nwant %s", m, got, want)
		}
	}
	// DetailOf gives the same bytes from pairs, in any order, the later of
	// two with one key winning.
	for _, m := range maps {
		var pairs []audit.KV
		for k, v := range m {
			pairs = append(pairs, audit.KV{Key: k, Value: "overwritten"}, audit.KV{Key: k, Value: v})
		}
		if got, want := audit.DetailOf(pairs), audit.Detail(m); got != want {
			t.Errorf("DetailOf(%v)\n got %s\nwant %s", pairs, got, want)
		}
	}
	if got := audit.DetailOf(nil); got != "{}" {
		t.Errorf("DetailOf(nil): got %s", got)
	}
	if got := audit.Detail(map[string]any{"x": math.NaN()}); got != "{}" {
		t.Errorf("NaN: got %s, want {}", got)
	}
	if got := audit.Detail(nil); got != "{}" {
		t.Errorf("nil: got %s", got)
	}
}

// An entry whose tail was written ahead seals to the same hash as one
// encoded whole, and verifies once read back without it.
func TestPrepareTail(t *testing.T) {
	at := time.Date(2026, 3, 9, 8, 1, 2, 123456789, time.FixedZone("CST", 8*3600))
	mk := func() *huitong.AuditEntry {
		return &huitong.AuditEntry{Chain: "main", At: at, Actor: "key:9", Department: "11620000MB0000001X", Action: "exchange.query",
			Object: "301001/000001", Result: "ok", Detail: `{"purpose":"养老 <&>","subject":"ab"}`}
	}
	plain, pre := mk(), mk()
	audit.PrepareTail(pre)
	prev := audit.Genesis
	for seq := int64(1); seq <= 3; seq++ {
		plain.Seq, pre.Seq = seq, seq
		audit.Seal(prev, plain)
		audit.Seal(prev, pre)
		if plain.Hash != pre.Hash {
			t.Fatalf("seq %d: hash with tail %s, without %s", seq, pre.Hash, plain.Hash)
		}
		stored := *pre
		stored.Tail = nil
		if _, err := audit.Verify(prev, []*huitong.AuditEntry{&stored}); err != nil {
			t.Fatal(err)
		}
		prev = pre.Hash
	}
}

// AppendJSONString writes what encoding/json writes for any string:
// random bytes, valid or not, with the characters it escapes mixed in.
func TestAppendJSONStringRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"a", "Z", "0", " ", "<", ">", "&", "\"", "\\", "\n", "\t", "\x00", "\x1f", "\x7f", "王", "伟", "\u2028", "\u2029", "\xe2\x80", "\xff", "\xc3", "é", "😀", "\xed\xa0\x80"}
	for range 20000 {
		var b strings.Builder
		for range r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		s := b.String()
		want, _ := json.Marshal(s)
		if got := audit.AppendJSONString(nil, s); string(got) != string(want) {
			t.Fatalf("%q: got %s, want %s", s, got, want)
		}
	}
}

// TestAppendCanonicalTime holds the hand-written time layout to
// AppendFormat over random instants of years 0 to 9999 in several zones,
// and a few beyond.
func TestAppendCanonicalTime(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	zones := []*time.Location{time.UTC, time.FixedZone("CST", 8*3600), time.FixedZone("W", -11*3600-1800)}
	lo, hi := time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMicro()
	check := func(tm time.Time) {
		t.Helper()
		want := tm.UTC().AppendFormat(nil, audit.CanonicalTime)
		if got := audit.AppendCanonicalTime([]byte("x"), tm); string(got) != "x"+string(want) {
			t.Fatalf("%v: got %s, want %s", tm, got[1:], want)
		}
	}
	for range 20000 {
		us := lo + r.Int64N(hi-lo)
		check(time.UnixMicro(us).Add(time.Duration(r.IntN(1000))).In(zones[r.IntN(len(zones))]))
	}
	for _, tm := range []time.Time{{}, time.Date(-1, 5, 1, 0, 0, 0, 0, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 7, 23, 59, 59, 999999999, time.UTC)} {
		check(tm)
	}
}
