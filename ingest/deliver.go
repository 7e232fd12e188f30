package ingest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/quality"
	"huitong/store"
)

// Formats of deliveries.
const (
	FormatCSV    = "csv"
	FormatXLSX   = "xlsx"
	FormatNDJSON = "ndjson"
	FormatSQL    = "sql" // scheduled pulls
)

// Options describe a delivery.
type Options struct {
	Format   string               // csv, xlsx or ndjson; "" takes it from FileName's extension, else csv
	Mode     huitong.DeliveryMode // full or incremental (default)
	Sheet    string               // Excel: the sheet to read (default the first)
	FileName string
	Source   string // upload, api, cli, demo, pull (default api)
	// Progress, when set, is called after every committed chunk.
	Progress func(Progress)
	// At backdates the delivery (the platform itself only, for the demo's
	// history): records written take effect at At.
	At time.Time
}

// Progress is what a delivery has done so far. Done is set on the last
// call, after the quality passes; the calls before it follow the chunks.
type Progress struct {
	Bytes    int64 // read
	Received int
	Accepted int
	Rejected int
	Done     bool
}

// FormatFor returns the delivery format for a media type or file name, ""
// when neither says.
func FormatFor(contentType, fileName string) string {
	ct, _, _ := strings.Cut(contentType, ";")
	switch strings.TrimSpace(strings.ToLower(ct)) {
	case "text/csv", "application/csv", "text/tab-separated-values":
		return FormatCSV
	case XLSXType:
		return FormatXLSX
	case "application/x-ndjson", "application/jsonl", "application/jsonlines", "application/x-jsonlines":
		return FormatNDJSON
	}
	switch strings.ToLower(path.Ext(fileName)) {
	case ".csv", ".txt", ".tsv":
		return FormatCSV
	case ".xlsx":
		return FormatXLSX
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return ""
}

// Deliver reads a delivery of resource code from body and stores it.
//
// The caller must act for the resource's provider (its staff, department
// admin or API key): EFORBIDDEN otherwise; ENOTFOUND for an unknown or
// unpublished resource, EINVALID for one not mounted as a platform table.
// While a delivery to the resource is running another is refused with
// ECONFLICT, naming the running batch.
//
// A file that cannot be read at all (empty, binary, unknown encoding, no
// key column ...) fails the batch with EINVALID (Fields[0].Rule says why),
// one over the size limit with ETOOLARGE; the batch is returned with the
// error. Rows committed before a failure stay: Accepted says how many.
// Bad rows do not fail a batch: they are rejected and listed.
func (s *Service) Deliver(ctx context.Context, code string, body io.Reader, opt Options) (*huitong.Batch, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.resource(ctx, code)
	if err != nil {
		return nil, err
	}
	if !provides(p, res.Provider) && !isSystem(p) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "资源 %s 由%s提供，只有该部门的工作人员或其系统(API 密钥)可以交付数据", code, s.cat.DepartmentName(ctx, res.Provider))
	}
	if opt.Format == "" {
		opt.Format = FormatFor("", opt.FileName)
	}
	if opt.Format == "" {
		opt.Format = FormatCSV
	}
	var v huitong.Validation
	switch opt.Format {
	case FormatCSV, FormatXLSX, FormatNDJSON:
	case FormatSQL:
		if _, ok := body.(*sqlSource); !ok {
			v.Add("format", "enum", "sql 格式只用于定时抽取")
		}
	default:
		v.Add("format", "enum", "格式“%s”不支持，应为 csv、xlsx 或 ndjson", opt.Format)
	}
	switch opt.Mode {
	case "":
		opt.Mode = huitong.ModeIncremental
	case huitong.ModeFull, huitong.ModeIncremental:
	default:
		v.Add("mode", "enum", "交付方式“%s”无效，应为 full(全量) 或 incremental(增量)", opt.Mode)
	}
	if !opt.At.IsZero() && !isSystem(p) {
		v.Add("at", "forbidden", "只有平台自身可以指定交付时间")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if opt.Source == "" {
		opt.Source = "api"
	}
	reg, err := s.Quality.Registry(ctx)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	at := now
	if !opt.At.IsZero() {
		at = opt.At.UTC()
	}
	name := opt.FileName
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:] // the base name, whatever system the path came from
	}
	b := &huitong.Batch{Resource: code, Provider: res.Provider, Source: opt.Source, Format: opt.Format, Mode: opt.Mode,
		FileName: shorten(name), Sheet: opt.Sheet, Status: huitong.BatchRunning, CreatedBy: p.Actor(), StartedAt: at}
	if err := s.begin(ctx, p, b, now); err != nil {
		return nil, err
	}
	r := &run{s: s, p: p, res: res, b: b, opt: opt, reg: reg, at: opt.At}
	return r.deliver(ctx, body)
}

func leaseName(code string) string { return "resource:" + code }
func leaseHolder(id int64) string  { return fmt.Sprintf("batch:%d", id) }

// begin records the batch and takes the resource's lease in one
// transaction: no lease, no batch.
func (s *Service) begin(ctx context.Context, p *huitong.Principal, b *huitong.Batch, now time.Time) error {
	return s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertBatch(ctx, b); err != nil {
			return err
		}
		ok, holder, err := tx.AcquireLease(ctx, leaseName(b.Resource), leaseHolder(b.ID), now, now.Add(s.cfg.Lease))
		if err != nil {
			return err
		}
		if !ok {
			return huitong.Errorf(huitong.ECONFLICT, "资源 %s 正在接收批次 %s 的数据，同一资源一次只处理一个批次；请等该批次完成后再交付",
				b.Resource, strings.TrimPrefix(holder, "batch:"))
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "ingest.start", Object: b.Resource,
			Detail: audit.Detail(map[string]any{"batch": b.ID, "format": b.Format, "mode": b.Mode, "source": b.Source, "file": b.FileName})})
	})
}

// run is one delivery in progress.
type run struct {
	s   *Service
	p   *huitong.Principal
	res *huitong.Resource
	b   *huitong.Batch
	opt Options
	reg *quality.Registry
	v   *validator
	m   *meter
	at  time.Time // backdated delivery time, zero for now

	mu            sync.Mutex // guards b's counters against the heartbeat's reads
	storedRejects int
	filled        int64
	dups          int
	seed          maphash.Seed
	keyHashes     []uint64 // full deliveries: every key delivered
	fresh         bool     // the resource had no records when the batch began
	seq0          int64    // the resource's last change sequence when the batch began
	written       bloom    // keys this batch wrote, when fresh
}

// chunk is a group of rows validated by the reader, committed together.
type chunk struct {
	rows     []vrow
	rejects  []huitong.Reject // rejects and warnings, in row order
	received int
	rejected int
	bytes    int64
}

func (r *run) now() time.Time {
	if !r.at.IsZero() {
		return r.at
	}
	return r.s.clock.Now()
}

func (r *run) deliver(ctx context.Context, body io.Reader) (*huitong.Batch, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := r.heartbeat(ctx, cancel)
	perr := r.process(ctx, body)
	stop()
	return r.finish(context.WithoutCancel(ctx), perr)
}

// heartbeat renews the resource lease while the delivery runs; losing it
// (another instance took over after an expiry) cancels the delivery.
func (r *run) heartbeat(ctx context.Context, cancel context.CancelFunc) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(r.s.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				err := r.s.db.Update(ctx, func(tx *store.Tx) error {
					return tx.RenewLease(ctx, leaseName(r.b.Resource), leaseHolder(r.b.ID), r.s.clock.Now().Add(r.s.cfg.Lease))
				})
				if huitong.ErrorCode(err) == huitong.ECONFLICT {
					r.s.log.Error("ingest: lease lost", "batch", r.b.ID, "resource", r.b.Resource)
					cancel()
					return
				}
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// open returns the source for the delivery's format.
func (r *run) open(body io.Reader) (source, func(), error) {
	cfg := r.s.cfg
	switch r.opt.Format {
	case FormatXLSX:
		r.m = newMeter(body, cfg.MaxXLSXSize)
		data, err := io.ReadAll(r.m)
		if err != nil {
			return nil, nil, err
		}
		src, err := newXLSXSource(data, r.opt.Sheet, r.v.keyNames())
		if err != nil {
			return nil, nil, err
		}
		return src, src.close, nil
	case FormatNDJSON:
		r.m = newMeter(body, cfg.MaxSize)
		src, err := newNDJSONSource(bufio.NewReaderSize(r.m, 64<<10), cfg.MaxRowBytes)
		return src, func() {}, err
	case FormatSQL:
		src, ok := body.(source)
		if !ok {
			return nil, nil, huitong.Errorf(huitong.EINTERNAL, "sql delivery without a row source")
		}
		r.m = newMeter(strings.NewReader(""), 0)
		return src, func() {}, nil
	}
	r.m = newMeter(body, cfg.MaxSize)
	src, err := newCSVSource(bufio.NewReaderSize(r.m, 64<<10), cfg.MaxRowBytes)
	return src, func() {}, err
}

// process reads, validates and commits the delivery.
func (r *run) process(ctx context.Context, body io.Reader) error {
	var err error
	if r.v, err = newValidator(r.res, r.reg, r.s.clock.Now()); err != nil {
		return err
	}
	r.seed = maphash.MakeSeed()
	last, err := r.s.db.LastRecordSeq(ctx, r.res.Code)
	if err != nil {
		return err
	}
	// Only this batch writes to the resource while it holds the lease: into
	// an empty resource, a key the filter has not seen is surely new.
	r.fresh, r.seq0 = last == 0, last
	src, closeSrc, err := r.open(body)
	if err != nil {
		return err
	}
	defer closeSrc()
	meta := src.meta()
	r.v.excelDates = meta.excelDates
	r.v.sameItem = r.opt.Format == FormatNDJSON
	r.b.Encoding, r.b.Sheet = meta.encoding, meta.sheet
	unknown, err := r.v.mapColumns(src.columns())
	if err != nil {
		return err
	}
	r.b.Report.UnknownColumns = unknown
	if r.opt.Format != FormatNDJSON {
		if r.b.Report.MissingItems, err = r.v.missing(); err != nil {
			return err
		}
	}

	chunks := make(chan *chunk, 2)
	errc := make(chan error, 1)
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(chunks)
		errc <- r.produce(pctx, src, chunks)
	}()
	var werr error
	for c := range chunks {
		if werr != nil {
			continue // drain
		}
		if werr = r.write(ctx, c); werr != nil {
			cancel()
		}
	}
	perr := <-errc
	r.b.Report.Columns = slices.Clone(src.columns())
	r.b.Report.OtherSheets, r.b.Report.Notes = meta.otherSheets, append(r.b.Report.Notes, meta.notes...)
	r.b.Report.SkippedRows = meta.skipped
	if werr != nil {
		return werr
	}
	if perr != nil && !(errors.Is(perr, context.Canceled) && ctx.Err() == nil) {
		return perr
	}
	return nil
}

// produce reads and validates rows into chunks.
func (r *run) produce(ctx context.Context, src source, out chan<- *chunk) error {
	full := r.opt.Mode == huitong.ModeFull
	c := &chunk{}
	send := func() bool {
		c.bytes = r.m.n
		select {
		case out <- c:
			c = &chunk{}
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		row, cells, bad, err := src.next()
		if err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		c.received++
		if bad != nil {
			bad.Severity = huitong.SeverityReject
			c.rejects = append(c.rejects, *bad)
			c.rejected++
		} else {
			if cols := src.columns(); len(cols) > r.v.mapped {
				unknown, err := r.v.mapColumns(cols)
				if err != nil {
					return err
				}
				r.b.Report.UnknownColumns = append(r.b.Report.UnknownColumns, unknown...)
			}
			var merged map[int]bool
			if m := src.meta().merged; m != nil {
				merged = m[row]
			}
			before := len(c.rejects)
			var vr vrow
			ok, keyOK, rejects := r.v.check(row, cells, merged, &vr, c.rejects)
			c.rejects = rejects
			if ok {
				c.rows = append(c.rows, vr)
				if full {
					r.keyHashes = append(r.keyHashes, maphash.String(r.seed, vr.key))
				}
			} else {
				c.rejected++
				c.rejects[before].Cells = slices.Clone(cells)
				if full && keyOK {
					// A row rejected for another item still shows its key
					// is in the delivery: keep the record.
					r.keyHashes = append(r.keyHashes, maphash.String(r.seed, r.v.vals[r.v.key]))
				}
			}
		}
		if c.received >= r.s.cfg.ChunkRows {
			if !send() {
				return ctx.Err()
			}
		}
	}
	if !send() {
		return ctx.Err()
	}
	return nil
}

// write commits one chunk: records, rejects and the batch counters in one
// transaction, so the counters never run ahead of the rows.
func (r *run) write(ctx context.Context, c *chunk) error {
	code, batch := r.b.Resource, r.b.ID
	// A key repeated inside the chunk: the first row wins.
	first := make(map[string]int, len(c.rows))
	keys := make([]string, 0, len(c.rows))
	dupRow := map[int]int{} // row -> earlier row with the same key
	for _, vr := range c.rows {
		if prev, ok := first[vr.key]; ok {
			dupRow[vr.row] = prev
			continue
		}
		first[vr.key] = vr.row
		keys = append(keys, vr.key)
	}
	at := r.now()
	var inserted, updated, unchanged, filled int
	var stored int
	var dupRejects []huitong.Reject
	next := *r.b
	err := r.s.db.Ingest(ctx, func(tx *store.IngestTx) error {
		inserted, updated, unchanged, filled = 0, 0, 0, 0
		dupRejects = dupRejects[:0]
		lookup := keys
		if r.fresh {
			lookup = nil
			for _, k := range keys {
				if r.written.has(maphash.String(r.seed, k)) {
					lookup = append(lookup, k)
				}
			}
		}
		states, err := tx.RecordStates(ctx, code, lookup)
		if err != nil {
			return err
		}
		var inserts, updates []store.RecordRow
		var order []*store.RecordRow // every write in row order, for the change sequence
		for _, vr := range c.rows {
			if prev, dup := dupRow[vr.row]; dup {
				dupRejects = append(dupRejects, dupReject(vr, r.v.specs[r.v.key].name, fmt.Sprintf("主键与本批次第 %d 行重复，已保留第 %d 行", prev, prev)))
				continue
			}
			st, exists := states[vr.key]
			switch {
			case exists && st.Batch == batch:
				dupRejects = append(dupRejects, dupReject(vr, r.v.specs[r.v.key].name, "主键在本批次前面的行中已出现，已保留先出现的行"))
				continue
			case exists && !st.Deleted && st.Hash == vr.hash:
				unchanged++
			case exists:
				updates = append(updates, recordRow(vr, st.Version+1, batch, at))
			default:
				inserts = append(inserts, recordRow(vr, 1, batch, at))
			}
			filled += vr.filled
		}
		// Change sequences follow the rows of the file, so a feed replays
		// the changes in the order they were delivered.
		for i, j, k := 0, 0, 0; i < len(c.rows); i++ {
			switch {
			case j < len(inserts) && inserts[j].Key == c.rows[i].key && inserts[j].Seq == 0:
				order, j = append(order, &inserts[j]), j+1
			case k < len(updates) && updates[k].Key == c.rows[i].key && updates[k].Seq == 0:
				order, k = append(order, &updates[k]), k+1
			}
		}
		if n := len(order); n > 0 {
			seq, err := tx.NextRecordSeqs(ctx, code, n)
			if err != nil {
				return err
			}
			for _, w := range order {
				w.Seq, seq = seq, seq+1
			}
		}
		if err := tx.InsertRecords(ctx, code, inserts); err != nil {
			return err
		}
		if err := tx.ReplaceRecords(ctx, code, updates, at); err != nil {
			return err
		}
		inserted, updated = len(inserts), len(updates)

		// Rejects and warnings, less the warnings of rows now rejected
		// as duplicates, in row order, up to the cap.
		all := make([]huitong.Reject, 0, len(c.rejects)+len(dupRejects))
		dupRows := map[int]bool{}
		for _, d := range dupRejects {
			dupRows[d.Row] = true
		}
		for _, rj := range c.rejects {
			if !(rj.Severity == huitong.SeverityWarning && dupRows[rj.Row]) {
				all = append(all, rj)
			}
		}
		all = append(all, dupRejects...)
		slices.SortStableFunc(all, func(a, b huitong.Reject) int { return a.Row - b.Row })
		r.mu.Lock()
		stored = r.storedRejects
		r.mu.Unlock()
		keep := min(len(all), max(0, r.s.cfg.MaxRejects-stored))
		if err := tx.InsertRejects(ctx, batch, stored, all[:keep]); err != nil {
			return err
		}
		stored += keep

		accepted := len(c.rows) - len(dupRejects)
		warned := map[int]bool{}
		for _, rj := range all {
			if rj.Severity == huitong.SeverityWarning {
				warned[rj.Row] = true
			}
		}
		next.Size = c.bytes
		next.Received += c.received
		next.Accepted += accepted
		next.Rejected += c.rejected + len(dupRejects)
		next.Inserted += inserted
		next.Updated += updated
		next.Unchanged += unchanged
		next.Warnings += len(warned)
		if err := tx.SaveBatchProgress(ctx, &next, stored); err != nil {
			return err
		}
		return tx.RenewLease(ctx, leaseName(code), leaseHolder(batch), r.s.clock.Now().Add(r.s.cfg.Lease))
	})
	if err != nil {
		return err
	}
	// Committed: these rows are acknowledged.
	if r.fresh {
		for _, k := range keys {
			r.written.add(maphash.String(r.seed, k))
		}
	}
	r.mu.Lock()
	r.b.Size, r.b.Received, r.b.Accepted, r.b.Rejected = next.Size, next.Received, next.Accepted, next.Rejected
	r.b.Inserted, r.b.Updated, r.b.Unchanged, r.b.Warnings = next.Inserted, next.Updated, next.Unchanged, next.Warnings
	r.storedRejects = stored
	r.filled += int64(filled)
	r.dups += len(dupRejects)
	r.mu.Unlock()
	if r.s.OnChange != nil && inserted+updated > 0 {
		r.s.OnChange(code)
	}
	if r.opt.Progress != nil {
		r.opt.Progress(Progress{Bytes: next.Size, Received: next.Received, Accepted: next.Accepted, Rejected: next.Rejected})
	}
	return nil
}

func dupReject(vr vrow, item, msg string) huitong.Reject {
	return huitong.Reject{Row: vr.row, Item: item, Rule: "duplicate", Value: vr.key, Message: msg, Severity: huitong.SeverityReject}
}

func recordRow(vr vrow, version int, batch int64, at time.Time) store.RecordRow {
	return store.RecordRow{Key: vr.key, Data: vr.data, Hash: vr.hash, Jurisdiction: vr.jurisdiction, MatchKey: vr.matchKey,
		Version: version, Batch: batch, Filled: vr.filled, Flags: vr.flags, At: at}
}

// deleteMissing marks deleted the records a full delivery left out, unless
// too many of its rows were rejected (a broken file must not empty the
// resource).
func (r *run) deleteMissing(ctx context.Context) error {
	b := r.b
	if b.Accepted == 0 {
		b.Report.Notes = append(b.Report.Notes, "全量交付没有任何被接收的行，未删除任何记录")
		return nil
	}
	if share := float64(b.Rejected) / float64(max(b.Received, 1)); share > r.s.cfg.FullDeleteMaxRejected {
		b.Report.Notes = append(b.Report.Notes, fmt.Sprintf("拒收比例 %.1f%% 超过 %.1f%%，本次全量交付未删除文件中缺少的记录；请修正后重新交付",
			share*100, r.s.cfg.FullDeleteMaxRejected*100))
		return nil
	}
	slices.Sort(r.keyHashes)
	var gone []string
	err := r.s.db.ScanKeys(ctx, b.Resource, func(k string) error {
		if _, found := slices.BinarySearch(r.keyHashes, maphash.String(r.seed, k)); !found {
			gone = append(gone, k)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for start := 0; start < len(gone); start += r.s.cfg.ChunkRows {
		part := gone[start:min(start+r.s.cfg.ChunkRows, len(gone))]
		at := r.now()
		next := *b
		err := r.s.db.Ingest(ctx, func(tx *store.IngestTx) error {
			states, err := tx.RecordStates(ctx, b.Resource, part)
			if err != nil {
				return err
			}
			var rows []store.RecordRow
			for _, k := range part {
				if st, ok := states[k]; ok && !st.Deleted && st.Batch != b.ID {
					rows = append(rows, store.RecordRow{Key: k, Data: "{}", Version: st.Version + 1, Deleted: true, Batch: b.ID, At: at})
				}
			}
			if len(rows) == 0 {
				return nil
			}
			seq, err := tx.NextRecordSeqs(ctx, b.Resource, len(rows))
			if err != nil {
				return err
			}
			for i := range rows {
				rows[i].Seq = seq + int64(i)
			}
			if err := tx.ReplaceRecords(ctx, b.Resource, rows, at); err != nil {
				return err
			}
			next.Deleted += len(rows)
			r.mu.Lock()
			stored := r.storedRejects
			r.mu.Unlock()
			return tx.SaveBatchProgress(ctx, &next, stored)
		})
		if err != nil {
			return err
		}
		b.Deleted = next.Deleted
		if r.s.OnChange != nil {
			r.s.OnChange(b.Resource)
		}
	}
	return nil
}

// finish records how the batch ended and runs the quality passes.
func (r *run) finish(ctx context.Context, perr error) (*huitong.Batch, error) {
	b, s := r.b, r.s
	if r.m != nil {
		b.Size = r.m.n
	}
	if r.v != nil {
		b.Report.Cleaning = r.v.cleaningReport()
	}
	b.Report.Duplicates = r.dups
	if perr == nil && r.opt.Format != FormatSQL {
		b.ContentHash = r.m.sum()
		if prev, err := s.db.DoneBatchByHash(ctx, b.Resource, b.ContentHash); err != nil {
			perr = err
		} else if prev != 0 {
			b.DuplicateOf = prev
			b.Report.Notes = append(b.Report.Notes, fmt.Sprintf("与批次 %d 的文件内容完全相同(SHA-256 一致)，重复交付；未改变的行未写入", prev))
		}
	}
	if perr == nil && r.opt.Mode == huitong.ModeFull {
		perr = r.deleteMissing(ctx)
	}
	var outcome *quality.Outcome
	if perr == nil {
		prev, err := s.db.LastDelivery(ctx, b.Resource, b.ID)
		if err != nil {
			perr = err
		} else if outcome, err = s.Quality.AfterBatch(ctx, r.res, b, r.now(), r.seq0); err != nil {
			perr = err
		} else {
			b.Report.NearDuplicates, b.Report.Disputes = outcome.NearDuplicates, outcome.Opened
			q := quality.ScoreBatch(quality.BatchFacts{Received: b.Received, Accepted: b.Accepted, Duplicates: r.dups, Warnings: b.Warnings,
				Disputes: outcome.Opened, FilledCells: r.filled, Items: len(r.res.Items), Cycle: r.res.UpdateCycle, Previous: prev, At: b.StartedAt})
			q.Resource, q.Batch = b.Resource, b.ID
			b.Quality = &q
		}
	}
	b.FinishedAt = s.clock.Now()
	if !r.at.IsZero() {
		b.FinishedAt = r.at
	}
	userErr := perr
	if perr != nil {
		b.Status = huitong.BatchFailed
		userErr = r.explain(perr)
		b.Error = huitong.ErrorMessage(userErr)
		if huitong.ErrorCode(userErr) == huitong.EINTERNAL {
			s.log.Error("ingest: batch failed", "batch", b.ID, "resource", b.Resource, "err", perr)
			b.Error = "内部错误，批次已中止；已确认的行已入库，请联系平台运维"
		}
	} else {
		b.Status = huitong.BatchDone
	}
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.FinishBatch(ctx, b); err != nil {
			return err
		}
		result := "ok"
		if b.Status == huitong.BatchFailed {
			result = "failed"
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: r.p.Actor(), Department: r.p.Department, Action: "ingest.finish", Object: b.Resource, Result: result,
			Detail: audit.Detail(map[string]any{"batch": b.ID, "received": b.Received, "accepted": b.Accepted, "rejected": b.Rejected,
				"inserted": b.Inserted, "updated": b.Updated, "deleted": b.Deleted, "status": b.Status, "hash": b.ContentHash})})
	})
	if rerr := s.db.ReleaseLease(ctx, leaseName(b.Resource), leaseHolder(b.ID)); rerr != nil {
		s.log.Warn("ingest: release lease", "batch", b.ID, "err", rerr)
	}
	if err != nil {
		return b, err
	}
	if r.opt.Progress != nil {
		r.opt.Progress(Progress{Bytes: b.Size, Received: b.Received, Accepted: b.Accepted, Rejected: b.Rejected, Done: true})
	}
	return b, userErr
}

// explain turns what stopped a batch into the error its deliverer reads.
func (r *run) explain(err error) error {
	var tl *tooLargeError
	var he *huitong.Error
	switch {
	case errors.As(err, &tl):
		return &huitong.Error{Code: huitong.ETOOLARGE, Message: fmt.Sprintf("文件超过 %d 字节的上限(HUITONG_INGEST_MAX_SIZE / MAX_XLSX)；批次 %d 已中止，此前已确认的 %d 行已入库",
			tl.limit, r.b.ID, r.b.Accepted), Fields: []huitong.FieldError{{Field: "file", Rule: "too_large", Message: fmt.Sprintf("超过 %d 字节", tl.limit)}}}
	case errors.As(err, &he):
		if he.Code == huitong.EINVALID && len(he.Fields) > 0 && he.Fields[0].Field == "file" {
			return &huitong.Error{Code: he.Code, Message: fmt.Sprintf("批次 %d: %s", r.b.ID, he.Message), Fields: he.Fields}
		}
		return err
	case errors.As(err, new(*readError)), errors.Is(err, context.Canceled):
		return unreadable("interrupted", "批次 %d 的上传中断；此前已确认的 %d 行已入库，可重新交付同一文件(已入库的行不会重复)", r.b.ID, r.b.Accepted)
	}
	return err
}
