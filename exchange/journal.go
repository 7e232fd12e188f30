package exchange

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"huitong"
	"huitong/audit"
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
//
// The subject index and the daily usage counts are derived data: writing
// them with every commit would cost a page of the subject index per entry
// (its keys are random) and a page of counts per commit, on the path every
// query waits for. The indexer writes them behind, every half second, in
// one transaction that also moves the index cursor; after a crash it
// resumes from the cursor, reading the subjects back from the entries'
// details, which the hash chain covers. The data-use record of a subject
// therefore lags its uses by up to half a second, and a crash may forget
// the quota counts of the last half second.

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

	chain   string        // the chain whose index cursor the indexer keeps
	pmu     sync.Mutex    // guards pending
	pending indexBatch    // committed but not yet indexed
	kick    chan struct{} // asks the indexer to flush now
	stopIdx chan struct{}
	idxDone chan struct{}
}

// indexBatch is what the indexer writes in one transaction.
type indexBatch struct {
	rows  []store.SubjectRow
	upto  int64 // last sequence number committed by the journal
	usage []store.Usage
}

// indexEvery is how often the indexer writes the subject index and the
// usage counts.
const indexEvery = 500 * time.Millisecond

func newJournal(db *store.DB, max int, chain string, log *slog.Logger) *journal {
	j := &journal{db: db, app: db.NewAuditAppender(), max: max, log: log, queue: make(chan *appendReq, 4096),
		chain: chain, kick: make(chan struct{}, 1), stopIdx: make(chan struct{}), idxDone: make(chan struct{})}
	j.wg.Add(1)
	go j.run()
	go j.index()
	return j
}

// index writes the subject index and usage counts behind the journal.
// Catching up with what a previous process left is Start's (catchUp): a
// command that only opens the database must not write to it.
func (j *journal) index() {
	defer close(j.idxDone)
	ctx := context.Background()
	t := time.NewTicker(indexEvery)
	defer t.Stop()
	for {
		select {
		case <-j.stopIdx:
			j.flush(ctx)
			return
		case <-t.C:
		case <-j.kick:
		}
		if err := j.flush(ctx); err != nil && closedErr(err) {
			return
		}
	}
}

// catchUp indexes the entries after the cursor (those of a process that
// stopped before its indexer wrote them).
func (j *journal) catchUp(ctx context.Context) error {
	after, err := j.db.SubjectCursor(ctx, j.chain)
	if err != nil {
		return err
	}
	for {
		rows, last, err := j.db.UnindexedSubjects(ctx, j.chain, after, 5000)
		if err != nil || last == after {
			return err
		}
		if err := j.db.IndexSubjects(ctx, rows, map[string]int64{j.chain: last}, nil); err != nil {
			return err
		}
		after = last
	}
}

// flush writes what is pending.
func (j *journal) flush(ctx context.Context) error {
	j.pmu.Lock()
	b := j.pending
	j.pending = indexBatch{}
	j.pmu.Unlock()
	if len(b.rows) == 0 && len(b.usage) == 0 && b.upto == 0 {
		return nil
	}
	slices.SortFunc(b.rows, func(x, y store.SubjectRow) int { return strings.Compare(x.Subject, y.Subject) })
	var cursors map[string]int64
	if b.upto > 0 {
		cursors = map[string]int64{j.chain: b.upto}
	}
	err := j.db.IndexSubjects(ctx, b.rows, cursors, b.usage)
	if err != nil {
		// Keep them for the next flush (the rows are idempotent).
		j.pmu.Lock()
		j.pending.rows = append(b.rows, j.pending.rows...)
		j.pending.usage = append(b.usage, j.pending.usage...)
		j.pending.upto = max(j.pending.upto, b.upto)
		j.pmu.Unlock()
		if !closedErr(err) {
			j.log.Warn("subject index", "err", err)
		}
	}
	return err
}

// Flush writes the pending subject index rows and usage counts now (tests
// and shutdown).
func (s *Service) Flush(ctx context.Context) error { return s.journal.flush(ctx) }

// A batch of fewer than lingerBelow entries waits linger for more before
// committing, unless it and the previous commit each held one entry. With
// 32 concurrent clients this raises the entries per commit from about 6 to
// about 16 and cuts the CPU per query by a quarter (docs/performance.md).
const (
	lingerBelow = 32
	linger      = time.Millisecond
)

var errJournalClosed = errors.New("exchange: audit journal is closed")

// append queues r and waits until its entries are committed, or ctx ends
// (the entries may then still commit). It returns the commit's error.
func (j *journal) append(ctx context.Context, r *appendReq) error {
	r.done = make(chan error, 1)
	for _, e := range r.entries {
		audit.PrepareTail(e) // here, in parallel, not in the one appender
	}
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
	close(j.stopIdx)
	<-j.idxDone
}

func (j *journal) run() {
	defer j.wg.Done()
	defer j.app.Close()
	batch := make([]*appendReq, 0, 64)
	last := 0 // entries in the previous commit
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
		if n < lingerBelow && (n > 1 || last > 1) {
			// A small batch under load: give the requests in flight a
			// moment to join it. One commit costs about as much as a few
			// dozen entries, so waiting briefly raises throughput. A
			// request alone, after a commit that was alone too, is not
			// under load and does not wait.
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
		last = n
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
	for _, r := range batch {
		entries = append(entries, r.entries...)
	}
	// Commit even when the requests' contexts are gone: they may have
	// answered nothing yet, but an entry that is half-way must not vanish.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := j.app.Append(ctx, entries, nil, nil)
	if err == nil {
		j.defer_(batch)
	}
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

// defer_ hands the committed batch's subject rows and usage to the indexer.
func (j *journal) defer_(batch []*appendReq) {
	j.pmu.Lock()
	defer j.pmu.Unlock()
	for _, r := range batch {
		for i, e := range r.entries {
			if i < len(r.subjects) && r.subjects[i] != "" {
				j.pending.rows = append(j.pending.rows, store.SubjectRow{Subject: r.subjects[i], Chain: e.Chain, Seq: e.Seq})
			}
			if e.Chain == j.chain {
				j.pending.upto = max(j.pending.upto, e.Seq)
			}
		}
		if r.grant != 0 && r.used > 0 {
			i := slices.IndexFunc(j.pending.usage, func(u store.Usage) bool { return u.Grant == r.grant && u.Day == r.day })
			if i < 0 {
				j.pending.usage = append(j.pending.usage, store.Usage{Grant: r.grant, Day: r.day})
				i = len(j.pending.usage) - 1
			}
			j.pending.usage[i].N += r.used
		}
	}
	if len(j.pending.rows) >= 5000 {
		select {
		case j.kick <- struct{}{}:
		default:
		}
	}
}
