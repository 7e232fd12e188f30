package catalogio

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"

	"huitong"
)

// newWorkbook returns a workbook with the two sheets laid out: data
// validation drop-downs for the enumerations, input hints, frozen headers.
// Validations are added before the stream writers start, which keep them.
func newWorkbook() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", SheetEntries); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.NewSheet(SheetItems); err != nil {
		f.Close()
		return nil, err
	}
	for _, s := range []struct {
		sheet string
		cols  []column
	}{{SheetEntries, entryColumns}, {SheetItems, itemColumns}} {
		for i, c := range s.cols {
			if err := addValidation(f, s.sheet, i+1, c); err != nil {
				f.Close()
				return nil, err
			}
		}
	}
	return f, nil
}

// addValidation gives column col of sheet its drop-down (warning style:
// import also accepts API values) or input hint.
func addValidation(f *excelize.File, sheet string, col int, c column) error {
	if c.enum == "" && c.prompt == "" {
		return nil
	}
	name, err := excelize.ColumnNumberToName(col)
	if err != nil {
		return err
	}
	dv := excelize.NewDataValidation(true)
	dv.Sqref = fmt.Sprintf("%s2:%s%d", name, name, excelize.TotalRows)
	if c.enum != "" {
		if err := dv.SetDropList(labels(c.enum)); err != nil {
			return err
		}
		dv.SetError(excelize.DataValidationErrorStyleWarning, c.header, "请从下拉列表中选择")
	}
	if c.prompt != "" {
		dv.SetInput(c.header, c.prompt)
	}
	return f.AddDataValidation(sheet, dv)
}

// sheetWriter streams the rows of one sheet.
type sheetWriter struct {
	sw  *excelize.StreamWriter
	row int
}

func newSheetWriter(f *excelize.File, sheet string, cols []column, headerStyle, requiredStyle, textStyle int) (*sheetWriter, error) {
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	for i, c := range cols {
		if err := sw.SetColWidth(i+1, i+1, c.width+4); err != nil {
			return nil, err
		}
		if c.text {
			if err := sw.SetColStyle(i+1, i+1, textStyle); err != nil {
				return nil, err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		style := headerStyle
		if c.required {
			style = requiredStyle
		}
		header[i] = excelize.Cell{StyleID: style, Value: c.header}
	}
	w := &sheetWriter{sw: sw}
	return w, w.add(header)
}

// add writes the next row. Strings become inline string cells, never
// formulas, so text such as "=HYPERLINK(...)" stays text.
func (w *sheetWriter) add(values []any) error {
	if w.row >= excelize.TotalRows {
		return huitong.Errorf(huitong.ETOOLARGE, "超过 Excel 工作表的最大行数 %d，请缩小导出范围", excelize.TotalRows)
	}
	w.row++
	return w.sw.SetRow("A"+strconv.Itoa(w.row), values)
}

// writeXLSX writes the workbook of the entries next returns, numbering
// them 1, 2, ... in 序号 unless next gives a sequence label. Items are
// linked to their entry by both 资源序号 and 信息资源代码.
func writeXLSX(ctx context.Context, w io.Writer, next func() (*huitong.Resource, string, error)) (int, error) {
	f, err := newWorkbook()
	if err != nil {
		return 0, err
	}
	defer f.Close()
	headerStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return 0, err
	}
	requiredStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Color: "C00000"},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	})
	if err != nil {
		return 0, err
	}
	textStyle, err := f.NewStyle(&excelize.Style{NumFmt: 49}) // "@": text, keeps leading zeros
	if err != nil {
		return 0, err
	}
	entries, err := newSheetWriter(f, SheetEntries, entryColumns, headerStyle, requiredStyle, textStyle)
	if err != nil {
		return 0, err
	}
	items, err := newSheetWriter(f, SheetItems, itemColumns, headerStyle, requiredStyle, textStyle)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		r, seq, err := next()
		if err != nil {
			return n, err
		}
		if r == nil {
			break
		}
		n++
		if seq == "" {
			seq = strconv.Itoa(n)
		}
		if err := entries.add(entryValues(seq, r)); err != nil {
			return n, err
		}
		for i := range r.Items {
			if err := items.add(itemValues(seq, r.Code, &r.Items[i])); err != nil {
				return n, err
			}
		}
	}
	if err := entries.sw.Flush(); err != nil {
		return n, err
	}
	if err := items.sw.Flush(); err != nil {
		return n, err
	}
	if err := f.Write(w); err != nil {
		return n, err
	}
	return n, nil
}

// Template writes an empty workbook to fill in: both sheets with their
// headers (required ones in red), drop-downs for every enumeration, input
// hints, and one example entry with its items, marked 序号 "示例" so that
// Import skips it if it is left in.
func Template(w io.Writer) error {
	done := false
	_, err := writeXLSX(context.Background(), w, func() (*huitong.Resource, string, error) {
		if done {
			return nil, "", nil
		}
		done = true
		return example(), exampleMarker, nil
	})
	if err != nil {
		return fmt.Errorf("catalogio: template: %w", err)
	}
	return nil
}

// example is the template's example entry: valid as it stands.
func example() *huitong.Resource {
	return &huitong.Resource{
		Name:           "（示例）居民户籍登记信息",
		Abstract:       "本部门登记的常住人口户籍信息，包括姓名、公民身份号码、户籍地址等。",
		Classification: huitong.Classification{Class: huitong.ClassDepartment, Item: "01", Category: "001"},
		Format:         huitong.FormatDatabase,
		ShareType:      huitong.ShareConditional,
		ShareCondition: "用于政务服务办理时的身份核验",
		ShareMethods:   []huitong.ShareMethod{huitong.MethodService, huitong.MethodQuery},
		OpenType:       huitong.OpenClosed,
		UpdateCycle:    huitong.CycleDaily,
		Keywords:       []string{"户籍", "人口"},
		Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: "https://api.example.gov.cn/hj/query", Method: "POST", Comment: "按公民身份号码查询"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: huitong.TypeString, Length: 18, Required: true, Key: true, KeyKind: huitong.KeyCitizenID, Sensitive: true, DataElement: "DE00001", Description: "GB 11643-1999"},
			{Name: "姓名", Code: "XM", Type: huitong.TypeString, Length: 50, Required: true, Sensitive: true},
			{Name: "户籍地址", Code: "HJDZ", Type: huitong.TypeString, Length: 200, ShareType: huitong.ShareConditional},
		},
	}
}
