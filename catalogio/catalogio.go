// Package catalogio exports and imports the government information resource
// catalog (政务信息资源目录) as JSON and as Excel workbooks (.xlsx, the sheet
// departments fill in today), so that a province can load the catalog it
// already keeps in spreadsheets and take it out again.
//
// The workbook has two sheets: 信息资源, one row per catalog entry with the
// catalog elements of 《政务信息资源目录编制指南(试行)》, and 信息项, one row per
// item, linked to its entry by 信息资源代码 or 资源序号. Enumerations are
// written as their Chinese labels; import accepts a label or the API value.
package catalogio

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"huitong"
)

// Format is a file format of the catalog exchange.
type Format string

// Formats.
const (
	JSON Format = "json" // {"version":1,"exportedAt":...,"items":[Resource...]}
	XLSX Format = "xlsx" // workbook with sheets 信息资源 and 信息项
)

// Sheet names of the workbook.
const (
	SheetEntries = "信息资源"
	SheetItems   = "信息项"
)

// MaxFileSize is the largest file Import reads: 20 MiB.
const MaxFileSize = 20 << 20

// Version is the version of the JSON export format.
const Version = 1

// exampleMarker in the 序号 column marks the template's example row, which
// Import skips with a warning.
const exampleMarker = "示例"

// Column headers that the code refers to by name.
const (
	colSeq      = "序号"
	colCode     = "信息资源代码"
	colName     = "信息资源名称"
	colLocation = "接口地址/库表/文件位置"
	colItemSeq  = "资源序号"
	colItemName = "信息项名称"
	colItemType = "数据类型"
	colItems    = "信息项" // not a column: Validate's "items" errors point at the entry row
)

// column is one column of a sheet: its header, the API field it fills
// (dotted path as catalog.Validate names it), whether the header must be
// present, and the enumeration offered as a drop-down.
type column struct {
	header   string
	field    string
	required bool
	enum     string // enumeration name for huitong.Label, "bool" for 是/否
	prompt   string // input hint shown in the template
	width    float64
	text     bool // the column holds codes: format as text so Excel keeps leading zeros
	ignored  bool // set by the platform: exported, ignored on import
}

// entryColumns are the columns of the 信息资源 sheet, in order.
var entryColumns = []column{
	{header: colSeq, field: "seq", width: 6, text: true, prompt: "本表内的序号，信息项表用“资源序号”引用；新登记资源没有代码时必填"},
	{header: colCode, field: "code", width: 18, text: true, prompt: "平台赋予的代码，新登记时留空"},
	{header: colName, field: "name", required: true, width: 28},
	{header: "信息资源摘要", field: "abstract", required: true, width: 40},
	{header: "类", field: "classification.class", required: true, enum: "class", width: 14},
	{header: "项", field: "classification.item", required: true, width: 5, text: true, prompt: "2 位数字，如 01"},
	{header: "目", field: "classification.category", required: true, width: 5, text: true, prompt: "3 位数字，如 001"},
	{header: "细目", field: "classification.detail", width: 6, text: true, prompt: "1-6 位数字，可空"},
	{header: "提供方代码", field: "provider", width: 20, text: true, prompt: "提供方部门的统一社会信用代码，留空为本部门"},
	{header: "信息资源格式", field: "format", required: true, enum: "format", width: 12},
	{header: "共享类型", field: "shareType", required: true, enum: "shareType", width: 12},
	{header: "共享条件", field: "shareCondition", width: 20, prompt: "有条件共享时必填"},
	{header: "不予共享依据", field: "legalBasis", width: 20, prompt: "不予共享时必填：法律、行政法规或国家政策依据"},
	{header: "共享方式", field: "shareMethods", width: 18, prompt: "多个方式用“、”分隔：系统对接、联机查询、在线浏览、调用服务、下载、拷贝"},
	{header: "开放类型", field: "openType", required: true, enum: "openType", width: 12},
	{header: "开放条件", field: "openCondition", width: 20, prompt: "有条件开放时必填"},
	{header: "更新周期", field: "updateCycle", required: true, enum: "updateCycle", width: 10},
	{header: "关联资源代码", field: "related", width: 18, text: true, prompt: "多个用“、”分隔；可填本表中的信息资源代码或序号"},
	{header: "关键词", field: "keywords", width: 18, prompt: "多个用“、”分隔"},
	{header: "挂接方式", field: "mount.kind", required: true, enum: "mount", width: 10},
	{header: colLocation, field: "mount.location", width: 30, prompt: "部门接口填 http(s) 地址；文件填存放位置；平台库表由平台命名，可留空"},
	{header: "接口方法", field: "mount.method", width: 8, prompt: "GET 或 POST，部门接口时填写"},
	{header: "挂接说明", field: "mount.comment", width: 20},
	{header: "状态", field: "status", width: 8, ignored: true},
	{header: "版本", field: "version", width: 6, ignored: true},
	{header: "发布日期", field: "publishedAt", width: 12, ignored: true},
}

// itemColumns are the columns of the 信息项 sheet, in order.
var itemColumns = []column{
	{header: colItemSeq, width: 8, text: true, prompt: "所属信息资源在“信息资源”表中的序号"},
	{header: colCode, width: 18, text: true, prompt: "所属信息资源的代码；与资源序号二选一"},
	{header: colItemName, field: "name", required: true, width: 20},
	{header: "信息项代码", field: "code", width: 14, text: true, prompt: "字母开头，字母、数字、下划线"},
	{header: colItemType, field: "type", required: true, enum: "itemType", width: 10},
	{header: "长度", field: "length", width: 6},
	{header: "是否必填", field: "required", enum: "bool", width: 8},
	{header: "是否主键", field: "key", enum: "bool", width: 8},
	{header: "主键类型", field: "keyKind", enum: "keyKind", width: 16},
	{header: "是否敏感", field: "sensitive", enum: "bool", width: 8},
	{header: "共享类型", field: "shareType", enum: "shareType", width: 12},
	{header: "开放类型", field: "openType", enum: "openType", width: 12},
	{header: "数据元", field: "dataElement", width: 14, prompt: "GB/T 19488 数据元标识符"},
	{header: "说明", field: "description", width: 24},
}

// headerOf returns the header of the column filling field, or "".
func headerOf(cols []column, field string) string {
	for _, c := range cols {
		if c.field == field {
			return c.header
		}
	}
	return ""
}

// entryLabel names an entry-level field of catalog.Validate as the person
// sees it in the workbook.
func entryLabel(field string) string {
	switch field {
	case "mount.url", "mount.path", "mount.table":
		return colLocation
	case "items":
		return colItems
	}
	if h := headerOf(entryColumns, field); h != "" {
		return h
	}
	return field
}

// itemLabel names an item field ("type", "keyKind") as a column of 信息项.
func itemLabel(field string) string {
	if h := headerOf(itemColumns, field); h != "" {
		return h
	}
	return field
}

// RowError is one problem found in the file: where (sheet and row as the
// person sees them in Excel, the header being row 1; for JSON Sheet is empty
// and Row is the 1-based position in "items"), which column or field, the
// rule broken (a stable machine-readable name) and a message in Chinese.
// Rules "unknown_column", "duplicate_column", "unknown_field", "example_row"
// and "related" are warnings: the import went on.
type RowError struct {
	Sheet   string `json:"sheet,omitempty"`
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	Value   string `json:"value,omitempty"` // the offending value, at most 100 runes
}

// Report is the outcome of an Import. Rows counts the entries found in the
// file; Created those registered (for a dry run: those that would be);
// Skipped the rest (bad rows and duplicates). Codes lists the codes of the
// created entries in file order (empty for a dry run).
type Report struct {
	Rows    int        `json:"rows"`
	Created int        `json:"created"`
	Skipped int        `json:"skipped"`
	Codes   []string   `json:"codes"`
	Errors  []RowError `json:"errors"`
}

// Options tune an Import.
type Options struct {
	Submit bool   // submit each created draft for review
	DryRun bool   // validate and report, create nothing
	Sheet  string // xlsx: the entries sheet; default 信息资源, else the first sheet
}

// maxValue is how many runes of an offending value a RowError repeats.
const maxValue = 100

// shown prepares a value for a RowError: control and bidirectional
// formatting characters, which could hide content from the reader, become
// U+FFFD, and the result is cut to maxValue runes.
func shown(s string) string {
	s = strings.Map(func(r rune) rune {
		if (unicode.IsControl(r) && r != '\n' && r != '\t') || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return utf8.RuneError
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > maxValue {
		s = string([]rune(s)[:maxValue-1]) + "…"
	}
	return s
}

// parseEnum maps s, an API value (letters in any case) or a Chinese label
// of the named enumeration, to the API value. Empty s gives "", true.
func parseEnum(enum, s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, v := range huitong.Values(enum) {
		if s == v || strings.EqualFold(s, v) || s == huitong.Label(enum, v) {
			return v, true
		}
	}
	return s, false
}

// choices lists an enumeration for a message: 无条件共享(unconditional) / ...
func choices(enum string) string {
	vs := huitong.Values(enum)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = huitong.Label(enum, v) + "(" + v + ")"
	}
	return strings.Join(out, " / ")
}

// labels lists the Chinese labels of an enumeration, for drop-downs.
func labels(enum string) []string {
	if enum == "bool" {
		return []string{"是", "否"}
	}
	vs := huitong.Values(enum)
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = huitong.Label(enum, v)
	}
	return out
}

// parseBool reads 是/否 and the usual spreadsheet spellings.
func parseBool(s string) (v, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "是", "y", "yes", "true", "1", "√":
		return true, true
	case "", "否", "n", "no", "false", "0", "×":
		return false, true
	}
	return false, false
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// splitList splits a cell holding several values separated by 、 , ， ; ；
// or line breaks, dropping blanks.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		switch r {
		case '、', ',', '，', ';', '；', '\n', '\r':
			return true
		}
		return false
	})
	out := f[:0]
	for _, v := range f {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// splitCodes also splits on white space: codes never contain it.
func splitCodes(s string) []string {
	var out []string
	for _, part := range splitList(s) {
		out = append(out, strings.Fields(part)...)
	}
	return out
}

// padDigits restores leading zeros Excel drops from a number typed into a
// code cell: 项 "1" is "01". Only all-digit values shorter than n are padded.
func padDigits(s string, n int) string {
	if s == "" || len(s) >= n || strings.Trim(s, "0123456789") != "" {
		return s
	}
	return strings.Repeat("0", n-len(s)) + s
}

// cloneResource copies r deeply enough that Validate and Create, which
// normalise in place, leave the original alone.
func cloneResource(r *huitong.Resource) *huitong.Resource {
	c := *r
	c.Items = append([]huitong.Item(nil), r.Items...)
	c.ShareMethods = append([]huitong.ShareMethod(nil), r.ShareMethods...)
	c.Related = append([]string(nil), r.Related...)
	c.Keywords = append([]string(nil), r.Keywords...)
	return &c
}
