package app

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Garbage collection of a serving platform. Go's default (GOGC=100: collect
// when the heap has grown by its live size) suits small heaps that must
// stay small; the platform's live heap is modest (tens of MB: the catalog
// index, caches) while every use of shared data allocates its request,
// record, masked answer and audit entry. At the default, the collector
// took about 12 % of the CPU of the query path; at 400 that falls by
// three quarters (docs/performance.md). The memory limit keeps the larger
// growth from becoming a risk: near it the collector works harder, as at
// the default.
//
// A large live heap is another matter. A batch of 100,000 certificates
// holds some 150 MB live while it is signed and stored; at 400 the heap
// grew towards 750 MB between two collections, every allocation landed in
// memory the process had never touched, and the page faults made the
// batch 40 % slower than at the default (huitong bench cert). So the
// percent is 400 only while that means at most serveHeadroom of growth:
// after each collection it is set to what allows serveHeadroom over the
// live heap, between 100 and 400 (the default's growth is never cut).
const (
	serveGCPercent = 400
	// serveHeadroom is the growth beyond the live heap the collector's
	// setting allows at most, unless that is below the default's.
	serveHeadroom = 128 << 20
	// serveMemoryShare is the part of the machine's memory the soft limit
	// allows the heap when GOMEMLIMIT is not set.
	serveMemoryShare = 0.5
)

// TuneGC sets the collector for serving: GOGC 400 and a soft memory limit
// of half the machine's memory, unless the operator set GOGC or GOMEMLIMIT
// (the Go runtime's own variables, which then apply as they are). It
// returns what it set, for the start-up log.
func TuneGC() (gcPercent int, memLimit int64) {
	gcPercent, memLimit = -2, -1 // not changed
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
		gcPercent = serveGCPercent
		tuner.percent.Store(serveGCPercent)
		tuner.on.Store(true)
		startHeadroom.Do(tuner.arm)
	} else {
		tuner.on.Store(false)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memTotal(); total > 0 {
			memLimit = int64(float64(total) * serveMemoryShare)
			debug.SetMemoryLimit(memLimit)
		}
	}
	return gcPercent, memLimit
}

// startHeadroom starts the headroom tuner once per process.
var startHeadroom sync.Once

// tuner is the process's headroom tuner.
var tuner headroomTuner

// headroomTuner sets the collector's percent after each collection (it
// runs from the finalizer of an object it drops, which runs once a
// collection has found it unreachable), while on.
type headroomTuner struct {
	on      atomic.Bool
	percent atomic.Int64 // what it last set
	sample  [1]metrics.Sample
}

func (t *headroomTuner) arm() {
	// Not 16 bytes or fewer: the tiny allocator may pack such an object
	// with others, and its finalizer then need not run.
	runtime.SetFinalizer(new([64]byte), func(*[64]byte) {
		t.adjust()
		t.arm()
	})
}

func (t *headroomTuner) adjust() {
	if !t.on.Load() {
		return
	}
	t.sample[0].Name = "/gc/heap/live:bytes"
	metrics.Read(t.sample[:])
	if t.sample[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	if p := headroomPercent(t.sample[0].Value.Uint64()); int64(p) != t.percent.Load() {
		debug.SetGCPercent(p)
		t.percent.Store(int64(p))
	}
}

// headroomPercent is the percent that lets a heap of live bytes grow by
// serveHeadroom, within [100, serveGCPercent].
func headroomPercent(live uint64) int {
	if live == 0 {
		return serveGCPercent
	}
	return int(max(100, min(serveGCPercent, serveHeadroom*100/live)))
}

// memTotal returns the machine's memory in bytes (Linux: MemTotal of
// /proc/meminfo, capped by the cgroup v2 limit), 0 when unknown.
func memTotal() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
				if err == nil {
					total = kb << 10
				}
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && (total == 0 || n < total) {
			total = n
		}
	}
	return total
}
