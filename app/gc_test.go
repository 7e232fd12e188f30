package app

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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

func TestHeadroomPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{{0, 400}, {10 << 20, 400}, {32 << 20, 400}, {64 << 20, 200}, {100 << 20, 128}, {128 << 20, 100}, {1 << 30, 100}} {
		if got := headroomPercent(c.live); got != c.want {
			t.Errorf("live %d MB: got %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestHeadroomTuner holds a large live heap: after the collections that
// find it, the collector's percent is lowered to what allows the
// headroom, and once it is released the percent goes back to 400.
func TestHeadroomTuner(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer tuner.on.Store(false)
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	TuneGC()
	wait := func(ok func(int64) bool, what string) {
		t.Helper()
		for range 100 {
			runtime.GC()
			if p := tuner.percent.Load(); ok(p) {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("percent %d: want %s", tuner.percent.Load(), what)
	}
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, 4<<20) // 256 MB in all
	}
	wait(func(p int64) bool { return p == 100 }, "100 with 256 MB live")
	runtime.KeepAlive(live)
	live = nil
	wait(func(p int64) bool { return p == serveGCPercent }, "400 again once released")
}
