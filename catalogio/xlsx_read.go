package catalogio

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"

	"huitong"
)

// Limits on what an uploaded workbook may unpack to. A 20 MiB xlsx of
// ordinary text unpacks to a few hundred MiB at most; anything beyond is a
// zip bomb.
const (
	maxUnzip    = 512 << 20
	maxUnzipXML = 64 << 20 // larger worksheets are parsed from a temporary file
)

// sheetRow is one non-blank row of a sheet with its Excel row number.
type sheetRow struct {
	n     int
	cells []string
}

// sheetData is a sheet read whole: its header (row 1) and data rows.
type sheetData struct {
	header []string
	rows   []sheetRow
}

func readSheet(f *excelize.File, sheet string) (*sheetData, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	d := &sheetData{}
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns()
		if err != nil {
			return nil, err
		}
		if n == 1 {
			d.header = cells
			continue
		}
		if slices.ContainsFunc(cells, func(c string) bool { return strings.TrimSpace(c) != "" }) {
			d.rows = append(d.rows, sheetRow{n: n, cells: cells})
		}
	}
	return d, rows.Error()
}

// normHeader drops the white space and the required-column asterisks that
// hand-made templates put in headers.
func normHeader(h string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '*' || r == '＊' {
			return -1
		}
		return r
	}, h)
}

// columns maps the headers of a sheet to cell indexes. Unknown and repeated
// headers are reported as warnings; missing required ones as errors, and
// then ok is false.
func (im *importer) columns(sheet string, header []string, cols []column) (idx map[string]int, ok bool) {
	idx = map[string]int{}
	for j, raw := range header {
		h := normHeader(raw)
		if h == "" {
			continue
		}
		if !slices.ContainsFunc(cols, func(c column) bool { return c.header == h }) {
			im.add(sheet, 1, h, "unknown_column", raw, "未识别的列“%s”，已忽略该列", h)
			continue
		}
		if first, dup := idx[h]; dup {
			name, _ := excelize.ColumnNumberToName(first + 1)
			im.add(sheet, 1, h, "duplicate_column", raw, "列“%s”重复出现，只读取第一个(第 %s 列)", h, name)
			continue
		}
		idx[h] = j
	}
	ok = true
	for _, c := range cols {
		if _, has := idx[c.header]; c.required && !has {
			im.add(sheet, 1, c.header, "missing_column", "", "缺少必填列“%s”，请使用导入模板的表头", c.header)
			ok = false
		}
	}
	return idx, ok
}

func cell(cells []string, idx map[string]int, header string) string {
	j, ok := idx[header]
	if !ok || j >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[j])
}

// readXLSX reads the entries sheet and the items sheet into entries. A
// file-level problem is an error; a sheet that cannot be used (missing
// required columns, no items sheet) is reported and gives no entries.
func (im *importer) readXLSX(data []byte) ([]*entry, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: maxUnzip, UnzipXMLSizeLimit: maxUnzipXML})
	if err != nil {
		return nil, huitong.Errorf(huitong.EINVALID, "无法读取 Excel 工作簿：文件不是 .xlsx 格式或已损坏(旧版 .xls 和 CSV 请先在 Excel 中另存为 .xlsx)")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	switch {
	case im.opt.Sheet != "":
		if !slices.Contains(sheets, im.opt.Sheet) {
			return nil, huitong.Errorf(huitong.EINVALID, "工作簿中没有工作表“%s”，现有工作表：%s", im.opt.Sheet, strings.Join(sheets, "、"))
		}
		im.sheet = im.opt.Sheet
	case slices.Contains(sheets, SheetEntries):
		im.sheet = SheetEntries
	case len(sheets) > 0:
		im.sheet = sheets[0]
	default:
		return nil, huitong.Errorf(huitong.EINVALID, "工作簿中没有工作表")
	}
	im.itemSheet = SheetItems

	es, err := readSheet(f, im.sheet)
	if err != nil {
		return nil, huitong.Errorf(huitong.EINVALID, "无法读取工作表“%s”：文件已损坏或超出大小限制", im.sheet)
	}
	if !slices.ContainsFunc(es.header, func(c string) bool { return strings.TrimSpace(c) != "" }) {
		return nil, huitong.Errorf(huitong.EINVALID, "工作表“%s”没有表头：第 1 行应为列名(信息资源名称、信息资源摘要……)，请使用导入模板", im.sheet)
	}
	im.rep.Rows = len(es.rows)
	ecols, ok := im.columns(im.sheet, es.header, entryColumns)

	var is *sheetData
	if im.sheet == SheetItems || !slices.Contains(sheets, SheetItems) {
		im.add(SheetItems, 0, "", "missing_sheet", "", "工作簿中没有“%s”工作表：每个信息资源须至少登记一个信息项", SheetItems)
		ok = false
	} else if is, err = readSheet(f, SheetItems); err != nil {
		return nil, huitong.Errorf(huitong.EINVALID, "无法读取工作表“%s”：文件已损坏或超出大小限制", SheetItems)
	}
	var icols map[string]int
	if is != nil {
		var iok bool
		icols, iok = im.columns(SheetItems, is.header, itemColumns)
		_, hasSeq := icols[colItemSeq]
		_, hasCode := icols[colCode]
		if !hasSeq && !hasCode {
			im.add(SheetItems, 1, colItemSeq, "missing_column", "", "缺少列“%s”或“%s”：无法确定信息项属于哪个信息资源", colItemSeq, colCode)
			iok = false
		}
		ok = ok && iok
	}
	if !ok {
		return nil, nil // nothing can be imported until the header is fixed
	}

	entries := make([]*entry, 0, len(es.rows))
	byCode, bySeq := map[string]*entry{}, map[string]*entry{}
	for _, row := range es.rows {
		get := func(h string) string { return cell(row.cells, ecols, h) }
		seq := get(colSeq)
		if seq == exampleMarker {
			im.add(im.sheet, row.n, colSeq, "example_row", seq, "模板示例行，已跳过")
			im.rep.Rows--
			continue
		}
		e := &entry{row: row.n, seq: seq, code: get(colCode), failed: map[string]bool{}}
		entries = append(entries, e)
		if e.code != "" {
			if first := byCode[e.code]; first != nil {
				im.fail(e, "code", "unique", e.code, "信息资源代码 %s 与第 %d 行重复", e.code, first.row)
			} else {
				byCode[e.code] = e
			}
		}
		if e.seq != "" {
			if first := bySeq[e.seq]; first != nil {
				im.fail(e, "seq", "unique", e.seq, "序号 %s 与第 %d 行重复", e.seq, first.row)
			} else {
				bySeq[e.seq] = e
			}
		}
		im.parseEntry(e, get)
	}

	for _, row := range is.rows {
		get := func(h string) string { return cell(row.cells, icols, h) }
		seqRef, codeRef := get(colItemSeq), get(colCode)
		if seqRef == exampleMarker && codeRef == "" {
			continue // items of the template's example entry, skipped with it
		}
		var e *entry
		if codeRef != "" {
			if e = byCode[codeRef]; e == nil {
				e = bySeq[codeRef] // a 序号 typed into the code column
			}
		}
		if e == nil && seqRef != "" {
			e = bySeq[seqRef]
		}
		switch {
		case e != nil:
		case codeRef == "" && seqRef == "":
			im.add(SheetItems, row.n, colItemSeq, "required", "", "须填写所属信息资源的“%s”或“%s”", colItemSeq, colCode)
			continue
		case codeRef != "":
			im.add(SheetItems, row.n, colCode, "link", codeRef, "所属信息资源“%s”不在“%s”表中", codeRef, im.sheet)
			continue
		default:
			im.add(SheetItems, row.n, colItemSeq, "link", seqRef, "资源序号“%s”在“%s”表中不存在", seqRef, im.sheet)
			continue
		}
		im.parseItem(e, row.n, get)
	}
	return entries, nil
}

// parseEntry fills e from one row of the entries sheet.
func (im *importer) parseEntry(e *entry, get func(string) string) {
	r := &e.res
	col := func(field string) string { return get(headerOf(entryColumns, field)) }
	r.Name = col("name")
	r.Abstract = col("abstract")
	r.Classification = huitong.Classification{
		Class:    huitong.Class(im.enum(e, "classification.class", "class", col("classification.class"))),
		Item:     padDigits(col("classification.item"), 2),
		Category: padDigits(col("classification.category"), 3),
		Detail:   col("classification.detail"),
	}
	r.Provider = col("provider")
	r.Format = huitong.Format(im.enum(e, "format", "format", col("format")))
	r.ShareType = huitong.ShareType(im.enum(e, "shareType", "shareType", col("shareType")))
	r.ShareCondition = col("shareCondition")
	r.LegalBasis = col("legalBasis")
	for _, m := range splitList(col("shareMethods")) {
		if v := im.enum(e, "shareMethods", "shareMethod", m); v != "" {
			r.ShareMethods = append(r.ShareMethods, huitong.ShareMethod(v))
		}
	}
	r.OpenType = huitong.OpenType(im.enum(e, "openType", "openType", col("openType")))
	r.OpenCondition = col("openCondition")
	r.UpdateCycle = huitong.UpdateCycle(im.enum(e, "updateCycle", "updateCycle", col("updateCycle")))
	r.Related = splitCodes(col("related"))
	r.Keywords = splitList(col("keywords"))
	r.Mount.Kind = huitong.MountKind(im.enum(e, "mount.kind", "mount", col("mount.kind")))
	switch loc := get(colLocation); r.Mount.Kind {
	case huitong.MountAPI:
		r.Mount.URL = loc
	case huitong.MountFile:
		r.Mount.Path = loc
	case huitong.MountTable:
		r.Mount.Table = loc // replaced by the platform's name on import
	}
	r.Mount.Method = col("mount.method")
	r.Mount.Comment = col("mount.comment")
}

// parseItem appends the item of one row of the items sheet to e.
func (im *importer) parseItem(e *entry, row int, get func(string) string) {
	i := len(e.res.Items)
	e.res.Items = append(e.res.Items, huitong.Item{})
	e.itemRows = append(e.itemRows, row)
	it := &e.res.Items[i]
	field := func(name string) string { return "items[" + strconv.Itoa(i) + "]." + name }
	col := func(name string) string { return get(headerOf(itemColumns, name)) }
	it.Name = col("name")
	it.Code = col("code")
	it.Type = huitong.ItemType(im.enum(e, field("type"), "itemType", col("type")))
	if s := col("length"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			// A numeric cell may come back as "20.0" or "2E+1".
			if fl, ferr := strconv.ParseFloat(s, 64); ferr == nil && fl == math.Trunc(fl) && math.Abs(fl) <= 1e9 {
				n, err = int(fl), nil
			}
		}
		if err != nil {
			e.failed[field("length")] = true
			im.fail(e, field("length"), "integer", s, "长度应为整数，现为“%s”", s)
		}
		it.Length = n
	}
	flag := func(name string, dst *bool) {
		s := col(name)
		v, ok := parseBool(s)
		if !ok {
			e.failed[field(name)] = true
			im.fail(e, field(name), "enum", s, "%s应填“是”或“否”，现为“%s”", itemLabel(name), s)
		}
		*dst = v
	}
	flag("required", &it.Required)
	flag("key", &it.Key)
	flag("sensitive", &it.Sensitive)
	it.KeyKind = huitong.KeyKind(im.enum(e, field("keyKind"), "keyKind", col("keyKind")))
	it.ShareType = huitong.ShareType(im.enum(e, field("shareType"), "shareType", col("shareType")))
	it.OpenType = huitong.OpenType(im.enum(e, field("openType"), "openType", col("openType")))
	it.DataElement = col("dataElement")
	it.Description = col("description")
	if e.failed[field("length")] {
		it.Length = 0
	}
}
