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
	depth int   // commits under way at once (PostgreSQL)
	seen  crowd // owned by run
	log   *slog.Logger
	queue chan *appendReq

	mu     sync.RWMutex
	closed bool
	wg     sync.WaitGroup

	commits, appended atomic.Int64
	relanded          atomic.Int64 // pipelined commits appended again (failed, or the head moved)

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

func newJournal(db *store.DB, maxBatch, depth int, chain string, log *slog.Logger) *journal {
	j := &journal{db: db, app: db.NewAuditAppender(), max: maxBatch, depth: max(depth, 1), log: log, queue: make(chan *appendReq, 4096),
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

// A batch waits up to linger for more entries before committing, while it
// holds fewer than a share of those the journal has recently seen wait at
// once: the largest number, over the last crowdWindow commits, of a batch
// and the requests that queued while it committed (at most lingerBelow).
// On SQLite the share is half: the commit runs on this process's CPU, and
// a batch that waited for everyone would leave nothing to run beside it;
// half of the requests commit while the other half are being served.
// Measured at 32 clients: 11,300 queries/s waiting for all, 13,500-14,400
// for half, 7,500 not waiting (docs/performance.md). On PostgreSQL, where
// the batch gathers while the previous commit waits for the server, it is
// all of them. With 4 clients a batch commits as soon as its share is in
// rather than waiting out the millisecond; a request alone does not wait.
const (
	lingerBelow = 32
	linger      = time.Millisecond
	crowdWindow = 64
)

// crowd estimates how many requests wait for one commit at once.
type crowd struct {
	sizes [crowdWindow]int
	i     int
}

// add records that n waited for one commit.
func (c *crowd) add(n int) {
	c.sizes[c.i%crowdWindow] = n
	c.i++
}

// size returns the estimate.
func (c *crowd) size() int {
	m := 0
	for _, n := range c.sizes {
		m = max(m, n)
	}
	return min(m, lingerBelow)
}

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
	if j.db.Engine == store.Postgres {
		j.runPipelined()
		return
	}
	batch := make([]*appendReq, 0, 64)
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	for first := range j.queue {
		batch = append(batch[:0], first)
		n := j.drainFrom(j.queue, &batch, len(first.entries))
		if want := j.seen.size() / 2; n < want {
			// Fewer than usually wait together: give the requests in
			// flight a moment to join. One commit costs about as much as
			// a few dozen entries.
			wait.Reset(linger)
		gather:
			for n < want && n < j.max {
				select {
				case r, ok := <-j.queue:
					if !ok {
						break gather
					}
					batch = append(batch, r)
					n += len(r.entries)
				case <-wait.C:
					break gather
				}
			}
			wait.Stop()
			n = j.drainFrom(j.queue, &batch, n)
		}
		err := j.commit(batch)
		// Those that queued during the commit waited with this batch.
		j.seen.add(n + len(j.queue))
		j.settle(batch, err)
	}
}

// settle answers the requests of a batch after its commit: each its own
// retry when the batch failed, so that one request's bad entry does not
// fail the others.
func (j *journal) settle(batch []*appendReq, err error) {
	if err != nil && len(batch) > 1 {
		for _, r := range batch {
			r.done <- j.commit([]*appendReq{r})
		}
		return
	}
	for _, r := range batch {
		r.done <- err
	}
}

// On PostgreSQL a commit waits mostly for the server (the network, the
// write-ahead log's flush), not for this process. So the journal keeps up
// to Config.JournalPipeline commits under way: it seals the next batch onto the
// head the one before will leave and sends it over another connection;
// its guard waits for the row lock of the chain's head, so the batches go
// in in order, and one whose predecessor failed writes nothing and is
// appended afresh. A batch is sent as soon as no commit is under way, or,
// while one is, when it finishes or linger has passed: there is no waiting
// for company when nothing is being written.

// flight is a batch being written.
type flight struct {
	batch []*appendReq
	w     *store.GuardedWrite
	ok    bool
	err   error
	done  chan struct{}
}

func (j *journal) runPipelined() {
	var flights []*flight // in the order they were sealed
	wait := time.NewTimer(time.Hour)
	wait.Stop()
	queue := j.queue
	for queue != nil || len(flights) > 0 {
		var batch []*appendReq
		n := 0
		// A request, or the oldest commit's end.
		var landed <-chan struct{}
		if len(flights) > 0 {
			landed = flights[0].done
		}
		select {
		case r, ok := <-queue:
			if !ok {
				queue = nil
				continue
			}
			batch, n = append(batch, r), len(r.entries)
		case <-landed:
			flights = j.land(flights)
			continue
		}
		if queue != nil {
			n = j.drainFrom(queue, &batch, n)
		}
		if want := j.seen.size(); len(flights) > 0 && n < want && queue != nil {
			// A commit is under way and fewer than usually wait together
			// are here: gather until it ends, linger passes or they are.
			wait.Reset(linger)
		gather:
			for n < want && n < j.max {
				select {
				case r, ok := <-queue:
					if !ok {
						queue = nil
						break gather
					}
					batch = append(batch, r)
					n += len(r.entries)
				case <-flights[0].done:
					flights = j.land(flights)
					break gather
				case <-wait.C:
					break gather
				}
			}
			wait.Stop()
			if queue != nil {
				n = j.drainFrom(queue, &batch, n)
			}
		}
		for len(flights) >= j.depth {
			<-flights[0].done
			flights = j.land(flights)
		}
		var entries []*huitong.AuditEntry
		for _, r := range batch {
			entries = append(entries, r.entries...)
		}
		w := j.app.SealAhead(entries)
		if w == nil {
			// No head known (the first batch, or after a failure): the
			// locked path, once what is under way has landed.
			for len(flights) > 0 {
				<-flights[0].done
				flights = j.land(flights)
			}
			j.settle(batch, j.commit(batch))
			continue
		}
		f := &flight{batch: batch, w: w, done: make(chan struct{})}
		go func() {
			defer close(f.done)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			f.ok, f.err = j.app.WriteGuarded(ctx, w)
		}()
		flights = append(flights, f)
	}
}

// land answers the requests of the oldest flight, which has ended, and
// returns the others. A write that failed or found the head moved (its
// predecessor failed, or another writer appended) leaves the head unknown;
// its batch is appended afresh on the locked path.
func (j *journal) land(flights []*flight) []*flight {
	f := flights[0]
	<-f.done
	j.seen.add(len(f.w.Entries()) + len(j.queue)) // those queued meanwhile waited with it
	if f.ok && f.err == nil {
		entries := f.w.Entries()
		j.defer_(f.batch)
		j.commits.Add(1)
		j.appended.Add(int64(len(entries)))
		for _, r := range f.batch {
			r.done <- nil
		}
	} else {
		if f.err != nil {
			j.log.Warn("audit journal: pipelined commit failed; appending again", "entries", len(f.w.Entries()), "err", f.err)
		}
		j.relanded.Add(1)
		j.app.Forget(f.w.Entries()[0].Chain)
		j.settle(f.batch, j.commit(f.batch))
	}
	return flights[1:]
}

// drainFrom adds what is queued on queue to batch, up to j.max entries.
func (j *journal) drainFrom(queue chan *appendReq, batch *[]*appendReq, n int) int {
	for n < j.max {
		select {
		case r, ok := <-queue:
			if !ok {
				return n
			}
			*batch = append(*batch, r)
			n += len(r.entries)
		default:
			return n
		}
	}
	return n
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
