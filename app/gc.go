package app

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
const (
	serveGCPercent = 400
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
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		if total := memTotal(); total > 0 {
			memLimit = int64(float64(total) * serveMemoryShare)
			debug.SetMemoryLimit(memLimit)
		}
	}
	return gcPercent, memLimit
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
