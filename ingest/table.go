package ingest

import (
	"bufio"
	"cmp"
	"errors"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"huitong"
)

// Table reads the rows of a tabular file the way Deliver does, for the
// platform's other imports (the certificate library's batch issue): CSV
// in any encoding Deliver detects (UTF-8 with or without BOM, GBK/GB18030,
// UTF-16 with BOM), with its delimiter sniffed, or one sheet of an Excel
// workbook (title rows above the header skipped, merged cells filled,
// formulas taken at their cached result).
type Table struct {
	src   source
	close func()
}

// TableOptions tune OpenTable.
type TableOptions struct {
	Sheet string // Excel: the sheet to read; default the first
	// HeaderNames are column names of which one is expected in the header
	// row: in Excel, the first of the first 20 rows naming one is the
	// header, and rows above it are skipped as titles.
	HeaderNames []string
	MaxSize     int64 // bytes read at most; 0: Config's default
	MaxRowBytes int   // one CSV row at most; 0: Config's default
}

// OpenTable reads the header of a CSV (format FormatCSV or "") or Excel
// (FormatXLSX) file. A file that cannot be read at all gets EINVALID with
// Fields[0] naming field "file" and the rule (empty, binary, encoding,
// format, sheet, header); one over MaxSize ETOOLARGE. An Excel file is
// read into memory whole, a CSV file as a stream.
func OpenTable(r io.Reader, format string, opt TableOptions) (*Table, error) {
	def := DefaultConfig()
	switch format {
	case FormatXLSX:
		limit := cmp.Or(opt.MaxSize, def.MaxXLSXSize)
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > limit {
			return nil, tooLarge(limit)
		}
		src, err := newXLSXSource(data, opt.Sheet, opt.HeaderNames)
		if err != nil {
			return nil, err
		}
		return &Table{src: src, close: src.close}, nil
	case FormatCSV, "":
		limit := cmp.Or(opt.MaxSize, def.MaxSize)
		m := newMeter(r, limit)
		src, err := newCSVSource(bufio.NewReaderSize(m, 64<<10), cmp.Or(opt.MaxRowBytes, def.MaxRowBytes))
		if err != nil {
			return nil, tableErr(err, limit)
		}
		return &Table{src: src, close: func() {}}, nil
	}
	return nil, &huitong.Error{Code: huitong.EINVALID, Message: "表格文件格式应为 csv 或 xlsx，收到 " + strconv.Quote(format),
		Fields: []huitong.FieldError{{Field: "format", Rule: "enum", Message: "应为 csv 或 xlsx"}}}
}

// Columns returns the header row's cells, trimmed.
func (t *Table) Columns() []string { return t.src.columns() }

// Encoding is the text encoding the file was read in (utf-8, gb18030,
// utf-16le, utf-16be), or xlsx.
func (t *Table) Encoding() string { return t.src.meta().encoding }

// Notes are remarks on how the file was read (sheets left out, formulas).
func (t *Table) Notes() []string { return t.src.meta().notes }

// Next returns the next data row: its number as the file's author sees it
// (the header is row 1 when it is the first line) and its cells, aligned
// with Columns and the caller's to keep. A row that could not be read
// (wrong encoding, too long, unbalanced quote, too many columns) comes as
// bad with the row, rule and reason instead; reading goes on after it.
// io.EOF at the end; ETOOLARGE past MaxSize.
func (t *Table) Next() (row int, cells []string, bad *huitong.Reject, err error) {
	row, cells, bad, err = t.src.next()
	if err != nil {
		var tl *tooLargeError
		if errors.As(err, &tl) {
			return 0, nil, nil, tooLarge(tl.limit)
		}
		return 0, nil, nil, err
	}
	return row, slices.Clone(cells), bad, nil
}

// Close releases the workbook of an Excel file.
func (t *Table) Close() { t.close() }

// ExcelDate returns the YYYY-MM-DD of an Excel serial date (a date cell
// as Excel stores it, "45292" for 2024-01-01), ok false when s is not one.
// Only cells of an Excel file are such numbers.
func ExcelDate(s string) (string, bool) {
	if !excelSerial.MatchString(s) {
		return "", false
	}
	f, _ := strconv.ParseFloat(s, 64)
	t, err := excelize.ExcelDateToTime(f, false)
	if err != nil || t.Year() < 1900 {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

func tooLarge(limit int64) error {
	return huitong.Errorf(huitong.ETOOLARGE, "文件超过 %d MiB 的上限", limit>>20)
}

// tableErr turns a size overrun while reading the header into ETOOLARGE.
func tableErr(err error, limit int64) error {
	var tl *tooLargeError
	if errors.As(err, &tl) {
		return tooLarge(limit)
	}
	return err
}
