package natsbus_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"huitong/natsbus"
)

// externalEnv names the environment variable holding the URL of an external
// NATS JetStream server to run the suite against as well.
const externalEnv = "HUITONG_TEST_NATS"

// opener opens a fresh bus for the running test and closes it (and, on an
// external server, deletes its streams) when the test ends.
type opener func(t *testing.T) *natsbus.Bus

// eachBackend runs fn against the embedded server and, when
// HUITONG_TEST_NATS holds a URL, against that external server with a
// prefix unique to this run.
func eachBackend(t *testing.T, fn func(t *testing.T, open opener)) {
	t.Helper()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		fn(t, func(t *testing.T) *natsbus.Bus {
			return openBus(t, natsbus.Config{StoreDir: t.TempDir(), Name: t.Name()})
		})
	})
	t.Run("external", func(t *testing.T) {
		url := os.Getenv(externalEnv)
		if url == "" {
			t.Skipf("%s not set: no external NATS server to test against", externalEnv)
		}
		t.Parallel()
		fn(t, func(t *testing.T) *natsbus.Bus {
			prefix := uniquePrefix(t)
			t.Cleanup(func() { deleteStreams(t, url, prefix) })
			return openBus(t, natsbus.Config{URL: url, Prefix: prefix, Name: t.Name()})
		})
	})
}

func openBus(t *testing.T, cfg natsbus.Config) *natsbus.Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b, err := natsbus.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open(%+v): %v", cfg, err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return b
}

// uniquePrefix returns a prefix no other run shares, so parallel runs on
// one server never see each other's subjects or streams.
func uniquePrefix(t *testing.T) string {
	t.Helper()
	var r [6]byte
	if _, err := rand.Read(r[:]); err != nil {
		t.Fatal(err)
	}
	return "test-" + hex.EncodeToString(r[:])
}

// deleteStreams removes every stream whose name starts with prefix + "_",
// over its own connection so it works after the test closed its bus.
func deleteStreams(t *testing.T, url, prefix string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	nc, err := nats.Connect(url, nats.Name("natsbus test cleanup"))
	if err != nil {
		t.Errorf("cleanup: connect %s: %v", url, err)
		return
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Errorf("cleanup: %v", err)
		return
	}
	var names []string
	lister := js.StreamNames(ctx)
	for n := range lister.Name() {
		if strings.HasPrefix(n, prefix+"_") {
			names = append(names, n)
		}
	}
	if err := lister.Err(); err != nil {
		t.Errorf("cleanup: list streams: %v", err)
	}
	for _, n := range names {
		if err := js.DeleteStream(ctx, n); err != nil {
			t.Errorf("cleanup: delete stream %s: %v", n, err)
		}
	}
}

// recv waits for the next value on ch or fails the test after timeout.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}
