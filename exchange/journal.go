package exchange

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"huitong"
	"huitong/store"
)

// The journal appends audit entries with group commit. A query must not be
// answered before its entry is durable, and one write transaction per query
// caps throughput at the commit rate. So requests hand their entries to one
// appender goroutine, which takes everything queued since its last commit
// (up to JournalBatch entries) and writes it in one transaction, then wakes
// each request. While a commit runs the next batch queues up, so under load
// each commit carries many entries and "answered only after durable" holds
// for every one of them.

// appendReq is one request's entries, with the daily usage they count.
type appendReq struct {
	entries  []*huitong.AuditEntry
	subjects []string // keyed hash of each entry's subject, "" for none
	grant    int64    // usage counted against this grant ...
	day      string   // ... on this day (Beijing)
	used     int      // ... this many subjects
	done     chan error
}

type journal struct {
	db    *store.DB
	app   *store.AuditAppender // owned by run
	max   int
	log   *slog.Logger
	queue chan *appendReq

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	commits, appended atomic.Int64
}

func newJournal(db *store.DB, max int, log *slog.Logger) *journal {
	j := &journal{db: db, app: db.NewAuditAppender(), max: max, log: log, queue: make(chan *appendReq, 4096)}
	j.wg.Add(1)
	go j.run()
	return j
}

// A batch of fewer than lingerBelow entries that is not alone waits linger
// for more before committing.
const (
	lingerBelow = 16
	linger      = 200 * time.Microsecond
)

var errJournalClosed = errors.New("exchange: audit journal is closed")

// append queues r and waits until its entries are committed, or ctx ends
// (the entries may then still commit). It returns the commit's error.
func (j *journal) append(ctx context.Context, r *appendReq) error {
	r.done = make(chan error, 1)
	j.mu.RLock()
	if j.closed {
		j.mu.RUnlock()
		return errJournalClosed
	}
	select {
	case j.queue <- r:
	case <-ctx.Done():
		j.mu.RUnlock()
		return ctx.Err()
	}
	j.mu.RUnlock()
	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops accepting entries and waits for the queued ones to commit.
func (j *journal) close() {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return
	}
	j.closed = true
	close(j.queue)
	j.mu.Unlock()
	j.wg.Wait()
}

func (j *journal) run() {
	defer j.wg.Done()
	defer j.app.Close()
	batch := make([]*appendReq, 0, 64)
	for first := range j.queue {
		batch = append(batch[:0], first)
		n := len(first.entries)
	drain:
		for n < j.max {
			select {
			case r, ok := <-j.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
				n += len(r.entries)
			default:
				break drain
			}
		}
		if n < lingerBelow {
			// A small batch under load: give the requests in flight a
			// moment to join it. One commit costs about as much as a few
			// dozen entries, so waiting briefly raises throughput; with no
			// load nothing is queued and the wait is skipped.
			time.Sleep(linger)
		drain2:
			for n < j.max {
				select {
				case r, ok := <-j.queue:
					if !ok {
						break drain2
					}
					batch = append(batch, r)
					n += len(r.entries)
				default:
					break drain2
				}
			}
		}
		err := j.commit(batch)
		if err != nil && len(batch) > 1 {
			// One request's bad entry must not fail the others: retry
			// each on its own.
			for _, r := range batch {
				r.done <- j.commit([]*appendReq{r})
			}
			continue
		}
		for _, r := range batch {
			r.done <- err
		}
	}
}

func (j *journal) commit(batch []*appendReq) error {
	var entries []*huitong.AuditEntry
	var subjects []string
	var usage []store.Usage
	for _, r := range batch {
		entries = append(entries, r.entries...)
		for i := range r.entries {
			s := ""
			if i < len(r.subjects) {
				s = r.subjects[i]
			}
			subjects = append(subjects, s)
		}
		if r.grant != 0 && r.used > 0 {
			i := slices.IndexFunc(usage, func(u store.Usage) bool { return u.Grant == r.grant && u.Day == r.day })
			if i < 0 {
				usage = append(usage, store.Usage{Grant: r.grant, Day: r.day})
				i = len(usage) - 1
			}
			usage[i].N += r.used
		}
	}
	// Commit even when the requests' contexts are gone: they may have
	// answered nothing yet, but an entry that is half-way must not vanish.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := j.app.Append(ctx, entries, subjects, usage)
	if err != nil {
		j.log.Error("audit journal commit failed", "entries", len(entries), "err", err)
		return err
	}
	j.commits.Add(1)
	j.appended.Add(int64(len(entries)))
	return nil
}

// JournalStats returns how many group commits the audit journal has made
// and how many entries they carried: their ratio is the mean batch size.
func (s *Service) JournalStats() (commits, entries int64) {
	return s.journal.commits.Load(), s.journal.appended.Load()
}
