package exchange_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gbcode"
	"huitong/store"
	"huitong/store/storetest"
)

func TestExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{People: 40})
		x := e.Exchange
		ctx := context.Background()
		g, err := e.Grant(ctx, "county", "ga", e.People, exchange.RequestInput{Items: []string{"GMSFHM", "XM", "LXDH", "CSRQ"}, Uses: []string{"export"}, PlainItems: []string{"XM"}})
		if err != nil {
			t.Fatal(err)
		}
		qq := exchange.Query{Purpose: "低保对象年度复核", Case: "CG-2026-17"}
		export := func(format string) (*bytes.Buffer, string, int, error) {
			var buf bytes.Buffer
			ct := ""
			n, err := x.Export(e.As("county"), g.ID, format, qq, func(contentType string) io.Writer { ct = contentType; return &buf })
			return &buf, ct, n, err
		}

		t.Run("CSV", func(t *testing.T) {
			buf, ct, n, err := export(exchange.FormatCSV)
			if err != nil || ct != "text/csv; charset=utf-8" {
				t.Fatalf("got %q %v", ct, err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(buf.String(), "\ufeff"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			// Only 城关区 (the first half of the 40 people) is in scope.
			if n != 20 || len(rows) != 21 || strings.Join(rows[0], ",") != "key,GMSFHM,XM,LXDH,CSRQ" {
				t.Fatalf("got %d rows, header %v", len(rows), rows[0])
			}
			first := rows[1]
			if first[1] != gbcode.MaskCitizenID(first[0]) || first[2] == "" || strings.Contains(first[2], "*") || !strings.Contains(first[3], "****") {
				t.Fatalf("row: got %v (ID and phone masked, name plain)", first)
			}
			if strings.Contains(buf.String(), e.PeopleKeys[39]) {
				t.Fatal("a subject outside the jurisdiction was exported")
			}
		})
		t.Run("JSON", func(t *testing.T) {
			buf, _, n, err := export(exchange.FormatJSON)
			if err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Grant   int64 `json:"grant"`
				Count   int   `json:"count"`
				Records []struct {
					Key  string            `json:"key"`
					Data map[string]string `json:"data"`
				} `json:"records"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("%v: %s", err, buf)
			}
			if doc.Grant != g.ID || doc.Count != n || len(doc.Records) != 20 || doc.Records[0].Data["HJDZ"] != "" {
				t.Fatalf("got grant %d count %d records %d", doc.Grant, doc.Count, len(doc.Records))
			}
		})
		t.Run("Audited", func(t *testing.T) {
			begin, d := lastEntry(t, db, exchange.ActExport)
			done, dd := lastEntry(t, db, exchange.ActExportEnd)
			if begin.Seq >= done.Seq || d["purpose"] != "低保对象年度复核" || d["case"] != "CG-2026-17" || dd["count"] != float64(20) ||
				dd["begin"] != fmt.Sprintf("%s/%d", begin.Chain, begin.Seq) {
				t.Fatalf("got %+v %v / %+v %v", begin, d, done, dd)
			}
			// Each exported subject's data-use record shows the export.
			uses, err := x.SubjectUsage(e.As("dsj"), e.PeopleKeys[3], 0, 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(uses) != 2 || uses[0].Action != exchange.ActExportEnd || uses[0].Department != e.County || uses[0].Purpose != "低保对象年度复核" ||
				uses[0].Case != "CG-2026-17" || uses[0].Grant != g.ID || uses[0].DepartmentName != "兰州市城关区民政局" {
				t.Fatalf("subject usage: got %+v", uses)
			}
		})
		t.Run("ErrNotGranted", func(t *testing.T) {
			g2, err := e.Grant(ctx, "rs", "ga", e.People, exchange.RequestInput{Items: []string{"XM"}})
			if err != nil {
				t.Fatal(err)
			}
			_, err = x.Export(e.As("rs"), g2.ID, exchange.FormatCSV, qq, func(string) io.Writer { t.Fatal("export started"); return nil })
			if ruleOf(err) != "use.not_granted" {
				t.Fatalf("got %v, want use.not_granted", err)
			}
			_, err = x.Export(e.As("rs"), g.ID, exchange.FormatCSV, qq, func(string) io.Writer { t.Fatal("export started"); return nil })
			if ruleOf(err) != "grant.none" {
				t.Fatalf("another department's grant: got %v, want grant.none", err)
			}
		})
		t.Run("ErrShareMethod", func(t *testing.T) {
			_, err := x.Request(e.As("county"), exchange.RequestInput{Resource: e.Companies, Items: []string{"QYMC"}, Uses: []string{"export"}, Purpose: "企业名录", Until: e.Clock.Now().AddDate(0, 1, 0)})
			if ruleOf(err) != "export.method" || huitong.ErrorCode(err) != huitong.EINVALID {
				t.Fatalf("got %v, want export.method", err)
			}
		})
	})
}

func TestCSVInjection(t *testing.T) {
	for in, want := range map[string]string{"=1+2": "'=1+2", "+86": "'+86", "@SUM(A1)": "'@SUM(A1)", "-12.5": "-12.5", "-cmd": "'-cmd", "张三": "张三"} {
		if got := exchange.CSVSafe(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
