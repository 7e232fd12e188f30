package cert_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"huitong"
	"huitong/cert"
	"huitong/store"
	"huitong/store/storetest"
)

// licenceCSV is a batch of n 营业执照 with the Chinese header a clerk's
// spreadsheet has.
func licenceCSV(n int) string {
	var b strings.Builder
	b.WriteString("持证主体名称,持证主体代码,法定代表人,注册资本(万元),成立日期,经营范围\r\n")
	for i := range n {
		fmt.Fprintf(&b, "甘肃%d号商贸有限公司,%s,王%d,%d.00,2020-03-%02d,日用百货销售\r\n", i, company(300+i), i, 100+i, i+1)
	}
	return b.String()
}

// TestBatchFileEncodings: a batch saved by Excel on Windows (GBK) or as
// UTF-16 reads as the UTF-8 one does; a row in another encoding than the
// file is reported with its row and rule while the others issue.
func TestBatchFileEncodings(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := setup(t, db, cert.Config{})
	src := licenceCSV(3)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	for name, file := range map[string]string{"utf-8": src, "utf-8 bom": "\uFEFF" + src, "gbk": gbk, "utf-16le": utf16} {
		rows, err := cert.ReadBatch(strings.NewReader(file), cert.BatchCSV, e.licence)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(rows) != 3 || rows[2].Row != 4 || rows[2].Req.HolderName != "甘肃2号商贸有限公司" || rows[2].Req.Data["fddbr"] != "王2" || rows[2].Req.Data["jyfw"] != "日用百货销售" {
			t.Fatalf("%s: got %+v", name, rows)
		}
		rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{DryRun: true})
		if err != nil || len(rep.Errors) != 0 || rep.Issued != 3 {
			t.Fatalf("%s: got %+v %v, want 3 good rows", name, rep, err)
		}
	}

	// One GBK line in a UTF-8 file.
	line, _ := simplifiedchinese.GBK.NewEncoder().String("兰州某某有限公司," + company(399) + ",李四,1.00,2020-01-01,零售\r\n")
	rows, err := cert.ReadBatch(strings.NewReader(licenceCSV(2)+line), cert.BatchCSV, e.licence)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Issued != 2 || len(rep.Errors) != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Rule != "encoding" {
		t.Fatalf("got issued %d errors %+v, want 2 issued and row 4 refused for its encoding", rep.Issued, rep.Errors)
	}
}

// TestBatchFileRefused: files that cannot be a batch are refused whole,
// naming why; hostile values are refused by row and item.
func TestBatchFileRefused(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := setup(t, db, cert.Config{})
	for _, c := range []struct{ name, file, rule string }{
		{"pdf", "%PDF-1.7\n...", "binary"},
		{"empty", "", "empty"},
		{"no holder id", "持证主体名称,法定代表人,成立日期\n甲公司,张三,2020-01-01\n", "missing"},
		{"no required item", "持证主体名称,持证主体代码,法定代表人\n甲公司," + company(1) + ",张三\n", "missing"},
		{"twice", "持证主体名称,holderName,持证主体代码,法定代表人,成立日期\n", "duplicate"},
		{"unknown", "持证主体名称,持证主体代码,法定代表人,成立日期,股东\n", "unknown"},
	} {
		_, err := cert.ReadBatch(strings.NewReader(c.file), cert.BatchCSV, e.licence)
		if huitong.ErrorCode(err) != huitong.EINVALID || ruleOf(err) != c.rule {
			t.Errorf("%s: got %v (rule %s), want EINVALID %s", c.name, err, ruleOf(err), c.rule)
		}
	}
	_, err := cert.ReadBatch(strings.NewReader("持证主体名称,法定代表人\n"), cert.BatchCSV, e.licence)
	if msg := huitong.ErrorMessage(err); !strings.Contains(msg, "持证主体代码") || !strings.Contains(msg, "成立日期") {
		t.Errorf("missing columns: got %q, want both named", msg)
	}

	file := "持证主体名称,持证主体代码,法定代表人,成立日期,经营范围\n" +
		"甲\x01公司," + company(2) + ",张三,2020-01-01,零售\n" +
		"乙公司," + company(3) + ",\u202E三张,2020-01-01,零售\n" +
		"丙公司," + company(4) + ",王五,2020-01-01,\"零售\n批发\"\n"
	rows, err := cert.ReadBatch(strings.NewReader(file), cert.BatchCSV, e.licence)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{DryRun: true, Partial: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, re := range rep.Errors {
		got = append(got, fmt.Sprintf("%d %s %s", re.Row, re.Field, re.Rule))
	}
	// A line break is allowed in the memo 经营范围 only.
	if want := "2 holderName charset|3 data.fddbr charset"; strings.Join(got, "|") != want || rep.Issued != 1 {
		t.Errorf("got %s, %d good, want %s and the third row good", strings.Join(got, "|"), rep.Issued, want)
	}
}

// TestBatchExcel: a workbook with a title row above the header and real
// date cells issues like the CSV.
func TestBatchExcel(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	e := setup(t, db, cert.Config{})
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	f.SetSheetRow(sheet, "A1", &[]any{"2026年营业执照批量签发清单"})
	f.SetSheetRow(sheet, "A2", &[]any{"持证主体名称", "持证主体代码", "法定代表人", "注册资本(万元)", "成立日期"})
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		cell := fmt.Sprintf("A%d", i+3)
		f.SetSheetRow(sheet, cell, &[]any{fmt.Sprintf("天水%d号有限公司", i), company(500 + i), "赵六", 88.5, time.Date(2021, 7, i+1, 0, 0, 0, 0, time.UTC)})
		f.SetCellStyle(sheet, fmt.Sprintf("E%d", i+3), fmt.Sprintf("E%d", i+3), style)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if got := cert.BatchFormatFor("清单.XLSX"); got != cert.BatchXLSX {
		t.Fatalf("format for .XLSX: got %s", got)
	}
	rows, err := cert.ReadBatch(bytes.NewReader(buf.Bytes()), cert.BatchXLSX, e.licence)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].Row != 3 || rows[2].Req.Data["clrq"] != "2021-07-03" || rows[2].Req.HolderName != "天水2号有限公司" {
		t.Fatalf("got %+v, want rows 3-5 with the dates as days", rows)
	}
	rep, err := e.s.IssueBatch(e.market1, e.licence.Code, rows, cert.BatchOptions{})
	if err != nil || rep.Issued != 3 {
		t.Fatalf("got %+v %v", rep, err)
	}
	c, err := e.s.Find(e.market1, rep.IDs[1])
	if err != nil || c.Data["clrq"] != "2021-07-02" || c.Data["zczb"] != "88.5" {
		t.Fatalf("got %+v %v", c, err)
	}
	// A CSV file sent as Excel, and a workbook sent as CSV.
	if _, err := cert.ReadBatch(strings.NewReader(licenceCSV(1)), cert.BatchXLSX, e.licence); ruleOf(err) != "format" {
		t.Errorf("CSV as xlsx: got %v, want rule format", err)
	}
	if _, err := cert.ReadBatch(bytes.NewReader(buf.Bytes()), cert.BatchCSV, e.licence); ruleOf(err) != "binary" {
		t.Errorf("xlsx as CSV: got %v, want rule binary", err)
	}
}
