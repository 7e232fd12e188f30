package ingest_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
)

// workbook builds an Excel file the way departments send them: a notes
// sheet first, then the list with a merged title row above the header, a
// merged address column, dates as date cells, a formula with its result, a
// formula without one, an ID number Excel turned into a number, a hostile
// value and a blank row.
func workbook(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "填表说明"))
	f.SetCellValue("填表说明", "A1", "请在“名单”工作表填写数据")
	_, err := f.NewSheet("名单")
	must(err)
	s := "名单"
	f.SetCellValue(s, "A1", "甘肃省户籍人口信息表(2026年3月)")
	must(f.MergeCell(s, "A1", "F1"))
	for i, h := range []string{"公民身份号码", "姓名(XM)", "性别", "出生日期", "家庭人口数", "户籍地址"} {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellValue(s, cell, h)
	}
	sex := func(id string) string { return map[bool]string{true: "1", false: "2"}[(id[16]-'0')%2 == 1] }
	row := func(r int, vals ...any) {
		for i, v := range vals {
			cell, _ := excelize.CoordinatesToCellName(i+1, r)
			f.SetCellValue(s, cell, v)
		}
	}
	row(3, person(1), "张三", sex(person(1)), time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), 3, "兰州市城关区庆阳路1号")
	must(f.MergeCell(s, "F3", "F5"))
	row(4, person(2), "李四", sex(person(2)), "1990-01-03", 2)
	row(5, person(3), "王五", sex(person(3)), "", 4)
	row(6, person(4), "赵六", sex(person(4)), "", 3)
	must(f.SetCellFormula(s, "E6", "1+2")) // the value 3 stays as the cached result
	row(7, person(5), "钱七", sex(person(5)))
	must(f.SetCellFormula(s, "E7", "SUM(X1:X9)")) // no cached result
	row(8, "6.20102199001011E+17", "孙八", "1")
	row(9, person(6), "=cmd|' /C calc'!A0", sex(person(6)))
	row(11, person(7), "周九", sex(person(7)))
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExcel delivers the workbook: the first sheet by default (refused:
// it has no key column), the named one, and a sheet that does not exist.
func TestExcel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		book := workbook(t)
		ctx := context.Background()

		_, err := deliver(t, e, "gat", e.People, book, ingest.Options{Format: ingest.FormatXLSX})
		if fileRule(err) != "columns" {
			t.Fatalf("first sheet (notes): got %v, want no key column", err)
		}
		_, err = deliver(t, e, "gat", e.People, book, ingest.Options{Format: ingest.FormatXLSX, Sheet: "人员"})
		if fileRule(err) != "sheet" || !strings.Contains(huitong.ErrorMessage(err), "名单") {
			t.Fatalf("missing sheet: got %v, want rule sheet naming the sheets", err)
		}

		b := mustDeliver(t, e, "gat", e.People, book, ingest.Options{FileName: "户籍.xlsx", Sheet: "名单"})
		list := rejects(t, e, b)
		if b.Format != "xlsx" || b.Sheet != "名单" || b.Accepted != 6 || b.Rejected != 2 {
			t.Fatalf("got format %s sheet %s, accepted %d rejected %d (%v); want xlsx 名单 6 2", b.Format, b.Sheet, b.Accepted, b.Rejected, list)
		}
		if ruleOf(list, 7) != "formula" || ruleOf(list, 8) != "excel_number" {
			t.Fatalf("rejects: row 7 %q, row 8 %q; want formula and excel_number", ruleOf(list, 7), ruleOf(list, 8))
		}
		if b.Report.SkippedRows < 1 || len(b.Report.OtherSheets) != 1 {
			t.Fatalf("report: skipped %d, other sheets %v; want the title row skipped and 填表说明 listed", b.Report.SkippedRows, b.Report.OtherSheets)
		}
		for _, c := range []struct {
			id, item, want string
		}{
			{person(1), "CSRQ", "1990-01-02"},       // a date cell
			{person(3), "HJDZ", "兰州市城关区庆阳路1号"},      // filled from the merged cell
			{person(4), "JTRKS", "3"},               // the cached result of the formula
			{person(6), "XM", "=cmd|' /C calc'!A0"}, // stored as it is
			{person(7), "XM", "周九"},                 // after the blank row
		} {
			rec, err := db.FindRecord(ctx, e.People, c.id)
			if err != nil || rec.Data[c.item] != c.want {
				t.Errorf("%s %s: got %v (%v), want %q", c.id, c.item, rec, err, c.want)
			}
		}
		kinds := map[string]bool{}
		for _, c := range b.Report.Cleaning {
			kinds[c.Kind] = true
		}
		if !kinds["merged"] || !kinds["excel_date"] {
			t.Fatalf("cleaning: got %v, want merged and excel_date", b.Report.Cleaning)
		}
	})
}
