package audit_test

import (
	"testing"
	"time"

	"huitong"
	"huitong/audit"
)

func chain(n int) []*huitong.AuditEntry {
	prev := audit.Genesis
	var out []*huitong.AuditEntry
	for i := range n {
		e := &huitong.AuditEntry{Chain: "main", Seq: int64(i + 1), At: time.Date(2026, 11, 2, 9, 0, i, 123456789, time.UTC),
			Actor: "gat", Action: "resource.publish", Object: "301001/000001", Result: "ok", Detail: audit.Detail(map[string]any{"v": i})}
		audit.Seal(prev, e)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(es []*huitong.AuditEntry) []*huitong.AuditEntry
		bad    int64
	}{
		{"OK", func(es []*huitong.AuditEntry) []*huitong.AuditEntry { return es }, 0},
		{"ErrChangedField", func(es []*huitong.AuditEntry) []*huitong.AuditEntry { es[2].Result = "denied"; return es }, 3},
		{"ErrChangedTime", func(es []*huitong.AuditEntry) []*huitong.AuditEntry { es[1].At = es[1].At.Add(time.Second); return es }, 2},
		{"ErrRemoved", func(es []*huitong.AuditEntry) []*huitong.AuditEntry { return append(es[:1], es[2:]...) }, 3},
		{"ErrSwapped", func(es []*huitong.AuditEntry) []*huitong.AuditEntry { es[1], es[2] = es[2], es[1]; return es }, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad, err := audit.Verify(audit.Genesis, tt.mutate(chain(5)))
			if bad != tt.bad || (err == nil) != (tt.bad == 0) {
				t.Fatalf("got bad %d err %v, want bad %d", bad, err, tt.bad)
			}
		})
	}
}

func TestSealTruncatesToMicroseconds(t *testing.T) {
	e := chain(1)[0]
	if e.At.Nanosecond()%1000 != 0 {
		t.Fatalf("got %v, want microsecond precision (what both databases keep)", e.At)
	}
	if got, want := audit.Detail(map[string]any{"b": 1, "a": "x"}), `{"a":"x","b":1}`; got != want {
		t.Fatalf("detail: got %s, want %s (sorted keys)", got, want)
	}
}
