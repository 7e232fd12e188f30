//go:build unix

package natsbus

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// dirLock is an exclusive flock(2) on StoreDir/huitong-natsbus.lock. flock
// locks belong to the open file, so a second Open in the same process is
// refused as well as one in another process, and the kernel drops the lock
// if the process dies.
type dirLock struct{ f *os.File }

func lockDir(dir string) (*dirLock, error) {
	f, err := os.OpenFile(filepath.Join(dir, "huitong-natsbus.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("natsbus: open store dir lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &Error{Field: "StoreDir", Rule: RuleStoreDirLocked,
				Message: "存储目录 " + dir + " 已被另一个内嵌 NATS 服务器使用，不能同时打开"}
		}
		return nil, fmt.Errorf("natsbus: lock store dir: %w", err)
	}
	return &dirLock{f: f}, nil
}

func (l *dirLock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	_ = l.f.Close()
	l.f = nil
}
