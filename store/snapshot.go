package store

import (
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"
)

// Snapshot reuse for the readers of certificate verification.
//
// Every SQLite read outside a transaction begins and ends a read
// transaction of its own: locks on the write-ahead log's index taken and
// released with fcntl, the index header checked, the file's size checked
// for the mapping. Profiled in huitong bench cert on the 2-core virtual
// machine, that came to some 12 µs of a 20 µs point read, a fifth of an
// SM2 verification. A reader of a snapshot pool keeps its read transaction
// open from one query to the next as long as nothing was committed in
// between, and so answers from exactly the state a fresh transaction would
// see:
//
//   - Every commit in WAL mode rewrites the header of the log's index (the
//     first 48 bytes of the -shm file): its change counter, the last frame
//     and their checksum. A commit becomes visible to new readers only
//     once that header is written. walWatch maps the header read-only and
//     compares it, word by word, with the copy taken just before the
//     reader's transaction began: equal means nothing was committed since
//     by any connection of any process, so the open snapshot is the
//     current state. Any difference (a commit, a checkpoint that restarted
//     the log, a torn read of a header being written) ends the snapshot
//     and the query runs in a new one.
//   - A snapshot older than snapshotMaxAge is renewed even when the header
//     is unchanged, and the pool ends the snapshots of readers idle for
//     longer than that (snapshotJanitor): an open read transaction keeps
//     the log from being checkpointed past it and restarted, and an idle
//     one must not make the log grow.
//   - When the header cannot be read (no -shm file yet, a file shorter
//     than the header, a fault), reads run in transactions of their own as
//     before.

// snapshotMaxAge is how long a reader may keep one read transaction.
const snapshotMaxAge = 50 * time.Millisecond

// walHeaderSize is the size of the first copy of the WAL index header.
const walHeaderSize = 48

// walVersion is the WAL index header as six words.
type walVersion [walHeaderSize / 8]uint64

// walWatch maps the WAL index header of one database file.
type walWatch struct {
	path   string // the database file; the index is path + "-shm"
	cur    atomic.Pointer[shmMap]
	broken atomic.Bool // a read faulted, or closed: never trust a mapping again
	mu     sync.Mutex
	tried  time.Time // the last failed attempt to map
	old    []*shmMap // mappings replaced, unmapped at close (a read may be using one)
}

// shmMap is one mapping of the header, of the file with inode ino.
type shmMap struct {
	mem []byte
	ino uint64
}

func newWALWatch(path string) *walWatch { return &walWatch{path: path} }

// version returns the header's current words; ok is false when there is
// no header to read, and a snapshot must not be reused.
func (w *walWatch) version() (v walVersion, ok bool) {
	if w.broken.Load() {
		return v, false
	}
	m := w.mapping()
	if m == nil {
		return v, false
	}
	// The file is not truncated while connections have it open, and the
	// pool's readers do; should it be anyway, the read faults instead of
	// killing the process.
	old := debug.SetPanicOnFault(true)
	defer func() {
		debug.SetPanicOnFault(old)
		if recover() != nil {
			w.broken.Store(true)
			v, ok = walVersion{}, false
		}
	}()
	p := unsafe.Pointer(unsafe.SliceData(m.mem))
	for i := range v {
		v[i] = atomic.LoadUint64((*uint64)(unsafe.Add(p, i*8)))
	}
	// isInit, byte 12 of the header: 0 while the index is being rebuilt.
	if m.mem[12] == 0 {
		return v, false
	}
	return v, true
}

// mapping returns the mapped header, mapping it first if need be; nil when
// it cannot be mapped (tried again at most once a second).
func (w *walWatch) mapping() *shmMap {
	if m := w.cur.Load(); m != nil {
		return m
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if m := w.cur.Load(); m != nil || time.Since(w.tried) < time.Second || w.broken.Load() {
		return m
	}
	w.tried = time.Now()
	f, err := os.Open(w.path + "-shm")
	if err != nil {
		return nil
	}
	defer f.Close() // the mapping outlives the descriptor
	st, err := f.Stat()
	if err != nil || st.Size() < 2*walHeaderSize {
		return nil
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	mem, err := syscall.Mmap(int(f.Fd()), 0, walHeaderSize, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil
	}
	m := &shmMap{mem: mem, ino: sys.Ino}
	w.cur.Store(m)
	return m
}

// recheck makes sure the mapping is of the index file now at the path, as
// a snapshot begins. SQLite deletes the file when the last connection to
// the database closes and makes a new one for the next: a mapping of the
// old one would never change again. The pool's open readers keep the file
// in place, so this is a guard for the gaps, at the cost of a stat call
// per snapshot begun, not per read; should it ever miss, a snapshot still
// ends after snapshotMaxAge.
func (w *walWatch) recheck() {
	m := w.cur.Load()
	if m == nil {
		return
	}
	var st syscall.Stat_t
	if err := syscall.Stat(w.path+"-shm", &st); err == nil && st.Ino == m.ino {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.cur.CompareAndSwap(m, nil) {
		w.old = append(w.old, m)
		w.tried = time.Time{}
	}
}

// close unmaps the header.
func (w *walWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.broken.Store(true)
	if m := w.cur.Swap(nil); m != nil {
		w.old = append(w.old, m)
	}
	for _, m := range w.old {
		syscall.Munmap(m.mem)
	}
	w.old = nil
}

// snapshot is a reader's open read transaction.
type snapshot struct {
	open  bool
	ver   walVersion
	begun time.Time
	used  time.Time // the end of the last query run in it
}

// fresh makes sure r's next query sees the current state: it keeps the
// open snapshot if nothing was committed since it began, and otherwise
// ends it and begins another (which SQLite takes at the query's first
// step, after the header was read).
func (r *libReader) fresh(p *libPool) error {
	v, ok := p.watch.version()
	now := time.Now()
	if r.snap.open {
		if ok && v == r.snap.ver && now.Sub(r.snap.begun) < snapshotMaxAge {
			return nil
		}
		if err := r.endSnapshot(); err != nil {
			return err
		}
	}
	if !ok {
		return nil
	}
	p.watch.recheck()
	if v, ok = p.watch.version(); !ok {
		return nil
	}
	if err := r.exec(`BEGIN`); err != nil {
		return err
	}
	r.snap = snapshot{open: true, ver: v, begun: now}
	p.begun.Add(1)
	return nil
}

// endSnapshot ends the reader's read transaction, if one is open.
func (r *libReader) endSnapshot() error {
	if !r.snap.open {
		return nil
	}
	r.snap.open = false
	return r.exec(`COMMIT`)
}

// snapshotJanitor ends the snapshots of the pool's idle readers once they
// have been idle for snapshotMaxAge, and runs again while any is open.
func (p *libPool) snapshotJanitor() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.janitor = nil
	if p.closed {
		return
	}
	kept := p.idle[:0]
	waiting := false
	for _, r := range p.idle {
		if r.snap.open && time.Since(r.snap.used) >= snapshotMaxAge {
			if err := r.endSnapshot(); err != nil {
				r.close()
				continue
			}
		}
		waiting = waiting || r.snap.open
		kept = append(kept, r)
	}
	clear(p.idle[len(kept):])
	p.idle = kept
	if waiting {
		p.janitor = time.AfterFunc(snapshotMaxAge, p.snapshotJanitor)
	}
}
