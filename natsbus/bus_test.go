package natsbus_test

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"huitong/natsbus"
)

type message struct {
	subject string
	data    string
}

func TestPublishSubscribe(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		if got, want := b.Embedded(), strings.HasSuffix(t.Name(), "/embedded"); got != want {
			t.Errorf("Embedded: got %v, want %v", got, want)
		}
		if err := b.Healthy(); err != nil {
			t.Fatalf("Healthy: got %v, want nil", err)
		}
		got := make(chan message, 10)
		unsub, err := b.Subscribe(b.SubjectAll("exchange"), func(s string, d []byte) {
			got <- message{s, string(d)}
		})
		if err != nil {
			t.Fatal(err)
		}
		barrier := make(chan message, 10)
		if _, err := b.Subscribe(b.SubjectAll("exchange"), func(s string, d []byte) {
			barrier <- message{s, string(d)}
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.Conn().Flush(); err != nil {
			t.Fatal(err)
		}

		want := []message{
			{b.Subject("exchange", "request", "A.1"), "一"},
			{b.Subject("exchange", "reply"), "two"},
			{b.Subject("exchange", "request", "3"), ""},
		}
		for _, m := range want {
			if err := b.Publish(m.subject, []byte(m.data)); err != nil {
				t.Fatal(err)
			}
		}
		for i, w := range want {
			if g := recv(t, got, "message "+strconv.Itoa(i)); g != w {
				t.Errorf("message %d: got %+v, want %+v", i, g, w)
			}
			recv(t, barrier, "barrier message")
		}

		// After unsubscribing, the first handler sees nothing more; the
		// second subscription tells when the message has been delivered.
		unsub()
		if err := b.Publish(b.Subject("exchange", "late"), []byte("late")); err != nil {
			t.Fatal(err)
		}
		recv(t, barrier, "barrier message after unsubscribe")
		select {
		case g := <-got:
			t.Errorf("after unsubscribe: got %+v, want nothing", g)
		default:
		}
	})
}

func TestPublishDurableDeduplicates(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		ctx := testCtx(t)
		if err := b.EnsureStream(ctx, "audit", []string{b.SubjectAll("audit")}, time.Hour); err != nil {
			t.Fatal(err)
		}
		subj := b.Subject("audit", "grant")
		steps := []struct {
			name    string
			data    string
			msgID   string
			wantSeq uint64
			wantDup bool
		}{
			{"First", "first", "grant-1", 1, false},
			{"SameID", "resent", "grant-1", 1, true},
			{"OtherID", "second", "grant-2", 2, false},
			{"NoID", "third", "", 3, false},
			{"NoIDAgain", "third", "", 4, false},
		}
		for _, s := range steps {
			ack, err := b.PublishDurableAck(ctx, subj, []byte(s.data), s.msgID)
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			if ack.Sequence != s.wantSeq || ack.Duplicate != s.wantDup {
				t.Errorf("%s: got seq %d dup %v, want seq %d dup %v", s.name, ack.Sequence, ack.Duplicate, s.wantSeq, s.wantDup)
			}
			if ack.Stream != b.StreamName("audit") {
				t.Errorf("%s: got stream %q, want %q", s.name, ack.Stream, b.StreamName("audit"))
			}
		}
		seq, err := b.PublishDurable(ctx, subj, []byte("resent again"), "grant-2")
		if err != nil || seq != 2 {
			t.Errorf("PublishDurable duplicate: got %d, %v, want 2, nil", seq, err)
		}

		st, err := b.JetStream().Stream(ctx, b.StreamName("audit"))
		if err != nil {
			t.Fatal(err)
		}
		info, err := st.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.State.Msgs != 4 {
			t.Errorf("stored messages: got %d, want 4", info.State.Msgs)
		}
		if info.Config.Storage != jetstream.FileStorage {
			t.Errorf("storage: got %v, want file", info.Config.Storage)
		}
		m, err := st.GetMsg(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if string(m.Data) != "first" {
			t.Errorf("message 1: got %q, want %q (the duplicate must not replace it)", m.Data, "first")
		}
	})
}

func TestPublishDurableWithoutStream(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		_, err := b.PublishDurable(testCtx(t), b.Subject("nostream"), []byte("x"), "")
		if !errors.Is(err, jetstream.ErrNoStreamResponse) {
			t.Errorf("got %v, want %v", err, jetstream.ErrNoStreamResponse)
		}
	})
}

func TestEnsureStreamUpdates(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		ctx := testCtx(t)
		if err := b.EnsureStream(ctx, "cases", []string{b.Subject("case", "opened")}, 0); err != nil {
			t.Fatal(err)
		}
		want := []string{b.Subject("case", "opened"), b.Subject("case", "closed")}
		if err := b.EnsureStream(ctx, "cases", want, time.Minute); err != nil {
			t.Fatalf("update: %v", err)
		}
		st, err := b.JetStream().Stream(ctx, b.StreamName("cases"))
		if err != nil {
			t.Fatal(err)
		}
		cfg := st.CachedInfo().Config
		if fmt.Sprint(cfg.Subjects) != fmt.Sprint(want) {
			t.Errorf("subjects: got %v, want %v", cfg.Subjects, want)
		}
		if cfg.MaxAge != time.Minute || cfg.Duplicates != time.Minute {
			t.Errorf("max age, duplicates: got %v, %v, want 1m0s, 1m0s", cfg.MaxAge, cfg.Duplicates)
		}
		if _, err := b.PublishDurable(ctx, b.Subject("case", "closed"), []byte("x"), ""); err != nil {
			t.Errorf("publish on added subject: got %v, want nil", err)
		}
	})
}

// consumeInto starts a consumer that double-acks each message (so the ack is
// known to be stored before the test goes on) and sends its data to a channel.
func consumeInto(t *testing.T, b *natsbus.Bus, durable string) (<-chan string, func()) {
	t.Helper()
	ch := make(chan string, 100)
	stop, err := b.Consume(testCtx(t), "work", durable, b.SubjectAll("work"), func(m jetstream.Msg) {
		if err := m.DoubleAck(testCtx(t)); err != nil {
			t.Errorf("ack: %v", err)
			return
		}
		ch <- string(m.Data())
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return ch, stop
}

func TestConsumeCatchesUp(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		ctx := testCtx(t)
		if err := b.EnsureStream(ctx, "work", []string{b.SubjectAll("work")}, 0); err != nil {
			t.Fatal(err)
		}
		publish := func(from, to int) {
			for i := from; i <= to; i++ {
				if _, err := b.PublishDurable(ctx, b.Subject("work", "job"), []byte(strconv.Itoa(i)), ""); err != nil {
					t.Fatal(err)
				}
			}
		}
		publish(1, 3) // before the consumer exists: DeliverAll still delivers them
		ch, stop := consumeInto(t, b, "worker")
		for i := 1; i <= 3; i++ {
			if got, want := recv(t, ch, "first run"), strconv.Itoa(i); got != want {
				t.Errorf("first run: got %s, want %s", got, want)
			}
		}
		stop()
		stop() // a second stop is harmless

		publish(4, 6) // while the consumer is away
		ch, _ = consumeInto(t, b, "worker")
		for i := 4; i <= 6; i++ {
			if got, want := recv(t, ch, "catch-up"), strconv.Itoa(i); got != want {
				t.Errorf("catch-up: got %s, want %s", got, want)
			}
		}
		cons, err := b.JetStream().Consumer(ctx, b.StreamName("work"), "worker")
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumPending != 0 || info.NumAckPending != 0 || info.AckFloor.Stream != 6 {
			t.Errorf("consumer state: got pending %d, ack pending %d, ack floor %d, want 0, 0, 6",
				info.NumPending, info.NumAckPending, info.AckFloor.Stream)
		}
		select {
		case g := <-ch:
			t.Errorf("after catch-up: got %q, want no redelivery of acked messages", g)
		case <-time.After(100 * time.Millisecond):
		}
	})
}

func TestConsumeRedeliversUnacked(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		ctx := testCtx(t)
		if err := b.EnsureStream(ctx, "work", []string{b.SubjectAll("work")}, 0); err != nil {
			t.Fatal(err)
		}
		type delivery struct {
			data string
			n    uint64
		}
		ch := make(chan delivery, 10)
		_, err := b.Consume(ctx, "work", "flaky", "", func(m jetstream.Msg) {
			md, err := m.Metadata()
			if err != nil {
				t.Errorf("metadata: %v", err)
				return
			}
			ch <- delivery{string(m.Data()), md.NumDelivered}
			if md.NumDelivered == 1 {
				_ = m.Nak() // the work failed: deliver it again
				return
			}
			_ = m.Ack()
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.PublishDurable(ctx, b.Subject("work", "job"), []byte("x"), ""); err != nil {
			t.Fatal(err)
		}
		for _, want := range []delivery{{"x", 1}, {"x", 2}} {
			if got := recv(t, ch, "delivery"); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		}
	})
}

func TestConsumeRefusesBadArguments(t *testing.T) {
	b := openBus(t, natsbus.Config{StoreDir: t.TempDir()})
	fn := func(jetstream.Msg) {}
	tests := []struct {
		name     string
		durable  string
		filter   string
		fn       func(jetstream.Msg)
		wantRule string
	}{
		{"ErrNoHandler", "w", "", nil, natsbus.RuleHandlerRequired},
		{"ErrDurableDot", "w.1", "", fn, natsbus.RuleNameCharset},
		{"ErrBadFilter", "w", "huitong..x", fn, natsbus.RuleSubjectInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := b.Consume(testCtx(t), "work", tt.durable, tt.filter, tt.fn)
			var e *natsbus.Error
			if !errors.As(err, &e) || e.Rule != tt.wantRule {
				t.Errorf("got %v, want rule %s", err, tt.wantRule)
			}
		})
	}
}

func TestClose(t *testing.T) {
	eachBackend(t, func(t *testing.T, open opener) {
		b := open(t)
		ctx := testCtx(t)
		// A slow subscriber with messages still queued: Close drains, so
		// every message already published is handled before it returns.
		var handled atomic.Int32
		if _, err := b.Subscribe(b.Subject("slow"), func(string, []byte) {
			time.Sleep(5 * time.Millisecond)
			handled.Add(1)
		}); err != nil {
			t.Fatal(err)
		}
		if err := b.EnsureStream(ctx, "work", []string{b.SubjectAll("work")}, 0); err != nil {
			t.Fatal(err)
		}
		stopConsumer, err := b.Consume(ctx, "work", "w", "", func(m jetstream.Msg) { _ = m.Ack() })
		if err != nil {
			t.Fatal(err)
		}
		const n = 50
		for i := 0; i < n; i++ {
			if err := b.Publish(b.Subject("slow"), []byte("x")); err != nil {
				t.Fatal(err)
			}
		}

		if err := b.Close(); err != nil {
			t.Fatalf("Close: got %v, want nil", err)
		}
		if got := handled.Load(); got != n {
			t.Errorf("messages handled by Close: got %d, want %d", got, n)
		}
		if err := b.Healthy(); err == nil {
			t.Errorf("Healthy after Close: got nil, want an error")
		}
		if err := b.Publish(b.Subject("slow"), []byte("x")); err == nil {
			t.Errorf("Publish after Close: got nil, want an error")
		}
		if _, err := b.Consume(ctx, "work", "w", "", func(jetstream.Msg) {}); err == nil {
			t.Errorf("Consume after Close: got nil, want an error")
		}
		if err := b.Close(); err != nil {
			t.Errorf("second Close: got %v, want nil", err)
		}
		stopConsumer() // already stopped by Close: must not block or panic
	})
}

func TestEmbeddedStoreSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	b, err := natsbus.Open(ctx, natsbus.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.EnsureStream(ctx, "work", []string{b.SubjectAll("work")}, 0); err != nil {
		t.Fatal(err)
	}
	publish := func(i int) {
		t.Helper()
		if _, err := b.PublishDurable(ctx, b.Subject("work", "job"), []byte("job "+strconv.Itoa(i)), "job-"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
	publish(1)
	ch, stop := consumeInto(t, b, "worker")
	if got := recv(t, ch, "job 1"); got != "job 1" {
		t.Fatalf("got %q, want %q", got, "job 1")
	}
	stop() // the durable consumer's position must survive the restart too
	publish(2)
	publish(3)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	b = openBus(t, natsbus.Config{StoreDir: dir})
	st, err := b.JetStream().Stream(ctx, b.StreamName("work"))
	if err != nil {
		t.Fatalf("stream after reopen: %v", err)
	}
	if got := st.CachedInfo().State.Msgs; got != 3 {
		t.Errorf("messages after reopen: got %d, want 3", got)
	}
	m, err := st.GetMsg(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, []byte("job 3")) {
		t.Errorf("message 3: got %q, want %q", m.Data, "job 3")
	}
	// The de-duplication window survives as well.
	ack, err := b.PublishDurableAck(ctx, b.Subject("work", "job"), []byte("job 2 again"), "job-2")
	if err != nil || !ack.Duplicate || ack.Sequence != 2 {
		t.Errorf("republish job-2 after reopen: got %+v, %v, want duplicate of seq 2", ack, err)
	}
	ch, _ = consumeInto(t, b, "worker")
	for _, want := range []string{"job 2", "job 3"} {
		if got := recv(t, ch, want); got != want {
			t.Errorf("consumer after reopen: got %q, want %q", got, want)
		}
	}
}

func TestEmbeddedStoreDirLocked(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	first, err := natsbus.Open(ctx, natsbus.Config{StoreDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = natsbus.Open(ctx, natsbus.Config{StoreDir: dir})
	var e *natsbus.Error
	if !errors.As(err, &e) || e.Rule != natsbus.RuleStoreDirLocked {
		t.Errorf("second Open of one StoreDir: got %v, want rule %s", err, natsbus.RuleStoreDirLocked)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	openBus(t, natsbus.Config{StoreDir: dir}) // released by Close
}

// BenchmarkOpenEmbedded measures Open plus Close of the embedded server on
// an empty store directory.
func BenchmarkOpenEmbedded(b *testing.B) {
	ctx := b.Context()
	for b.Loop() {
		bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := bus.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}

// BenchmarkReopenEmbedded measures Open of the embedded server on a store
// holding one stream of 10,000 messages of 1 KiB.
func BenchmarkReopenEmbedded(b *testing.B) {
	ctx := b.Context()
	dir := b.TempDir()
	bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	if err := bus.EnsureStream(ctx, "work", []string{bus.SubjectAll("work")}, 0); err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 1024)
	for i := 0; i < 10000; i++ {
		if _, err := bus.JetStream().PublishAsync(bus.Subject("work", "job"), data); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-bus.JetStream().PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("async publishes not acknowledged")
	}
	if err := bus.Close(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		bus, err := natsbus.Open(ctx, natsbus.Config{StoreDir: dir})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := bus.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
}
