package ingest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"huitong"
)

// XLSXType is the media type of Excel workbooks.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// xlsxSource reads one sheet of a workbook held in memory. Values come raw
// (number formats not applied): text as typed, numbers as stored, dates as
// Excel serial numbers (converted for date items by the validator). A
// formula cell gives its cached result; one without a cached result is
// rejected. A merged range's value is copied into every cell it covers.
type xlsxSource struct {
	f        *excelize.File
	rows     *excelize.Rows
	row      int        // last row read from the sheet
	cur      int        // row number of the row last returned
	pending  [][]string // rows read while looking for the header
	header   []string
	headerAt int
	cells    []string
	// from the pre-pass over the sheet XML
	merges   []mergeRange
	mergeVal map[[2]int]string // top-left cell -> value, filled as rows go by
	uncached map[[2]int]bool   // formula cells without a cached value
	m        sourceMeta
	keyNames []string // names and codes of the key item, to find the header
}

type mergeRange struct{ r1, c1, r2, c2 int } // 1-based, inclusive

func newXLSXSource(data []byte, sheet string, keyNames []string) (*xlsxSource, error) {
	if m := magic(data); !bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		if m == "" {
			m = "内容不是 xlsx(Office Open XML) 工作簿"
		}
		return nil, unreadable("format", "Excel 文件无法读取: %s", m)
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 1 << 30})
	if err != nil {
		return nil, unreadable("format", "Excel 文件无法读取: %v", err)
	}
	s := &xlsxSource{f: f, mergeVal: map[[2]int]string{}, keyNames: keyNames}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, unreadable("empty", "Excel 文件中没有工作表")
	}
	switch {
	case sheet == "":
		sheet = sheets[0]
	case !slices.Contains(sheets, sheet):
		f.Close()
		return nil, unreadable("sheet", "Excel 文件中没有名为“%s”的工作表；现有工作表: %s", sheet, strings.Join(sheets, "、"))
	}
	s.m.sheet = sheet
	for _, o := range sheets {
		if o != sheet {
			s.m.otherSheets = append(s.m.otherSheets, o)
		}
	}
	if len(s.m.otherSheets) > 0 {
		s.m.notes = append(s.m.notes, fmt.Sprintf("只读取了工作表“%s”，其余工作表(%s)未读取；如需交付其他工作表请指定 sheet 参数", sheet, strings.Join(s.m.otherSheets, "、")))
	}
	s.m.excelDates, s.m.encoding = true, "xlsx"
	formulas, err := s.prepass(data, sheet)
	if err != nil {
		f.Close()
		return nil, unreadable("format", "Excel 工作表“%s”无法读取: %v", sheet, err)
	}
	if formulas > 0 {
		s.m.notes = append(s.m.notes, fmt.Sprintf("工作表中有 %d 个公式单元格，取其保存的计算结果", formulas))
	}
	if s.rows, err = f.Rows(sheet); err != nil {
		f.Close()
		return nil, unreadable("format", "Excel 工作表“%s”无法读取: %v", sheet, err)
	}
	if err := s.findHeader(); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *xlsxSource) close() {
	if s.rows != nil {
		s.rows.Close()
	}
	s.f.Close()
}

// findHeader takes the first row (among the first 20) that names the key
// item as the header; rows above it (titles, notes) are skipped. Without
// one, the first non-empty row is the header.
func (s *xlsxSource) findHeader() error {
	var first []string
	firstAt := 0
	var buffered [][]string
	for s.row < 20 && s.rows.Next() {
		s.row++
		cells, err := s.rowCells()
		if err != nil {
			return unreadable("format", "Excel 第 %d 行无法读取: %v", s.row, err)
		}
		buffered = append(buffered, cells)
		if allEmpty(cells) {
			continue
		}
		if first == nil {
			first, firstAt = cells, s.row
		}
		for _, c := range cells {
			if slices.ContainsFunc(s.keyNames, func(k string) bool { return strings.EqualFold(cleanHeader(c), k) }) {
				s.setHeader(cells, s.row)
				s.pending = buffered[s.row:] // nothing after the header yet
				return nil
			}
		}
	}
	if first == nil {
		return unreadable("empty", "工作表“%s”为空：没有表头也没有数据行", s.m.sheet)
	}
	s.setHeader(first, firstAt)
	s.pending = buffered[firstAt:]
	return nil
}

func (s *xlsxSource) setHeader(cells []string, at int) {
	s.headerAt, s.cur = at, at
	s.header = s.header[:0]
	for _, c := range cells {
		s.header = append(s.header, cleanHeader(c))
	}
	for len(s.header) > 0 && s.header[len(s.header)-1] == "" {
		s.header = s.header[:len(s.header)-1]
	}
	s.m.skipped = at - 1
}

func allEmpty(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// rowCells reads the current row's raw values and applies merged ranges.
func (s *xlsxSource) rowCells() ([]string, error) {
	cells, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, err
	}
	for _, m := range s.merges {
		if s.row < m.r1 || s.row > m.r2 {
			continue
		}
		if s.row == m.r1 && m.c1 <= len(cells) {
			s.mergeVal[[2]int{m.r1, m.c1}] = cells[m.c1-1]
		}
		v := s.mergeVal[[2]int{m.r1, m.c1}]
		for c := m.c1; c <= m.c2; c++ {
			if c == m.c1 && s.row == m.r1 {
				continue
			}
			for len(cells) < c {
				cells = append(cells, "")
			}
			if cells[c-1] == "" && v != "" {
				cells[c-1] = v
				if s.m.merged == nil {
					s.m.merged = map[int]map[int]bool{}
				}
				if s.m.merged[s.row] == nil {
					s.m.merged[s.row] = map[int]bool{}
				}
				s.m.merged[s.row][c-1] = true
			}
		}
		if s.row == m.r2 {
			delete(s.mergeVal, [2]int{m.r1, m.c1})
		}
	}
	return cells, nil
}

func (s *xlsxSource) columns() []string { return s.header }
func (s *xlsxSource) meta() *sourceMeta { return &s.m }

func (s *xlsxSource) next() (int, []string, *huitong.Reject, error) {
	for {
		var cells []string
		if len(s.pending) > 0 {
			cells = s.pending[0]
			s.pending = s.pending[1:]
			s.cur++
		} else {
			if !s.rows.Next() {
				if err := s.rows.Error(); err != nil {
					return 0, nil, nil, unreadable("format", "Excel 工作表读取失败: %v", err)
				}
				return 0, nil, nil, io.EOF
			}
			s.row++
			s.cur = s.row
			var err error
			if cells, err = s.rowCells(); err != nil {
				return s.cur, nil, &huitong.Reject{Row: s.cur, Rule: "format", Message: "该行无法读取: " + err.Error()}, nil
			}
		}
		row := s.cur
		if allEmpty(cells) {
			s.m.skipped++
			continue
		}
		for c := range cells {
			if s.uncached[[2]int{row, c + 1}] {
				name := ""
				if c < len(s.header) {
					name = s.header[c]
				}
				return row, nil, &huitong.Reject{Row: row, Item: name, Rule: "formula", Cells: slices.Clone(cells),
					Message: fmt.Sprintf("%s 单元格是公式但没有保存计算结果；请在 Excel 中重新计算并保存，或将公式转为数值", cellName(row, c+1))}, nil
			}
		}
		n := len(cells)
		for n > len(s.header) && strings.TrimSpace(cells[n-1]) == "" {
			n--
		}
		if n > len(s.header) {
			return row, nil, &huitong.Reject{Row: row, Rule: "columns", Cells: slices.Clone(cells),
				Message: fmt.Sprintf("该行在表头以外的第 %d 列还有数据；请检查是否错列", n)}, nil
		}
		s.cells = append(s.cells[:0], cells[:n]...)
		for len(s.cells) < len(s.header) {
			s.cells = append(s.cells, "")
		}
		return row, s.cells, nil, nil
	}
}

func cellName(row, col int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return fmt.Sprintf("R%dC%d", row, col)
	}
	return name
}

// prepass streams the sheet's XML once for what the row iterator does not
// tell: merged ranges, and formula cells without a cached value. It
// returns the number of formula cells.
func (s *xlsxSource) prepass(data []byte, sheet string) (int, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, err
	}
	part, err := sheetPart(zr, sheet)
	if err != nil {
		return 0, err
	}
	var zf *zip.File
	for _, f := range zr.File {
		if f.Name == part {
			zf = f
		}
	}
	if zf == nil {
		return 0, fmt.Errorf("工作表部件 %s 不存在", part)
	}
	rc, err := zf.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	s.uncached = map[[2]int]bool{}
	dec := xml.NewDecoder(rc)
	var cell [2]int
	var inCell, hasF, hasV bool
	formulas := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		} else if err != nil {
			return formulas, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "c":
				inCell, hasF, hasV = true, false, false
				for _, a := range t.Attr {
					if a.Name.Local == "r" {
						if c, r, err := excelize.CellNameToCoordinates(a.Value); err == nil {
							cell = [2]int{r, c}
						}
					}
				}
			case "f":
				hasF = inCell
			case "v", "is":
				hasV = hasV || inCell
			case "mergeCell":
				for _, a := range t.Attr {
					if a.Name.Local != "ref" {
						continue
					}
					from, to, ok := strings.Cut(a.Value, ":")
					if !ok {
						continue
					}
					c1, r1, err1 := excelize.CellNameToCoordinates(from)
					c2, r2, err2 := excelize.CellNameToCoordinates(to)
					if err1 == nil && err2 == nil {
						s.merges = append(s.merges, mergeRange{r1: r1, c1: c1, r2: r2, c2: c2})
					}
				}
			}
		case xml.EndElement:
			if t.Name.Local == "c" {
				if hasF {
					formulas++
					if !hasV {
						s.uncached[cell] = true
					}
				}
				inCell = false
			}
		}
	}
	return formulas, nil
}

// sheetPart finds the zip part of the named sheet through the workbook
// and its relationships.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	read := func(name string) ([]byte, error) {
		for _, f := range zr.File {
			if f.Name == name {
				rc, err := f.Open()
				if err != nil {
					return nil, err
				}
				defer rc.Close()
				return io.ReadAll(io.LimitReader(rc, 16<<20))
			}
		}
		return nil, fmt.Errorf("缺少 %s", name)
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	b, err := read("xl/workbook.xml")
	if err != nil {
		return "", err
	}
	if err := xml.Unmarshal(b, &wb); err != nil {
		return "", err
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if b, err = read("xl/_rels/workbook.xml.rels"); err != nil {
		return "", err
	}
	if err := xml.Unmarshal(b, &rels); err != nil {
		return "", err
	}
	for _, sh := range wb.Sheets {
		if sh.Name != sheet {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == sh.RID {
				if strings.HasPrefix(r.Target, "/") {
					return strings.TrimPrefix(r.Target, "/"), nil
				}
				return path.Join("xl", r.Target), nil
			}
		}
	}
	return "", fmt.Errorf("找不到工作表“%s”的部件", sheet)
}
