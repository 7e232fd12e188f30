package store

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWALWatch runs the header watch on a file of its own: a change of the
// header shows, an index not yet initialised is not trusted, and a file
// replaced at the path (as SQLite deletes and makes it anew) is mapped
// afresh by recheck instead of watched as it was.
func TestWALWatch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	write := func(name string, change byte, isInit byte) {
		t.Helper()
		b := make([]byte, 32768)
		b[8], b[12] = change, isInit
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := newWALWatch(path)
	defer w.close()
	if _, ok := w.version(); ok {
		t.Fatal("no index file: got a version")
	}
	write(path+"-shm", 1, 1)
	w.tried = w.tried.AddDate(0, 0, -1) // no wait for the retry
	v1, ok := w.version()
	if !ok {
		t.Fatal("index file: no version")
	}
	f, err := os.OpenFile(path+"-shm", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{2}, 8) // a commit's change counter
	v2, ok := w.version()
	if !ok || v2 == v1 {
		t.Fatalf("after a change: %v %v, want a new version", v2, ok)
	}
	f.WriteAt([]byte{0}, 12)
	if _, ok := w.version(); ok {
		t.Fatal("index being rebuilt (isInit 0): got a version")
	}
	f.WriteAt([]byte{1}, 12)
	f.Close()

	write(path+"-shm.new", 7, 1)
	if err := os.Rename(path+"-shm.new", path+"-shm"); err != nil {
		t.Fatal(err)
	}
	if v, _ := w.version(); v != v2 {
		t.Fatal("the old mapping should still read the old file before recheck")
	}
	w.recheck()
	v3, ok := w.version()
	if !ok || v3 == v2 || byte(v3[1]) != 7 {
		t.Fatalf("after recheck: %v %v, want the new file's header", v3, ok)
	}
}
