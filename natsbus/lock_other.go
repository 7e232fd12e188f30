//go:build !unix

package natsbus

// dirLock is a no-op where flock(2) is not available: there the caller must
// make sure only one process opens a StoreDir.
type dirLock struct{}

func lockDir(string) (*dirLock, error) { return &dirLock{}, nil }

func (*dirLock) release() {}
