package natsbus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// consumerStopTimeout bounds how long a stop waits for the handler to work
// through the messages already received.
const consumerStopTimeout = 30 * time.Second

// consumeBatch is how many messages a consumer pulls ahead of its handler.
// Small, because stop handles what was pulled before it returns.
const consumeBatch = 64

// consumer is one running Consume, tracked so Close can stop it.
type consumer struct {
	b    *Bus
	cc   jetstream.ConsumeContext
	once sync.Once
	done chan struct{}
}

// Consume starts delivering the messages of stream (the name given to
// EnsureStream) to fn through the durable pull consumer durable, creating it
// if needed with explicit ack and delivery from the first message. filter
// narrows it to one subject pattern ("" = all the stream's subjects).
//
// Delivery is at least once: fn must call msg.Ack() after the work is done
// (or msg.Nak() to have it redelivered, msg.Term() to drop it); a message
// not acked within 30 s is delivered again, also after a crash or restart.
// Because the consumer is durable, messages published while no one
// consumes wait in the stream and are delivered when Consume runs again.
// fn is called for one message at a time.
//
// The returned stop ends delivery: it stops pulling, lets fn handle the
// messages already pulled (at most 64) and returns when fn is done, or after
// 30 s, leaving the rest to redelivery. It is also called when ctx is
// cancelled and by Close. Calling it again is harmless.
func (b *Bus) Consume(ctx context.Context, stream, durable, filter string, fn func(msg jetstream.Msg)) (stop func(), err error) {
	if fn == nil {
		return nil, &Error{Field: "fn", Rule: RuleHandlerRequired, Message: "消费者必须提供消息处理函数"}
	}
	if !validToken(durable) {
		return nil, &Error{Field: "durable", Rule: RuleNameCharset,
			Message: "持久消费者名称只能由字母、数字、'_' 或 '-' 组成，实际为 " + quote(durable)}
	}
	if filter != "" && !validSubject(filter) {
		return nil, &Error{Field: "filter", Rule: RuleSubjectInvalid, Message: "过滤主题格式不正确：" + quote(filter)}
	}
	name := b.StreamName(stream)
	cons, err := b.js.CreateOrUpdateConsumer(ctx, name, jetstream.ConsumerConfig{
		Durable:       durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		FilterSubject: filter,
		AckWait:       30 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("natsbus: consumer %s on stream %s: %w", durable, name, err)
	}

	log := b.log.With("stream", name, "durable", durable)
	cc, err := cons.Consume(fn, jetstream.PullMaxMessages(consumeBatch), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		log.Warn("consume", "err", err)
	}))
	if err != nil {
		return nil, fmt.Errorf("natsbus: consume %s on stream %s: %w", durable, name, err)
	}
	c := &consumer{b: b, cc: cc, done: make(chan struct{})}
	b.mu.Lock()
	if b.isClosed {
		b.mu.Unlock()
		cc.Stop()
		return nil, fmt.Errorf("natsbus: consume %s on stream %s: bus is closed", durable, name)
	}
	b.consumers[c] = struct{}{}
	b.mu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
			c.stop()
		case <-c.done:
		}
	}()
	return c.stop, nil
}

// stop ends delivery, lets the handler finish the messages already pulled
// (Stop would drop them, and they would wait out the ack wait before being
// redelivered) and forgets c.
func (c *consumer) stop() {
	c.once.Do(func() {
		c.cc.Drain()
		select {
		case <-c.cc.Closed():
		case <-time.After(consumerStopTimeout):
			c.b.log.Warn("consumer did not stop in time", "timeout", consumerStopTimeout)
		}
		close(c.done)
		c.b.forget(c)
	})
}

func (b *Bus) forget(c *consumer) {
	b.mu.Lock()
	delete(b.consumers, c)
	b.mu.Unlock()
}
