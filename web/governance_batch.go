package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"huitong"
	"huitong/ingest"
)

// rejectsPageSize is how many rejects the batch report lists a page.
const rejectsPageSize = 100

// batchRefreshSeconds is how often the report of a running batch reloads.
const batchRefreshSeconds = 5

// cleaningLabel names a kind of light cleaning (huitong.Cleaning.Kind).
func cleaningLabel(kind string) string {
	switch kind {
	case "trim":
		return "去除首尾空白"
	case "fullwidth":
		return "全角数字、字母转半角"
	case "upper_x":
		return "身份证号码末位 x 转大写 X"
	case "upper":
		return "统一社会信用代码字母转大写"
	case "date_format":
		return "日期统一为 年-月-日"
	case "datetime_format":
		return "日期时间统一格式"
	case "number_format":
		return "数值去除千分位等格式"
	case "bool_format":
		return "逻辑值统一为 是/否"
	case "mobile_format":
		return "手机号码去除空格、区号前缀"
	case "excel_date":
		return "Excel 日期序号转日期"
	case "merged":
		return "合并单元格的值填入其覆盖的单元格"
	}
	return kind
}

// ruleLabel names a validation rule (huitong.Reject.Rule) in Chinese; the
// rule's machine name stays visible beside it.
func ruleLabel(rule string) string {
	exact := map[string]string{
		"required": "必填项为空", "length": "超过长度", "type": "类型不符", "charset": "含非法字符", "enum": "不在代码集内",
		"duplicate": "主键在本批次中重复", "encoding": "编码无法识别", "columns": "列数不符", "too_long": "行过长", "quote": "引号不配对",
		"formula": "单元格为公式", "json": "JSON 格式错误", "date": "日期无效", "datetime": "日期时间无效", "phone": "电话号码无效",
		"mobile": "手机号码无效", "format": "格式错误", "key": "主键无效",
		"consistency.sex": "性别与身份证号码不符", "consistency.birthdate": "出生日期与身份证号码不符",
	}
	if l, ok := exact[rule]; ok {
		return l
	}
	detail := map[string]string{
		"checkdigit": "校验码错误", "birthdate": "出生日期无效", "address": "地址码不是真实的行政区划", "length": "位数错误",
		"charset": "含非法字符", "format": "格式错误", "empty": "为空",
	}
	for prefix, name := range map[string]string{"citizen_id.": "公民身份号码", "uscc.": "统一社会信用代码", "division.": "行政区划代码", "enum.": "代码值"} {
		if rest, ok := strings.CutPrefix(rule, prefix); ok {
			if d, ok := detail[rest]; ok {
				return name + d
			}
			return name + "不符合标准"
		}
	}
	if strings.HasPrefix(rule, "division") {
		return "行政区划代码不存在"
	}
	return rule
}

// rejectRow is one broken rule of a row, as the report lists it.
type rejectRow struct {
	huitong.Reject
	RuleName string
}

// cleaningRow is one kind of cleaning applied to an item.
type cleaningRow struct {
	Item, Kind string
	Count      int
}

// batchData is the batch report.
type batchData struct {
	B           batchRow
	Refresh     int // seconds between reloads while running; 0 when finished
	Cells       []scoreCell
	Cleaning    []cleaningRow
	Severity    string // reject or warning: the list shown
	Rejects     []rejectRow
	Total       int
	Pager       pager
	Hidden      string // why the rejects are not listed
	CanDownload bool
}

func (s *Server) batchPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := s.Ingest.Batch(ctx, id)
	if err != nil {
		return err
	}
	d := &batchData{B: batchRow{Batch: b, ResourceName: s.resourceName(ctx, b.Resource)}, Cells: scoreCells(b.Quality),
		Severity: huitong.SeverityReject}
	if r.URL.Query().Get("severity") == huitong.SeverityWarning {
		d.Severity = huitong.SeverityWarning
	}
	for _, c := range b.Report.Cleaning {
		d.Cleaning = append(d.Cleaning, cleaningRow{Item: c.Item, Kind: cleaningLabel(c.Kind), Count: c.Count})
	}
	page := pageParam(r)
	list, total, err := s.Ingest.Rejects(ctx, id, d.Severity, (page-1)*rejectsPageSize, rejectsPageSize)
	switch huitong.ErrorCode(err) {
	case "":
		for _, x := range list {
			d.Rejects = append(d.Rejects, rejectRow{Reject: x, RuleName: ruleLabel(x.Rule)})
		}
		d.Total, d.CanDownload = total, b.Rejected > 0
		kept := url.Values{}
		if d.Severity == huitong.SeverityWarning {
			kept.Set("severity", d.Severity)
		}
		d.Pager = listPager("/governance/batches/"+strconv.FormatInt(id, 10), kept, page, rejectsPageSize, total)
	case huitong.EFORBIDDEN:
		d.Hidden = huitong.ErrorMessage(err)
	default:
		return err
	}
	if b.Status == huitong.BatchRunning {
		// The Refresh header reloads the report without any script; the
		// page says so, and stops once the batch has finished.
		d.Refresh = batchRefreshSeconds
		w.Header().Set("Refresh", strconv.Itoa(batchRefreshSeconds))
	}
	return s.render(w, r, http.StatusOK, "governance_batch", s.newView(r, rq, fmt.Sprintf("批次 %d", id), "governance", d))
}

// countingWriter tells whether anything reached the client yet.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// rejectsFile downloads a batch's rejected rows as a file to correct and
// deliver again: the columns as delivered plus 错误说明 (see
// ingest.Service.ExportRejects). The provider's staff only, as for the
// list: the rows may hold personal data.
func (s *Server) rejectsFile(format string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		ctx := r.Context()
		id, err := pathID(r)
		if err != nil {
			return err
		}
		b, err := s.Ingest.Batch(ctx, id)
		if err != nil {
			return err
		}
		// Check access before the first byte goes out.
		if _, _, err := s.Ingest.Rejects(ctx, id, "", 0, 1); err != nil {
			return err
		}
		ascii := fmt.Sprintf("batch-%d-rejects.%s", id, format)
		name := fmt.Sprintf("%s-批次%d-拒收数据.%s", fileSafe(s.resourceName(ctx, b.Resource)), id, format)
		h := w.Header()
		if format == "csv" {
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			h.Set("Content-Type", ingest.XLSXType)
		}
		h.Set("Content-Disposition", attachment(ascii, name))
		cw := &countingWriter{w: w}
		if err := s.Ingest.ExportRejects(ctx, id, format, cw); err != nil {
			if cw.n == 0 {
				h.Del("Content-Disposition")
				return err
			}
			// The file is cut short; the client sees a broken download.
			s.Log.ErrorContext(ctx, "web: rejects export failed", "batch", id, "format", format, "err", err)
		}
		return nil
	}
}

// fileSafe keeps letters, digits, - and _ of a name for a file name, and
// replaces anything else with _.
func fileSafe(s string) string {
	out := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	if rs := []rune(out); len(rs) > 60 {
		out = string(rs[:60])
	}
	return out
}

// attachment is a Content-Disposition naming the file: an ASCII fallback
// and the UTF-8 name (RFC 6266, RFC 5987 encoding).
func attachment(ascii, name string) string {
	var b strings.Builder
	for _, c := range []byte(name) {
		// RFC 5987 attr-char; everything else is percent-encoded.
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + b.String()
}
