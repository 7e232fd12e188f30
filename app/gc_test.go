package app

import (
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	pct, limit := TuneGC()
	if pct != serveGCPercent || debug.SetGCPercent(pct) != serveGCPercent {
		t.Fatalf("GC percent %d, want %d", pct, serveGCPercent)
	}
	if total := memTotal(); total > 0 && (limit <= 0 || limit > total || debug.SetMemoryLimit(-1) != limit) {
		t.Fatalf("memory limit %d of %d", limit, total)
	}
	// The operator's settings stand.
	debug.SetGCPercent(150)
	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	if pct, limit := TuneGC(); pct != -2 || limit != -1 || debug.SetGCPercent(150) != 150 {
		t.Fatalf("with GOGC and GOMEMLIMIT set: %d %d", pct, limit)
	}
}
