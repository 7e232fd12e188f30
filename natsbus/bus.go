package natsbus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// defaultOpenTimeout bounds Open when ctx has no deadline.
const defaultOpenTimeout = 10 * time.Second

// closeTimeout bounds how long Close waits for the connection to drain.
const closeTimeout = 30 * time.Second

// Bus is huitong's event bus: one NATS connection with JetStream, to an
// embedded in-process server or to an external cluster. It is safe for
// concurrent use. Close it once when done.
type Bus struct {
	cfg    Config
	prefix string
	log    *slog.Logger

	srv  *server.Server // nil when connected to an external server
	lock *dirLock       // held on StoreDir while the embedded server runs
	nc   *nats.Conn
	js   jetstream.JetStream

	closed chan struct{} // closed by the connection's ClosedHandler

	mu        sync.Mutex
	consumers map[*consumer]struct{}
	isClosed  bool

	closeOnce sync.Once
	closeErr  error
}

// Open validates cfg, starts the embedded server when cfg.URL is "" (no TCP
// listener: clients connect in-process), connects, and checks that
// JetStream answers. It returns an *Error for a bad configuration, or a
// wrapped connection error. ctx bounds the whole of Open.
func Open(ctx context.Context, cfg Config) (*Bus, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	b := &Bus{
		cfg:       cfg,
		prefix:    cfg.Prefix,
		log:       cfg.Logger.With("component", "natsbus"),
		closed:    make(chan struct{}),
		consumers: make(map[*consumer]struct{}),
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultOpenTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()

	opts := []nats.Option{
		nats.Name(cfg.Name),
		nats.Timeout(time.Until(deadline)),
		nats.MaxReconnects(-1), // a bus that gives up reconnecting is a silent outage
		nats.ClosedHandler(func(*nats.Conn) { close(b.closed) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			b.log.Info("nats reconnected", "url", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subj := ""
			if sub != nil {
				subj = sub.Subject
			}
			b.log.Error("nats async error", "subject", subj, "err", err)
		}),
	}
	url := cfg.URL
	if cfg.Embedded() {
		if err := b.startEmbedded(time.Until(deadline)); err != nil {
			return nil, err
		}
		opts = append(opts, nats.InProcessServer(b.srv))
		url = "" // ignored with InProcessServer
	}

	nc, err := nats.Connect(url, opts...)
	if err != nil {
		b.stopEmbedded()
		return nil, fmt.Errorf("natsbus: connect %s: %w", b.where(), err)
	}
	b.nc = nc
	js, err := jetstream.New(nc)
	if err == nil {
		b.js = js
		// An account without JetStream would fail later, on the first
		// durable publish; fail here instead, where the cause is clear.
		_, err = js.AccountInfo(ctx)
	}
	if err != nil {
		nc.Close()
		b.stopEmbedded()
		return nil, fmt.Errorf("natsbus: jetstream on %s: %w", b.where(), err)
	}
	return b, nil
}

func (b *Bus) where() string {
	if b.srv != nil {
		return "embedded server"
	}
	return b.cfg.URL
}

// Close stops the consumers started with Consume, drains the connection
// (pending publishes are flushed and messages already received by
// subscriptions are handled), and shuts down the embedded server, releasing
// its StoreDir. Calling Close again returns the first call's result.
func (b *Bus) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Bus) close() error {
	b.mu.Lock()
	b.isClosed = true
	cs := make([]*consumer, 0, len(b.consumers))
	for c := range b.consumers {
		cs = append(cs, c)
	}
	b.mu.Unlock()
	for _, c := range cs {
		c.stop()
	}

	var errs []error
	if err := b.nc.Drain(); err != nil {
		// Draining needs a live connection (not reconnecting); without
		// one there is nothing to flush, so close at once.
		if !errors.Is(err, nats.ErrConnectionClosed) {
			errs = append(errs, fmt.Errorf("natsbus: drain: %w", err))
		}
		b.nc.Close()
	}
	select {
	case <-b.closed:
		if err := b.nc.LastError(); err != nil && errors.Is(err, nats.ErrDrainTimeout) {
			errs = append(errs, fmt.Errorf("natsbus: drain: %w", err))
		}
	case <-time.After(closeTimeout):
		b.nc.Close()
		errs = append(errs, fmt.Errorf("natsbus: drain did not finish within %s", closeTimeout))
	}
	b.stopEmbedded()
	return errors.Join(errs...)
}

// Embedded reports whether the bus runs its own in-process server.
func (b *Bus) Embedded() bool { return b.srv != nil }

// Healthy returns nil while the connection is up (and, when embedded, the
// server is running), else an error saying what state it is in. It makes
// no network round trip, so a health endpoint may call it often.
func (b *Bus) Healthy() error {
	if b.srv != nil && !b.srv.Running() {
		return errors.New("natsbus: embedded server is not running")
	}
	if st := b.nc.Status(); st != nats.CONNECTED {
		return fmt.Errorf("natsbus: connection to %s is %s", b.where(), st)
	}
	return nil
}

// Conn returns the underlying NATS connection. Do not close it; use Close.
func (b *Bus) Conn() *nats.Conn { return b.nc }

// JetStream returns the JetStream context of the connection.
func (b *Bus) JetStream() jetstream.JetStream { return b.js }

// Publish sends data on subject with core NATS: fire and forget, delivered
// only to subscribers connected now. Use PublishDurable for anything that
// must not be lost.
func (b *Bus) Publish(subject string, data []byte) error {
	if err := b.nc.Publish(subject, data); err != nil {
		return fmt.Errorf("natsbus: publish %s: %w", subject, err)
	}
	return nil
}

// Subscribe calls fn for each core NATS message on subject (wildcards
// allowed), one message at a time, and returns a function that unsubscribes.
// fn must not keep data after it returns unless it copies it.
func (b *Bus) Subscribe(subject string, fn func(subject string, data []byte)) (func(), error) {
	if fn == nil {
		return nil, &Error{Field: "fn", Rule: RuleHandlerRequired, Message: "订阅必须提供消息处理函数"}
	}
	sub, err := b.nc.Subscribe(subject, func(m *nats.Msg) { fn(m.Subject, m.Data) })
	if err != nil {
		return nil, fmt.Errorf("natsbus: subscribe %s: %w", subject, err)
	}
	return func() { _ = sub.Unsubscribe() }, nil
}
