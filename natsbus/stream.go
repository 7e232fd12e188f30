package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// defaultDuplicateWindow is how long JetStream remembers a Nats-Msg-Id.
const defaultDuplicateWindow = 2 * time.Minute

// EnsureStream creates the file-backed stream StreamName(name) capturing
// subjects, or updates it to these subjects and maxAge if it exists.
// maxAge 0 keeps messages until deleted. Every subject must lie under the
// bus prefix (Prefix.…), so deployments sharing a cluster never capture each
// other's messages. It returns an *Error for a bad argument.
func (b *Bus) EnsureStream(ctx context.Context, name string, subjects []string, maxAge time.Duration) error {
	if !validToken(name) {
		return &Error{Field: "name", Rule: RuleNameCharset,
			Message: "流名称只能由字母、数字、'_' 或 '-' 组成，实际为 " + quote(name)}
	}
	if len(subjects) == 0 {
		return &Error{Field: "subjects", Rule: RuleSubjectsRequired, Message: "流 " + name + " 至少要捕获一个主题"}
	}
	for i, s := range subjects {
		if !validSubject(s) {
			return &Error{Field: "subjects[" + itoa(i) + "]", Rule: RuleSubjectInvalid,
				Message: "主题格式不正确：" + quote(s)}
		}
		if !strings.HasPrefix(s, b.prefix+".") {
			return &Error{Field: "subjects[" + itoa(i) + "]", Rule: RuleSubjectPrefix,
				Message: "主题 " + quote(s) + " 不在前缀 " + b.prefix + ". 之下（请用 Bus.Subject 生成）"}
		}
	}
	if maxAge < 0 {
		return &Error{Field: "maxAge", Rule: RuleMaxAgeNegative, Message: "保留时长不能为负数，0 表示不限"}
	}
	dup := defaultDuplicateWindow
	if maxAge > 0 && maxAge < dup {
		dup = maxAge // JetStream refuses a duplicate window longer than MaxAge
	}
	cfg := jetstream.StreamConfig{
		Name:       b.StreamName(name),
		Subjects:   subjects,
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		MaxAge:     maxAge,
		Duplicates: dup,
		Replicas:   b.cfg.Replicas,
	}
	if _, err := b.js.CreateOrUpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("natsbus: ensure stream %s: %w", cfg.Name, err)
	}
	return nil
}

// PublishDurable publishes data on subject through JetStream and waits for
// the stream's acknowledgement, returning the message's stream sequence.
// A non-empty msgID is sent as Nats-Msg-Id: a second publish with the same
// id within the stream's duplicate window (2 minutes, or MaxAge if shorter)
// is not stored again, and the original's sequence is returned. It fails if
// no stream captures subject.
func (b *Bus) PublishDurable(ctx context.Context, subject string, data []byte, msgID string) (uint64, error) {
	ack, err := b.PublishDurableAck(ctx, subject, data, msgID)
	if err != nil {
		return 0, err
	}
	return ack.Sequence, nil
}

// PublishDurableAck is PublishDurable returning the whole acknowledgement,
// whose Duplicate field tells whether msgID had been seen already.
func (b *Bus) PublishDurableAck(ctx context.Context, subject string, data []byte, msgID string) (*jetstream.PubAck, error) {
	var opts []jetstream.PublishOpt
	if msgID != "" {
		opts = append(opts, jetstream.WithMsgID(msgID))
	}
	ack, err := b.js.Publish(ctx, subject, data, opts...)
	if err != nil {
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			return nil, fmt.Errorf("natsbus: publish durable %s: no stream captures this subject (EnsureStream first): %w", subject, err)
		}
		return nil, fmt.Errorf("natsbus: publish durable %s: %w", subject, err)
	}
	return ack, nil
}
