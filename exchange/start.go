package exchange

import (
	"context"
	"strings"
	"time"

	"huitong"
	"huitong/natsbus"
)

// Start connects the service to the bus and starts its background work,
// and returns s (so wiring reads Exchange: svc.Start(ctx, bus)):
//
//   - the JetStream stream of subscription feeds, and the feed pump every
//     FeedInterval, with the webhook deliverers of active feeds;
//   - grant-change notices between instances (a revoked grant leaves every
//     instance's cache at once);
//   - escalation of overdue share requests, every minute;
//   - a signed checkpoint of the audit chain every CheckpointEvery when the
//     chain moved;
//   - the subject index rows a previous process left unwritten (see
//     journal.go), and at shutdown those still pending.
//
// Everything stops when ctx ends or Close is called, and quietly when the
// database or the bus is closed underneath.
func (s *Service) Start(ctx context.Context, bus *natsbus.Bus) *Service {
	s.busMu.Lock()
	if s.stop != nil {
		s.busMu.Unlock()
		return s
	}
	ctx, cancel := context.WithCancel(ctx)
	s.stop = cancel
	s.bus = bus
	s.busMu.Unlock()

	// The subject index rows a previous process had not written yet.
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.journal.catchUp(ctx); err != nil && !closedErr(err) && ctx.Err() == nil {
			s.log.Warn("subject index catch-up", "err", err)
		}
		<-ctx.Done()
		s.journal.flush(context.Background()) // what is pending at shutdown
	}()
	if bus != nil {
		sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
		err := bus.EnsureStream(sctx, feedStream, []string{bus.SubjectAll("exchange", "grant")}, s.cfg.FeedRetention)
		scancel()
		if err != nil {
			s.log.Error("feed stream", "err", err)
		}
		notice := bus.Subject("exchange", "grant-changed")
		s.OnGrantChange = func(consumer, resource string) {
			if err := bus.Publish(notice, []byte(consumer+"|"+resource)); err != nil {
				s.log.Warn("publish grant change", "err", err)
			}
		}
		if unsub, err := bus.Subscribe(notice, func(_ string, data []byte) {
			consumer, resource, _ := strings.Cut(string(data), "|")
			s.Forget(consumer, resource)
		}); err == nil {
			go func() { <-ctx.Done(); unsub() }()
		}
		if feeds, err := s.db.ActiveFeeds(ctx); err == nil {
			for _, f := range feeds {
				s.restartHook(f)
			}
		}
		s.every(ctx, s.cfg.FeedInterval, "feeds", func(ctx context.Context) error {
			_, err := s.PumpFeeds(ctx)
			return err
		})
	}
	s.every(ctx, time.Minute, "escalate", func(ctx context.Context) error {
		_, err := s.Escalate(ctx)
		return err
	})
	s.every(ctx, s.cfg.CheckpointEvery, "checkpoint", func(ctx context.Context) error {
		_, err := s.checkpoint(ctx, s.cfg.Chain)
		if huitong.ErrorCode(err) == huitong.ECONFLICT { // empty chain
			return nil
		}
		return err
	})
	return s
}

// every runs fn every d until ctx ends or fn reports the database or bus
// closed.
func (s *Service) every(ctx context.Context, d time.Duration, name string, fn func(context.Context) error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := fn(ctx); err != nil {
				if closedErr(err) || ctx.Err() != nil {
					return
				}
				s.log.Warn("background "+name, "err", err)
			}
		}
	}()
}
