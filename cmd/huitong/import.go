package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/app"
	"huitong/ingest"
)

const importUsage = `usage: huitong import --resource CODE --file PATH [--mode full|incremental] [--sheet NAME] [--format csv|xlsx|ndjson]
       [--data DIR | --db DSN] [--as USERNAME]      deliver straight into the database, as the provider's system (or as USERNAME)
       [--server URL --key APIKEY]                  or through a running server with the provider's API key`

// importCmd delivers a file into a table-mounted resource and prints a
// summary. It exits non-zero only when the delivery did not run or the
// file could not be read at all; rejected rows are reported, not fatal.
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	m := app.NewMain()
	m.LogOut = stderr
	m.Config.LogLevel = "warn"
	fs, err := flags("import", &m.Config, stderr)
	if err != nil {
		return err
	}
	code := fs.String("resource", "", "resource code, e.g. 101001/000001 (required)")
	file := fs.String("file", "", "file to deliver: .csv, .xlsx, .ndjson/.jsonl (required; - for standard input)")
	mode := fs.String("mode", "incremental", "full (keys missing from the file are marked deleted) or incremental")
	sheet := fs.String("sheet", "", "Excel: sheet to read (default the first)")
	format := fs.String("format", "", "csv, xlsx or ndjson (default: from the file name)")
	as := fs.String("as", "", "direct mode: act as this account instead of the provider's system")
	server := fs.String("server", "", "deliver through this server (https://...) instead of the database")
	key := fs.String("key", os.Getenv("HUITONG_API_KEY"), "server mode: the provider's API key (HUITONG_API_KEY)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *code == "" || *file == "" {
		fmt.Fprintln(stderr, importUsage)
		return errors.New("--resource and --file are required")
	}
	in, size, err := openInput(*file)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", *file, err)
	}
	defer in.Close()
	f := *format
	if f == "" {
		f = ingest.FormatFor("", *file)
	}
	bar := newProgress(stderr, size, *quiet)
	start := time.Now()
	var b *huitong.Batch
	var rejects []huitong.Reject
	if *server != "" {
		b, rejects, err = importRemote(ctx, *server, *key, *code, filepath.Base(*file), f, *mode, *sheet, &countingReader{r: in, bar: bar})
	} else {
		b, rejects, err = importDirect(ctx, m, *as, *code, filepath.Base(*file), f, *mode, *sheet, in, bar)
	}
	bar.finish()
	if b != nil {
		printBatch(stdout, b, rejects, time.Since(start), *server)
	}
	if err != nil {
		fmt.Fprintln(stderr, "huitong import:", huitong.ErrorMessage(err))
		if huitong.ErrorCode(err) == huitong.EINTERNAL {
			fmt.Fprintln(stderr, "  ", err)
		}
		return exitError(2)
	}
	return nil
}

func openInput(path string) (io.ReadCloser, int64, error) {
	if path == "-" {
		return io.NopCloser(os.Stdin), 0, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if st.IsDir() {
		f.Close()
		return nil, 0, errors.New("is a directory")
	}
	return f, st.Size(), nil
}

// importDirect opens the database and delivers as the provider's system
// (a principal of the provider department with staff rights; the audit
// entries say source cli), or as the account --as names.
func importDirect(ctx context.Context, m *app.Main, as, code, name, format, mode, sheet string, in io.Reader, bar *progress) (*huitong.Batch, []huitong.Reject, error) {
	if err := m.Open(ctx); err != nil {
		return nil, nil, err
	}
	defer m.Close()
	sys := huitong.WithPrincipal(ctx, huitong.System)
	res, err := m.Catalog.Published(sys, code)
	if err != nil {
		return nil, nil, err
	}
	p := &huitong.Principal{Username: "import", Department: res.Provider, Roles: []huitong.Role{huitong.RoleStaff}}
	if as != "" {
		users, err := m.DB.Users(ctx, huitong.UserFilter{Username: as})
		if err != nil {
			return nil, nil, err
		}
		if len(users) == 0 || users[0].Disabled {
			return nil, nil, fmt.Errorf("no active account %q", as)
		}
		u := users[0]
		p = &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles}
	}
	pctx := huitong.WithPrincipal(ctx, p)
	b, err := m.Ingest.Deliver(pctx, code, &countingReader{r: in, bar: bar}, ingest.Options{Format: format, Mode: huitong.DeliveryMode(mode), Sheet: sheet,
		FileName: name, Source: "cli", Progress: bar.rows})
	if b == nil {
		return nil, nil, err
	}
	rejects, _, rerr := m.Ingest.Rejects(pctx, b.ID, huitong.SeverityReject, 0, 10)
	if err == nil {
		err = rerr
	}
	return b, rejects, err
}

// importRemote posts the file to a server with the API key.
func importRemote(ctx context.Context, server, key, code, name, format, mode, sheet string, body io.Reader) (*huitong.Batch, []huitong.Reject, error) {
	if key == "" {
		return nil, nil, errors.New("--key (or HUITONG_API_KEY) is required with --server")
	}
	base := strings.TrimRight(server, "/") + "/api/v1"
	q := url.Values{"mode": {mode}, "filename": {name}}
	if format != "" {
		q.Set("format", format)
	}
	if sheet != "" {
		q.Set("sheet", sheet)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/resources/"+code+"/batches?"+q.Encode(), body)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	ct := map[string]string{ingest.FormatCSV: "text/csv", ingest.FormatXLSX: ingest.XLSXType, ingest.FormatNDJSON: "application/x-ndjson"}[format]
	if ct == "" {
		ct = "application/octet-stream"
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct {
				Code, Message string
			} `json:"error"`
		}
		if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
			return nil, nil, huitong.Errorf(e.Error.Code, "%s (HTTP %d)", e.Error.Message, resp.StatusCode)
		}
		return nil, nil, fmt.Errorf("server answered %s", resp.Status)
	}
	var b huitong.Batch
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, nil, fmt.Errorf("server answer: %w", err)
	}
	var rj struct {
		Items []huitong.Reject `json:"items"`
	}
	if req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/batches/%d/rejects?limit=10", base, b.ID), nil); err == nil {
		req.Header.Set("Authorization", "Bearer "+key)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			json.NewDecoder(resp.Body).Decode(&rj)
			resp.Body.Close()
		}
	}
	return &b, rj.Items, nil
}

func printBatch(w io.Writer, b *huitong.Batch, rejects []huitong.Reject, took time.Duration, server string) {
	status := map[huitong.BatchStatus]string{huitong.BatchDone: "完成", huitong.BatchFailed: "失败", huitong.BatchRunning: "处理中"}[b.Status]
	fmt.Fprintf(w, "批次 %d  资源 %s  %s  状态 %s (%s)\n", b.ID, b.Resource, map[huitong.DeliveryMode]string{huitong.ModeFull: "全量", huitong.ModeIncremental: "增量"}[b.Mode], b.Status, status)
	fmt.Fprintf(w, "  读取 %d 行: 接收(accepted) %d, 拒收(rejected) %d; 新增 %d, 更新 %d, 未变 %d, 删除 %d, 一致性警告 %d\n",
		b.Received, b.Accepted, b.Rejected, b.Inserted, b.Updated, b.Unchanged, b.Deleted, b.Warnings)
	fmt.Fprintf(w, "  编码 %s, %.1f MiB, 用时 %s\n", b.Encoding, float64(b.Size)/(1<<20), took.Round(time.Millisecond))
	if b.DuplicateOf != 0 {
		fmt.Fprintf(w, "  与批次 %d 内容相同(重复交付)\n", b.DuplicateOf)
	}
	if len(b.Report.UnknownColumns) > 0 {
		fmt.Fprintf(w, "  未识别的列: %s\n", strings.Join(b.Report.UnknownColumns, "、"))
	}
	for _, c := range b.Report.Cleaning {
		fmt.Fprintf(w, "  清洗: %s %s × %d\n", c.Item, c.Kind, c.Count)
	}
	for _, n := range b.Report.Notes {
		fmt.Fprintf(w, "  说明: %s\n", n)
	}
	if q := b.Quality; q != nil {
		fmt.Fprintf(w, "  质量: 完整性 %.1f 有效性 %.1f 唯一性 %.1f 一致性 %.1f 及时性 %.1f 综合 %.1f\n",
			q.Completeness, q.Validity, q.Uniqueness, q.Consistency, q.Timeliness, q.Overall)
	}
	if b.Error != "" {
		fmt.Fprintf(w, "  错误: %s\n", b.Error)
	}
	if len(rejects) > 0 {
		fmt.Fprintf(w, "  拒收明细(前 %d 条):\n", len(rejects))
		for _, r := range rejects {
			fmt.Fprintf(w, "    第 %d 行 %s [%s] “%s”: %s\n", r.Row, r.Item, r.Rule, r.Value, r.Message)
		}
		where := fmt.Sprintf("GET /api/v1/batches/%d/rejects?format=xlsx", b.ID)
		if server != "" {
			where = strings.TrimRight(server, "/") + fmt.Sprintf("/api/v1/batches/%d/rejects?format=xlsx", b.ID)
		}
		fmt.Fprintf(w, "  全部拒收行(可修改后重新交付): %s\n", where)
	}
}

// progress draws a progress bar on stderr: bytes read against the file
// size, and the rows committed so far.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	size     int64
	read     int64
	p        ingest.Progress
	last     time.Time
	off      bool
	finished bool
}

func newProgress(w io.Writer, size int64, off bool) *progress {
	return &progress{w: w, size: size, off: off}
}

func (p *progress) bytes(n int) {
	p.mu.Lock()
	p.read += int64(n)
	p.draw(false)
	p.mu.Unlock()
}

func (p *progress) rows(pr ingest.Progress) {
	p.mu.Lock()
	p.p = pr
	p.draw(false)
	p.mu.Unlock()
}

func (p *progress) draw(force bool) {
	if p.off || (!force && time.Since(p.last) < 200*time.Millisecond) {
		return
	}
	p.last = time.Now()
	const width = 30
	frac := 0.0
	if p.size > 0 {
		frac = min(1, float64(p.read)/float64(p.size))
	}
	n := int(frac * width)
	fmt.Fprintf(p.w, "\r[%s%s] %5.1f%% %8.1f MiB  已确认 %d 行, 拒收 %d 行 ", strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100,
		float64(p.read)/(1<<20), p.p.Accepted, p.p.Rejected)
}

func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.off || p.finished {
		return
	}
	p.finished = true
	p.draw(true)
	fmt.Fprintln(p.w)
}

// countingReader reports bytes read to the progress bar.
type countingReader struct {
	r   io.Reader
	bar *progress
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.bar.bytes(n)
	return n, err
}
