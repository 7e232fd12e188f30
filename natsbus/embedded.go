package natsbus

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// embeddedServerName names the in-process server in logs and stream info.
const embeddedServerName = "huitong-embedded"

// startEmbedded locks StoreDir, starts an in-process NATS server with
// JetStream storing under StoreDir and no network listener, and waits up to
// wait for it to accept in-process connections.
func (b *Bus) startEmbedded(wait time.Duration) error {
	dir, err := filepath.Abs(b.cfg.StoreDir)
	if err != nil {
		return fmt.Errorf("natsbus: store dir %q: %w", b.cfg.StoreDir, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("natsbus: create store dir: %w", err)
	}
	// NB: the NATS file store has no lock of its own; two servers writing
	// one StoreDir corrupt it. The lock makes a second Open fail instead.
	lock, err := lockDir(dir)
	if err != nil {
		return err
	}
	opts := &server.Options{
		ServerName: embeddedServerName,
		DontListen: true, // in-process clients only: nothing to firewall
		JetStream:  true,
		StoreDir:   dir,
		NoSigs:     true, // signals belong to huitong's main, not to the bus
		NoLog:      true, // logs go through Config.Logger, set below
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		lock.release()
		return fmt.Errorf("natsbus: embedded server: %w", err)
	}
	srv.SetLoggerV2(serverLogger{b.log.With("server", embeddedServerName)}, false, false, false)
	srv.Start()
	if !srv.ReadyForConnections(wait) {
		srv.Shutdown()
		srv.WaitForShutdown()
		lock.release()
		return fmt.Errorf("natsbus: embedded server not ready within %s", wait)
	}
	b.srv, b.lock = srv, lock
	return nil
}

// stopEmbedded shuts the embedded server down, waits for it to flush its
// store, and releases the StoreDir lock. It does nothing for an external server.
func (b *Bus) stopEmbedded() {
	if b.srv == nil {
		return
	}
	b.srv.Shutdown()
	b.srv.WaitForShutdown()
	b.lock.release()
}

// serverLogger passes the embedded server's log lines to slog. Notices
// (the start-up banner, one line per feature) go to Debug so a normal start
// is quiet; warnings and errors are kept.
type serverLogger struct{ l *slog.Logger }

func (s serverLogger) Noticef(format string, v ...any) { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Warnf(format string, v ...any)   { s.l.Warn(fmt.Sprintf(format, v...)) }
func (s serverLogger) Fatalf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Errorf(format string, v ...any)  { s.l.Error(fmt.Sprintf(format, v...)) }
func (s serverLogger) Debugf(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }
func (s serverLogger) Tracef(format string, v ...any)  { s.l.Debug(fmt.Sprintf(format, v...)) }
