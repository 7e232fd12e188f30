package natsbus

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestCloseShutsDownEmbeddedServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := Open(ctx, Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if !b.srv.Running() || !b.srv.JetStreamEnabled() {
		t.Fatalf("before Close: got running %v, jetstream %v, want true, true", b.srv.Running(), b.srv.JetStreamEnabled())
	}
	if got := b.srv.NumClients(); got != 1 {
		t.Errorf("clients before Close: got %d, want 1", got)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if b.srv.Running() {
		t.Errorf("server running after Close: got true, want false")
	}
	if !b.nc.IsClosed() {
		t.Errorf("connection closed after Close: got false, want true")
	}
}

func TestConsumeStopsWhenContextCancelled(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := Open(ctx, Config{StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.EnsureStream(ctx, "work", []string{b.SubjectAll("work")}, 0); err != nil {
		t.Fatal(err)
	}
	cctx, ccancel := context.WithCancel(ctx)
	if _, err := b.Consume(cctx, "work", "w", "", func(jetstream.Msg) {}); err != nil {
		t.Fatal(err)
	}
	count := func() int {
		b.mu.Lock()
		defer b.mu.Unlock()
		return len(b.consumers)
	}
	if got := count(); got != 1 {
		t.Fatalf("running consumers: got %d, want 1", got)
	}
	ccancel()
	deadline := time.Now().Add(5 * time.Second)
	for count() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := count(); got != 0 {
		t.Errorf("running consumers after cancel: got %d, want 0", got)
	}
}
