package ingest_test

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"

	"huitong"
	"huitong/ingest"
)

// TestTable reads a CSV through the exported reader: cells, row numbers,
// a bad row reported and passed, the size limit and an unknown format.
func TestTable(t *testing.T) {
	file := "姓名,代码\r\n张三,1\r\n\r\n李四,2,多余,\"x\"\r\n王五,3\r\n"
	tab, err := ingest.OpenTable(strings.NewReader(file), ingest.FormatCSV, ingest.TableOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tab.Close()
	if got := strings.Join(tab.Columns(), "|"); got != "姓名|代码" || tab.Encoding() != "utf-8" {
		t.Fatalf("header: got %s in %s", got, tab.Encoding())
	}
	var got []string
	for {
		row, cells, bad, err := tab.Next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if bad != nil {
			got = append(got, strings.Join([]string{strconv.Itoa(row), "bad", bad.Rule}, " "))
			continue
		}
		got = append(got, strconv.Itoa(row)+" "+strings.Join(cells, "|"))
	}
	if want := "2 张三|1;4 bad columns;5 王五|3"; strings.Join(got, ";") != want {
		t.Errorf("rows: got %s, want %s", strings.Join(got, ";"), want)
	}

	big := "a,b\n" + strings.Repeat("1,2\n", 1000)
	tab, err = ingest.OpenTable(strings.NewReader(big), ingest.FormatCSV, ingest.TableOptions{MaxSize: 1000})
	if err == nil {
		for err == nil {
			_, _, _, err = tab.Next()
		}
	}
	if huitong.ErrorCode(err) != huitong.ETOOLARGE {
		t.Errorf("over the size limit: got %v, want ETOOLARGE", err)
	}
	if _, err := ingest.OpenTable(strings.NewReader(big), ingest.FormatXLSX, ingest.TableOptions{MaxSize: 1000}); huitong.ErrorCode(err) != huitong.ETOOLARGE {
		t.Errorf("Excel over the size limit: got %v, want ETOOLARGE", err)
	}
	if _, err := ingest.OpenTable(strings.NewReader(big), "ods", ingest.TableOptions{}); huitong.ErrorCode(err) != huitong.EINVALID {
		t.Errorf("unknown format: got %v, want EINVALID", err)
	}
	if d, ok := ingest.ExcelDate("45292"); !ok || d != "2024-01-01" {
		t.Errorf("Excel date 45292: got %q %v, want 2024-01-01", d, ok)
	}
	if _, ok := ingest.ExcelDate("2024-01-01"); ok {
		t.Error("a written date is not an Excel serial")
	}
}
