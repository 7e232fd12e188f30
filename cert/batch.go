package cert

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/ingest"
	"huitong/store"
)

// BatchFormat is the format of a batch file.
type BatchFormat string

// Batch file formats: CSV with a header row, an Excel workbook (the first
// sheet, or the one whose header names 持证主体代码), or JSON lines (one
// huitong.IssueRequest per line).
const (
	BatchCSV   BatchFormat = "csv"
	BatchXLSX  BatchFormat = "xlsx"
	BatchJSONL BatchFormat = "jsonl"
)

// BatchFormatFor returns the batch format a file name's extension says:
// xlsx, jsonl (.jsonl, .ndjson), else csv.
func BatchFormatFor(fileName string) BatchFormat {
	name := strings.ToLower(fileName)
	switch {
	case strings.HasSuffix(name, ".xlsx"):
		return BatchXLSX
	case strings.HasSuffix(name, ".jsonl"), strings.HasSuffix(name, ".ndjson"):
		return BatchJSONL
	}
	return BatchCSV
}

// BatchRow is one row of a batch: its number in the file (the header is
// row 1 in CSV; the first line is row 1 in JSON lines) and the request,
// or Err for a row that could not be read at all (bytes in another
// encoding, an unbalanced quote, too many cells), which IssueBatch reports
// as it is.
type BatchRow struct {
	Row int
	Req huitong.IssueRequest
	Err *RowError
}

// RowError is one problem with one row, like the catalog import's.
type RowError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Value   string `json:"value,omitempty"` // the offending value, at most 100 runes
}

// BatchReport is the outcome of a batch. Without Partial, one bad row
// stops the whole batch before anything is issued: Issued is 0 and Errors
// lists every problem.
type BatchReport struct {
	Rows    int        `json:"rows"`
	Issued  int        `json:"issued"`
	Skipped int        `json:"skipped"`
	DryRun  bool       `json:"dryRun,omitempty"`
	Source  string     `json:"source"`
	IDs     []string   `json:"ids"`
	Errors  []RowError `json:"errors"`
}

// BatchOptions tune IssueBatch.
type BatchOptions struct {
	Issuer  string // default: the caller's department
	DryRun  bool   // validate and report, issue nothing
	Partial bool   // issue the good rows even when others are bad
	Source  string // recorded on every certificate; default "batch:<random id>"
}

// fixedColumns maps the CSV headers of the non-data columns (English and
// Chinese) to the request field they fill.
var fixedColumns = map[string]string{
	"holdername": "holderName", "持证主体名称": "holderName", "持证主体": "holderName",
	"holderid": "holderId", "持证主体代码": "holderId",
	"serial": "serial", "证照编号": "serial",
	"validfrom": "validFrom", "有效期起始": "validFrom", "有效期起始日期": "validFrom",
	"validto": "validTo", "有效期截止": "validTo", "有效期截止日期": "validTo",
}

// ReadBatch parses a batch file. CSV (UTF-8 with or without BOM,
// GBK/GB18030 or UTF-16 with BOM, detected as data deliveries are; the
// delimiter sniffed) and Excel: a header row naming holderName, holderId,
// optional serial, validFrom, validTo (or 持证主体名称, 持证主体代码, 证照编号,
// 有效期起始, 有效期截止) and the type's items by code or name. In Excel, rows
// above the header (titles) are skipped, and date cells may be Excel dates.
// JSON lines: one IssueRequest object per line, blank lines skipped.
// EINVALID for a file that cannot be read at all (not text, unknown
// encoding, no header, a header with unknown, repeated or missing
// required columns); ETOOLARGE past the size limits of data deliveries.
// Problems of single rows come later from IssueBatch.
func ReadBatch(r io.Reader, format BatchFormat, t *huitong.CertType) ([]BatchRow, error) {
	switch format {
	case BatchJSONL:
		return readJSONL(r)
	case BatchCSV, BatchXLSX, "":
		return readTable(r, format, t)
	}
	return nil, fieldErr("format", "enum", "批量文件格式应为 csv、xlsx 或 jsonl")
}

func readJSONL(r io.Reader) ([]BatchRow, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xEF\xBB\xBF")) {
		br.Discard(3)
	}
	var rows []BatchRow
	sc := bufio.NewScanner(br)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var req huitong.IssueRequest
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return nil, huitong.Errorf(huitong.EINVALID, "第 %d 行不是有效的 JSON 对象: %s", n, err.Error())
		}
		rows = append(rows, BatchRow{Row: n, Req: req})
	}
	if err := sc.Err(); err != nil {
		return nil, huitong.Errorf(huitong.EINVALID, "无法读取 JSON lines 文件: %s", err.Error())
	}
	return rows, nil
}

// holderIDHeaders are the names of the column that finds the header row
// of an Excel sheet.
var holderIDHeaders = []string{"持证主体代码", "holderId"}

func readTable(r io.Reader, format BatchFormat, t *huitong.CertType) ([]BatchRow, error) {
	tab, err := ingest.OpenTable(r, string(format), ingest.TableOptions{HeaderNames: holderIDHeaders})
	if err != nil {
		return nil, err
	}
	defer tab.Close()
	excel := format == BatchXLSX
	byName := map[string]string{}
	dates := map[string]bool{"validFrom": true, "validTo": true}
	for _, it := range t.Items {
		// The header's cells come normalised (gbcode.Normalize: trimmed,
		// full-width digits and letters made half-width), the names alike.
		byName[it.Code], byName[strings.ToLower(it.Code)], byName[gbcode.Normalize(it.Name)] = it.Code, it.Code, it.Code
		dates["data."+it.Code] = it.Type == huitong.TypeDate
	}
	header := tab.Columns()
	cols := make([]func(req *huitong.IssueRequest, v string), len(header))
	seen := map[string]int{} // field -> column (1-based)
	for i, h := range header {
		var field string
		if f, ok := fixedColumns[strings.ToLower(h)]; ok {
			field = f
		} else if code, ok := byName[h]; ok {
			field = "data." + code
		} else if h != "" {
			return nil, &huitong.Error{Code: huitong.EINVALID, Message: fmt.Sprintf("表头第 %d 列“%s”不是“%s”的信息项", i+1, h, t.Name),
				Fields: []huitong.FieldError{{Field: h, Rule: "unknown", Message: "未知列"}}}
		} else {
			continue
		}
		if j, dup := seen[field]; dup {
			return nil, &huitong.Error{Code: huitong.EINVALID, Message: fmt.Sprintf("表头第 %d 列“%s”与第 %d 列“%s”是同一项", i+1, h, j, header[j-1]),
				Fields: []huitong.FieldError{{Field: h, Rule: "duplicate", Message: "重复的列"}}}
		}
		seen[field] = i + 1
		set := setter(field)
		if excel && dates[field] {
			// A date cell comes as Excel's serial number of the day.
			base := set
			set = func(req *huitong.IssueRequest, v string) {
				if d, ok := ingest.ExcelDate(v); ok {
					v = d
				}
				base(req, v)
			}
		}
		cols[i] = set
	}
	var missing []string
	for _, f := range [...]struct{ field, name string }{{"holderName", "持证主体名称"}, {"holderId", "持证主体代码"}} {
		if seen[f.field] == 0 {
			missing = append(missing, f.name)
		}
	}
	for _, it := range t.Items {
		if it.Required && seen["data."+it.Code] == 0 {
			missing = append(missing, it.Name)
		}
	}
	if len(missing) > 0 {
		return nil, &huitong.Error{Code: huitong.EINVALID, Message: fmt.Sprintf("表头缺少必填列: %s", strings.Join(missing, "、")),
			Fields: []huitong.FieldError{{Field: missing[0], Rule: "missing", Message: "缺少必填列"}}}
	}
	var rows []BatchRow
	for {
		n, cells, bad, err := tab.Next()
		if errors.Is(err, io.EOF) {
			return rows, nil
		} else if err != nil {
			return nil, err
		}
		if bad != nil {
			rows = append(rows, BatchRow{Row: n, Err: &RowError{Row: n, Rule: bad.Rule, Message: bad.Message, Value: clip(bad.Value)}})
			continue
		}
		req := huitong.IssueRequest{Data: make(map[string]string, len(t.Items))}
		empty := true
		for i, v := range cells {
			if i < len(cols) && cols[i] != nil && strings.TrimSpace(v) != "" {
				cols[i](&req, v)
				empty = false
			}
		}
		if !empty {
			rows = append(rows, BatchRow{Row: n, Req: req})
		}
	}
}

func setter(field string) func(req *huitong.IssueRequest, v string) {
	return func(req *huitong.IssueRequest, v string) {
		if code, ok := strings.CutPrefix(field, "data."); ok {
			req.Data[code] = v
			return
		}
		switch field {
		case "holderName":
			req.HolderName = v
		case "holderId":
			req.HolderID = v
		case "serial":
			req.Serial = v
		case "validFrom":
			req.ValidFrom = v
		case "validTo":
			req.ValidTo = v
		}
	}
}

// prepared is one validated row waiting to be signed.
type prepared struct {
	row       int
	cert      *huitong.Certificate
	doc       *Document
	genSerial bool
}

// IssueBatch issues one certificate per row, all of type typeCode, for the
// issuer. Rows are validated first (in parallel); without Partial any bad
// row stops the batch before anything is issued. Then serials are
// reserved for rows without one, certificates are signed by Workers
// goroutines while a writer stores them, BatchChunk rows per transaction,
// each transaction with one audit entry (cert.issue_batch) naming the
// count, the first and last identifier and the SM3 of all identifiers.
func (s *Service) IssueBatch(ctx context.Context, typeCode string, rows []BatchRow, opt BatchOptions) (*BatchReport, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if opt.Source == "" {
		var b [6]byte
		rand.Read(b[:])
		opt.Source = "batch:" + hex.EncodeToString(b[:])
	}
	rep := &BatchReport{Rows: len(rows), DryRun: opt.DryRun, Source: opt.Source, IDs: []string{}, Errors: []RowError{}}
	var ic *issueCtx
	err = s.db.View(ctx, func(tx *store.Tx) error {
		if ic, err = s.authorise(ctx, tx, p, typeCode, opt.Issuer); err != nil {
			return err
		}
		if !opt.DryRun {
			ic.sig, err = s.activeSigner(ctx, tx, ic.dept.Code, ic.now)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cert: batch: %w", err)
	}

	good := s.validateRows(ic, rows, opt, rep)
	if err := s.checkSerials(ctx, ic, good, rep); err != nil {
		return nil, err
	}
	if len(rep.Errors) > 0 {
		good = dropBad(good, rep.Errors)
		if !opt.Partial {
			good = nil
		}
	}
	rep.Skipped = rep.Rows - len(good)
	if opt.DryRun || len(good) == 0 {
		if opt.DryRun {
			rep.Issued = len(good)
		}
		return rep, nil
	}
	if err := s.issuePrepared(ctx, p, ic, good, opt.Source, rep); err != nil {
		return rep, fmt.Errorf("cert: batch: %w", err)
	}
	return rep, nil
}

// validateRows builds every row in parallel; problems go to rep.Errors in
// row order.
func (s *Service) validateRows(ic *issueCtx, rows []BatchRow, opt BatchOptions, rep *BatchReport) []*prepared {
	out := make([]*prepared, len(rows))
	errs := make([][]RowError, len(rows))
	var wg sync.WaitGroup
	w := s.cfg.Workers
	for k := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < len(rows); i += w {
				if rows[i].Err != nil {
					errs[i] = append(errs[i], *rows[i].Err)
					continue
				}
				req := rows[i].Req
				req.Source = opt.Source
				req.Serial = strings.ToUpper(gbcode.Normalize(req.Serial))
				gen := req.Serial == ""
				if gen {
					req.Serial = "0" // placeholder until serials are reserved
				}
				if req.TypeCode != "" && !strings.EqualFold(req.TypeCode, ic.t.Code) {
					errs[i] = append(errs[i], RowError{Row: rows[i].Row, Field: "type", Rule: "mismatch", Message: "一个批次只能颁发一种证照: " + ic.t.Code, Value: req.TypeCode})
					continue
				}
				var v huitong.Validation
				c, doc := ic.build(&req, 1, &v)
				for _, f := range v.Fields {
					errs[i] = append(errs[i], RowError{Row: rows[i].Row, Field: f.Field, Rule: f.Rule, Message: f.Message, Value: clip(valueOf(&rows[i].Req, f.Field))})
				}
				if len(v.Fields) == 0 {
					out[i] = &prepared{row: rows[i].Row, cert: c, doc: doc, genSerial: gen}
				}
			}
		}()
	}
	wg.Wait()
	good := make([]*prepared, 0, len(rows))
	for i := range rows {
		rep.Errors = append(rep.Errors, errs[i]...)
		if out[i] != nil {
			good = append(good, out[i])
		}
	}
	return good
}

// checkSerials reports serials given twice in the batch or already used.
func (s *Service) checkSerials(ctx context.Context, ic *issueCtx, good []*prepared, rep *BatchReport) error {
	seen := map[string]int{}
	var given []string
	for _, g := range good {
		if g.genSerial {
			continue
		}
		if first, dup := seen[g.cert.Serial]; dup {
			rep.Errors = append(rep.Errors, RowError{Row: g.row, Field: "serial", Rule: "unique", Message: fmt.Sprintf("证照编号与第 %d 行重复", first), Value: g.cert.Serial})
			continue
		}
		seen[g.cert.Serial] = g.row
		given = append(given, g.cert.Serial)
	}
	if len(given) == 0 {
		return nil
	}
	taken, err := s.db.TakenSerials(ctx, ic.t.Code, ic.dept.Code, given)
	if err != nil {
		return err
	}
	for _, g := range good {
		if !g.genSerial && taken[g.cert.Serial] {
			rep.Errors = append(rep.Errors, RowError{Row: g.row, Field: "serial", Rule: "unique", Message: "证照编号已被本部门同类证照使用", Value: g.cert.Serial})
		}
	}
	return nil
}

func dropBad(good []*prepared, errs []RowError) []*prepared {
	bad := make(map[int]bool, len(errs))
	for _, e := range errs {
		bad[e.Row] = true
	}
	out := good[:0]
	for _, g := range good {
		if !bad[g.row] {
			out = append(out, g)
		}
	}
	return out
}

// issuePrepared reserves serials, signs in parallel and stores in chunks.
func (s *Service) issuePrepared(ctx context.Context, p *huitong.Principal, ic *issueCtx, good []*prepared, source string, rep *BatchReport) error {
	gen := 0
	for _, g := range good {
		if g.genSerial {
			gen++
		}
	}
	if gen > 0 {
		var first int64
		err := s.db.Update(ctx, func(tx *store.Tx) (err error) {
			first, err = tx.ReserveSequence(ctx, "cert:"+ic.t.Code+":"+ic.dept.Code, gen)
			return err
		})
		if err != nil {
			return err
		}
		for _, g := range good {
			if g.genSerial {
				g.cert.Serial = serialAt(ic.now, first)
				first++
				g.cert.ID = gbcode.CertIDPrefix + ic.t.Code + "." + ic.dept.Code + "." + g.cert.Serial + ".001." + string(gbcode.CertIDCheck(ic.t.Code+ic.dept.Code+g.cert.Serial+"001"))
				g.doc.Serial, g.doc.ID = g.cert.Serial, g.cert.ID
			}
		}
	}

	// Workers sign certificate after certificate, without waiting for
	// each other at chunk boundaries (with a barrier per chunk a core sat
	// idle while the slower worker finished), and the writer stores the
	// chunks in order as their last certificate is signed. The workers run
	// at most signAhead chunks ahead of the writer, which bounds what is
	// held in memory.
	const signAhead = 8
	chunk := s.cfg.BatchChunk
	chunks := (len(good) + chunk - 1) / chunk
	gates := make([]chan struct{}, chunks) // closed: the chunk may be signed
	done := make([]chan struct{}, chunks)  // closed: the chunk is signed
	left := make([]atomic.Int64, chunks)   // certificates of the chunk still to sign
	for c := range chunks {
		gates[c], done[c] = make(chan struct{}), make(chan struct{})
		left[c].Store(int64(min(chunk, len(good)-c*chunk)))
		if c < signAhead {
			close(gates[c])
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	var next atomic.Int64
	var signErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	stop := func() { cancel(); wg.Wait() }
	defer stop()
	for range s.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= len(good) {
					return
				}
				c := i / chunk
				select {
				case <-gates[c]:
				case <-ctx.Done():
					return
				}
				if err := ic.sig.sign(good[i].cert, good[i].doc); err != nil {
					errOnce.Do(func() { signErr = err; cancel() })
					return
				}
				if left[c].Add(-1) == 0 {
					close(done[c])
				}
			}
		}()
	}
	for c := range chunks {
		select {
		case <-done[c]:
		case <-ctx.Done():
			stop() // signErr is read once every worker is gone
			if signErr != nil {
				return signErr
			}
			return ctx.Err()
		}
		part := good[c*chunk : min((c+1)*chunk, len(good))]
		certs := make([]*huitong.Certificate, len(part))
		for i, g := range part {
			certs[i] = g.cert
		}
		err := s.db.StoreCertificates(ctx, certs, func(tx *store.Tx) error {
			h := gm.NewSM3()
			for _, ct := range certs {
				h.Write([]byte(ct.ID))
				h.Write([]byte{'\n'})
			}
			return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.issue_batch", Object: source,
				Detail: audit.Detail(map[string]any{"type": ic.t.Code, "count": len(certs), "first": certs[0].ID, "last": certs[len(certs)-1].ID,
					"idsSm3": hex.EncodeToString(h.Sum(nil)), "seal": ic.sig.seal.ID})})
		})
		if err != nil {
			return err
		}
		rep.Issued += len(certs)
		for _, ct := range certs {
			rep.IDs = append(rep.IDs, ct.ID)
		}
		// What is stored need not stay in memory: a batch of 100,000
		// would otherwise keep 100 MB of payloads live to the end, and
		// the garbage collector would mark them again and again.
		clear(part)
		if c+signAhead < chunks {
			close(gates[c+signAhead])
		}
	}
	// The chunks checkpoint the log less often than other writes (see
	// store.DB.StoreCertificates): after a large batch, move what is left
	// into the database file now, as part of the batch, rather than leave
	// verifications to look thousands of pages up in the log until the
	// next write. Small batches leave that to the next write: a checkpoint
	// costs two fsyncs, and the demo alone issues hundreds of batches.
	// Everything is issued by now, so a failure here is only logged.
	if len(good) >= checkpointAfter {
		if err := s.db.CheckpointWAL(ctx); err != nil {
			s.log.Warn("cert: checkpoint after batch", "source", source, "err", err)
		}
	}
	return nil
}

// checkpointAfter is the size of batch after which IssueBatch checkpoints
// the SQLite log: some 4,000 pages of it.
const checkpointAfter = 10000

// valueOf returns the request's value for a field name of the report.
func valueOf(req *huitong.IssueRequest, field string) string {
	switch field {
	case "holderId":
		return req.HolderID
	case "holderName":
		return req.HolderName
	case "serial":
		return req.Serial
	case "validFrom":
		return req.ValidFrom
	case "validTo":
		return req.ValidTo
	}
	if code, ok := strings.CutPrefix(field, "data."); ok {
		return req.Data[code]
	}
	return ""
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= 100 {
		return s
	}
	return string([]rune(s)[:100])
}
