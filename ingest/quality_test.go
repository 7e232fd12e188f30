package ingest_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/quality"
	"huitong/store"
	"huitong/store/storetest"
)

// TestExportRejects: the rejected rows come back as a file with the
// columns as delivered and what is wrong, to correct and deliver again;
// the corrected file is accepted.
func TestExportRejects(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		b := mustDeliver(t, e, "gat", e.People, peopleCSV(person(1)+",张三,,", person(2)+",,,", person(3)[:17]+"Y,=SUM(A1),,"), ingest.Options{})
		var out bytes.Buffer
		if err := e.Ingest.ExportRejects(e.As("gat"), b.ID, "csv", &out); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("\xEF\xBB\xBF")) {
			t.Fatalf("CSV export must start with a BOM for Excel")
		}
		rows, err := csv.NewReader(bytes.NewReader(out.Bytes()[3:])).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || strings.Join(rows[0], ",") != "行号,公民身份号码,姓名,性别,出生日期,错误说明" {
			t.Fatalf("export: got %q", rows)
		}
		if rows[1][0] != "3" || !strings.Contains(rows[1][5], "required") || rows[2][2] != "'=SUM(A1)" {
			t.Fatalf("rows: got %q; want row 3 with its error and the formula defused", rows[1:])
		}
		out.Reset()
		if err := e.Ingest.ExportRejects(e.As("gat"), b.ID, "xlsx", &out); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&out)
		if err != nil {
			t.Fatal(err)
		}
		if sheets := f.GetSheetList(); len(sheets) != 2 {
			t.Fatalf("xlsx sheets: got %v, want the rows and the details", sheets)
		}
		detail, _ := f.GetRows(f.GetSheetList()[1])
		if len(detail) != 3 || detail[1][2] != "required" {
			t.Fatalf("details: got %q", detail)
		}
		if err := e.Ingest.ExportRejects(e.As("rs"), b.ID, "csv", &out); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("other department: got %v, want not found", err)
		}
		if err := e.Ingest.ExportRejects(e.As("op"), b.ID, "csv", &out); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("operator: got %v, want forbidden (personal data)", err)
		}
		// Corrected and delivered again: accepted.
		fixed := mustDeliver(t, e, "gat", e.People, peopleCSV(person(2)+",李四,,", person(3)+",王五,,"), ingest.Options{})
		if fixed.Accepted != 2 {
			t.Fatalf("corrected rows: got %d accepted, want 2", fixed.Accepted)
		}
	})
}

func sexOf(id string) string { return map[bool]string{true: "1", false: "2"}[(id[16]-'0')%2 == 1] }

// TestDisputes: 人社厅 delivers names and sexes that disagree with 公安厅,
// the authoritative source; a dispute per disagreement is routed to 公安厅
// with a deadline in working days; 公安厅 confirms or corrects; a later
// delivery with the right values resolves them; consistency drops while
// they are open.
func TestDisputes(t *testing.T) {
	// Full comparisons by hash join (the default for these sizes) and by
	// merge join in key order (for pairs too large to hold).
	for _, c := range []struct {
		name  string
		limit int
	}{{"HashJoin", 0}, {"MergeJoin", -1}} {
		t.Run(c.name, func(t *testing.T) { testDisputes(t, c.limit) })
	}
}

func testDisputes(t *testing.T, hashJoinMax int) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// Friday 2026-03-06, 10:00 in China.
		e := ingesttest.New(t, db, ingesttest.Options{Now: time.Date(2026, 3, 6, 2, 0, 0, 0, time.UTC),
			Config: ingest.Config{Quality: quality.Config{HashJoinMax: hashJoinMax}}})
		var people, insured []string
		for i := range 20 {
			people = append(people, person(i)+",人"+string(rune('甲'+i))+","+sexOf(person(i))+",")
			name, sex := "人"+string(rune('甲'+i)), sexOf(person(i))
			switch i {
			case 3:
				name = "人" + string(rune('甲'+i)) + "某"
			case 5:
				sex = map[string]string{"1": "2", "2": "1"}[sex]
			case 7:
				name = " 人" + string(rune('甲'+i)) + " " // the same after normalising: no dispute
			}
			insured = append(insured, person(i)+","+name+","+sex)
		}
		mustDeliver(t, e, "gat", e.People, peopleCSV(people...), ingest.Options{})
		b := mustDeliver(t, e, "rs", e.Insured, "GMSFHM,XM,XBDM\n"+strings.Join(insured, "\n")+"\n", ingest.Options{})
		// Consistency counts the 2 disputes and the warning of row 5, whose
		// sex also disagrees with its own ID number: 17 of 20.
		if b.Report.Disputes != 2 || b.Warnings != 1 || b.Quality.Consistency != 85 {
			t.Fatalf("disputes %d, warnings %d, consistency %.1f; want 2, 1 and 85", b.Report.Disputes, b.Warnings, b.Quality.Consistency)
		}
		ga, rs := e.As("gat"), e.As("rs")
		list, total, err := e.Ingest.Quality.Disputes(ga, huitong.DisputeFilter{Status: huitong.DisputeOpen})
		if err != nil || total != 2 {
			t.Fatalf("disputes routed to 公安厅: got %d (%v), want 2", total, err)
		}
		var name *huitong.Dispute
		for _, d := range list {
			if d.Element == "XM" {
				name = d
			}
			if d.Authority != e.GA || d.Provider != e.RS || d.AuthorityResource != e.People || d.Resource != e.Insured {
				t.Fatalf("routing: got %+v", d)
			}
			// Friday plus 10 working days: Friday 2026-03-20, until the end
			// of the day (24:00) in China.
			if want := time.Date(2026, 3, 20, 16, 0, 0, 0, time.UTC); !d.Deadline.Equal(want) {
				t.Fatalf("deadline: got %s, want %s", d.Deadline, want)
			}
		}
		if nm := "人" + string(rune('甲'+3)); name == nil || name.Value != nm+"某" || name.AuthorityValue != nm {
			t.Fatalf("name dispute: got %+v", name)
		}
		if _, total, _ := e.Ingest.Quality.Disputes(rs, huitong.DisputeFilter{}); total != 2 {
			t.Fatalf("人社厅 sees the disputes about its resource: got %d, want 2", total)
		}
		if _, total, _ := e.Ingest.Quality.Disputes(e.As("scjg"), huitong.DisputeFilter{}); total != 0 {
			t.Fatalf("市场监管局 sees none: got %d", total)
		}
		if _, err := e.Ingest.Quality.Answer(rs, name.ID, quality.AnswerConfirm, "我们核实过", ""); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("人社厅 answering: got %v, want forbidden", err)
		}
		if _, err := e.Ingest.Quality.Answer(ga, name.ID, quality.AnswerCorrect, "已核实", ""); huitong.ErrorCode(err) != huitong.EINVALID {
			t.Fatalf("correct without a value: got %v, want invalid", err)
		}
		d, err := e.Ingest.Quality.Answer(ga, name.ID, quality.AnswerConfirm, "经核查户籍档案，登记无误", "")
		if err != nil || d.Status != huitong.DisputeConfirmed || d.AnsweredBy != "gat" {
			t.Fatalf("confirm: got %+v %v", d, err)
		}
		if _, err := e.Ingest.Quality.Answer(ga, name.ID, quality.AnswerConfirm, "再次确认", ""); huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Fatalf("confirm twice: got %v, want conflict", err)
		}
		e.Clock.Add(15 * 24 * time.Hour)
		if _, total, _ := e.Ingest.Quality.Disputes(ga, huitong.DisputeFilter{Overdue: true}); total != 1 {
			t.Fatalf("overdue after the deadline: got %d, want the one still open", total)
		}
		// 人社厅 corrects its data: an incremental delivery of the two rows.
		b = mustDeliver(t, e, "rs", e.Insured, "GMSFHM,XM,XBDM\n"+person(3)+",人"+string(rune('甲'+3))+","+sexOf(person(3))+"\n"+person(5)+",人"+string(rune('甲'+5))+","+sexOf(person(5))+"\n", ingest.Options{})
		if _, total, _ := e.Ingest.Quality.Disputes(ga, huitong.DisputeFilter{Status: huitong.DisputeResolved}); total != 2 {
			t.Fatalf("resolved after the corrected delivery: got %d, want 2", total)
		}
		q, err := e.Ingest.Quality.Quality(rs, e.Insured, 30)
		if err != nil || q.Current.Consistency != 100 || len(q.Trend) != 2 || q.Trend[0].Consistency != 85 {
			t.Fatalf("consistency trend: got %+v %v", q, err)
		}
		// The authority changes a name: the other resource now disagrees.
		mustDeliver(t, e, "gat", e.People, peopleCSV(person(9)+",人壬壬,"+sexOf(person(9))+","), ingest.Options{})
		if _, total, _ := e.Ingest.Quality.Disputes(ga, huitong.DisputeFilter{Status: huitong.DisputeOpen, Subject: person(9)}); total != 1 {
			t.Fatalf("authority's change: got %d open disputes for the subject, want 1", total)
		}
	})
}

// TestScores: completeness, validity, uniqueness, consistency and
// timeliness of a batch and of the resource.
func TestScores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		// 10 rows: 1 rejected (no name), 1 repeating a key, 1 with a birth
		// date that disagrees with the ID number; 4 of 10 items filled.
		var rows []string
		for i := range 8 {
			id := person(i)
			rows = append(rows, id+",人"+string(rune('甲'+i))+","+sexOf(id)+","+id[6:10]+"-"+id[10:12]+"-"+id[12:14])
		}
		rows[2] = person(2) + ",,,"
		rows[3] = person(3) + ",人丁," + sexOf(person(3)) + ",1900-01-01"
		rows = append(rows, rows[0], person(9)+",人癸,"+sexOf(person(9))+",")
		b := mustDeliver(t, e, "gat", e.People, peopleCSV(rows...), ingest.Options{})
		q := b.Quality
		// accepted 8; filled: 7 rows x 4 + 1 row x 3 = 31 of 80
		want := huitong.QualityScore{Completeness: 38.8, Validity: 80, Uniqueness: 90, Consistency: 87.5, Timeliness: 100}
		if q.Completeness != want.Completeness || q.Validity != want.Validity || q.Uniqueness != want.Uniqueness || q.Consistency != want.Consistency || q.Timeliness != want.Timeliness {
			t.Fatalf("batch score: got %+v, want %+v", *q, want)
		}
		// Daily data delivered again after 3 days: late by 2 of 1 allowed.
		e.Clock.Add(36 * time.Hour)
		b = mustDeliver(t, e, "gat", e.People, peopleCSV(rows[0]), ingest.Options{})
		if b.Quality.Timeliness != 50 {
			t.Fatalf("a day and a half for daily data: timeliness %.1f, want 50", b.Quality.Timeliness)
		}
		e.Clock.Add(72 * time.Hour)
		rq, err := e.Ingest.Quality.Quality(e.As("rs"), e.People, 30)
		if err != nil || rq.Current.Timeliness != 0 || rq.Current.Records != 8 || len(rq.Trend) != 2 {
			t.Fatalf("resource score three days later: got %+v %v; want timeliness 0, 8 records, 2 snapshots", rq, err)
		}
		overview, err := e.Ingest.Quality.Overview(e.As("scjg"))
		if err != nil || len(overview) != 1 || overview[0].Resource != e.People {
			t.Fatalf("overview: got %v %v", overview, err)
		}
	})
}

// TestNearDuplicates: the same normalised name and birth date under two
// ID numbers (a person registered twice) are found, within a delivery and
// across deliveries.
func TestNearDuplicates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		a := ingesttest.CitizenID("620102", "19800101", 11)
		b2 := ingesttest.CitizenID("620523", "19800101", 13)
		c := ingesttest.CitizenID("621121", "19800101", 15)
		mustDeliver(t, e, "gat", e.People, peopleCSV(a+",马 小·军,1,", b2+",马小•军,1,", person(1)+",马小军,"+sexOf(person(1))+","), ingest.Options{})
		groups, total, err := e.Ingest.Quality.Duplicates(e.As("gat"), e.People, 0, 10)
		if err != nil || total != 1 || len(groups[0].Keys) != 2 || groups[0].Date != "1980-01-01" {
			t.Fatalf("within a delivery: got %d groups %v (%v)", total, groups, err)
		}
		b := mustDeliver(t, e, "gat", e.People, peopleCSV(c+",马小·军,1,"), ingest.Options{})
		groups, _, _ = e.Ingest.Quality.Duplicates(e.As("gat"), e.People, 0, 10)
		if len(groups) != 1 || len(groups[0].Keys) != 3 || b.Report.NearDuplicates != 2 {
			t.Fatalf("across deliveries: got %v, near duplicates %d", groups, b.Report.NearDuplicates)
		}
		if _, _, err := e.Ingest.Quality.Duplicates(e.As("rs"), e.People, 0, 10); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("other department: got %v, want forbidden", err)
		}
	})
}

// TestRecordAccess: the provider's staff read records (audited); others
// are sent to the share request process.
func TestRecordAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		mustDeliver(t, e, "gat", e.People, "公民身份号码,姓名,联系电话\n"+person(1)+",张三,13912345678\n", ingest.Options{})
		ctx := context.Background()
		rec, err := e.Ingest.Record(e.As("gat"), e.People, strings.ToLower(person(1)), time.Time{})
		if err != nil || rec.Data["XM"] != "张三" {
			t.Fatalf("provider: got %v %v", rec, err)
		}
		_, err = e.Ingest.Record(e.As("rs"), e.People, person(1), time.Time{})
		if huitong.ErrorCode(err) != huitong.EFORBIDDEN || !strings.Contains(huitong.ErrorMessage(err), "共享申请") {
			t.Fatalf("other department: got %v, want forbidden pointing to the share request", err)
		}
		if _, err := e.Ingest.Record(e.As("gat"), e.People, "123", time.Time{}); huitong.ErrorCode(err) != huitong.EINVALID {
			t.Fatalf("malformed key: got %v, want invalid", err)
		}
		if _, err := e.Ingest.Record(e.As("gat"), e.People, person(2), time.Time{}); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("absent key: got %v, want not found", err)
		}
		list, err := e.Ingest.Records(e.As("gat"), e.People, "", 10)
		if err != nil || len(list) != 1 || list[0].Data["LXDH"] != "139****5678" {
			t.Fatalf("listing masks sensitive items: got %v %v", list, err)
		}
		entries, err := db.AuditEntries(ctx, huitong.AuditFilter{Action: "record.read"})
		if err != nil || len(entries) != 3 {
			t.Fatalf("record reads audited: got %d (%v), want 3", len(entries), err)
		}
		if _, _, err := e.Ingest.Batches(e.As("rs"), e.People, "", 0, 10); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("other department's batches: got %v", err)
		}
		list2, total, err := e.Ingest.Batches(e.As("reviewer"), "", "", 0, 10)
		if err != nil || total != 1 || len(list2) != 1 {
			t.Fatalf("reviewer sees every batch: got %d %v", total, err)
		}
	})
}
