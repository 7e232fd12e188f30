package ingest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
)

func gbk(s string) []byte {
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// TestEncodings delivers the same rows in every accepted encoding and line
// ending; each must store the same records.
func TestEncodings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		text := peopleCSV(person(1)+",张三,1,1990-01-02", person(2)+",\"欧阳,娜娜\",2,1990-01-03", person(3)+",\"阿卜杜\n热合曼\",1,1990-01-04")
		utf16, _ := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().Bytes([]byte(text))
		for _, c := range []struct {
			name string
			body []byte
			enc  string
		}{
			{"UTF8", []byte(text), "utf-8"},
			{"UTF8BOM", append([]byte("\xEF\xBB\xBF"), text...), "utf-8"},
			{"CRLF", []byte(strings.ReplaceAll(text, "\n", "\r\n")), "utf-8"},
			{"CROnly", []byte(strings.ReplaceAll(strings.ReplaceAll(text, "\n热", " 热"), "\n", "\r")), "utf-8"},
			{"GBK", gbk(text), "gb18030"},
			{"GB18030FourByte", gbk(strings.Replace(text, "张三", "张㐂", 1)), "gb18030"}, // 㐂 is a four-byte sequence
			{"UTF16LE", utf16, "utf-16le"},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := mustDeliver(t, e, "gat", e.People, c.body, ingest.Options{})
				if b.Encoding != c.enc || b.Accepted != 3 || b.Rejected != 0 {
					t.Fatalf("got encoding %s, %d accepted, %d rejected (%v), want %s, 3, 0", b.Encoding, b.Accepted, b.Rejected, rejects(t, e, b), c.enc)
				}
				rec, err := db.FindRecord(context.Background(), e.People, person(2))
				if err != nil {
					t.Fatal(err)
				}
				if rec.Data["XM"] != "欧阳,娜娜" {
					t.Fatalf("quoted comma: got %q, want 欧阳,娜娜", rec.Data["XM"])
				}
				if c.name != "CROnly" {
					rec, _ = db.FindRecord(context.Background(), e.People, person(3))
					if rec.Data["XM"] != "阿卜杜\n热合曼" {
						t.Fatalf("quoted newline: got %q", rec.Data["XM"])
					}
				}
				rec, _ = db.FindRecord(context.Background(), e.People, person(1))
				if want := map[bool]string{true: "张㐂", false: "张三"}[c.name == "GB18030FourByte"]; rec.Data["XM"] != want {
					t.Fatalf("name: got %q, want %s", rec.Data["XM"], want)
				}
			})
		}
	})
}

// TestRules delivers one row per rule broken and checks each reject's row,
// item and rule, and that the good rows are stored cleaned.
func TestRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		id := person(7)
		badCheck := id[:17] + map[bool]string{true: "1", false: "0"}[id[17] == '0']
		lower := ingesttest.CitizenID("620102", "19851231", 1)
		for i := 2; !strings.HasSuffix(lower, "X"); i++ {
			lower = ingesttest.CitizenID("620102", "19851231", i)
		}
		full := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r + 0xFEE0
			}
			return r
		}, person(8))
		cases := []struct {
			name, row, item, rule string
		}{
			{"OK", person(1) + ",张三,1,1990-01-02,01,兰州市城关区,13912345678,2001-02-03,3,", "", ""},
			{"Required", person(2) + ",,1,,,,,,,", "姓名", "required"},
			{"CheckDigit", badCheck + ",李四,1,,,,,,,", "公民身份号码", "citizen_id.checkdigit"},
			{"BirthDate", ingesttest.CitizenID("620102", "19900230", 5) + ",李四,1,,,,,,,", "公民身份号码", "citizen_id.birthdate"},
			{"County", ingesttest.CitizenID("629999", "19900101", 5) + ",李四,1,,,,,,,", "公民身份号码", "citizen_id.address"},
			{"Fifteen", "620102900101005,李四,1,,,,,,,", "公民身份号码", "citizen_id.length"},
			{"Enum", person(3) + ",王五,3,,,,,,,", "性别", "enum"},
			{"Nation", person(4) + ",王五,1,,99,,,,,", "民族", "enum"},
			{"Date", person(5) + ",赵六,1,1990-13-01,,,,,,", "出生日期", "type"},
			{"Integer", person(6) + ",赵六,1,,,,,,三口,", "家庭人口数", "type"},
			{"Length", person(9) + "," + strings.Repeat("长", 51) + ",1,,,,,,,", "姓名", "length"},
			{"Phone", person(10) + ",钱七,1,,,,12-345,,,", "联系电话", "phone"},
			{"Control", person(11) + ",钱\x07七,1,,,,,,,", "姓名", "charset"},
			{"Bidi", person(12) + ",钱\u202E七,1,,,,,,,", "姓名", "charset"},
			{"LowerX", strings.ToLower(lower) + ",孙八,1,,,,,,,", "", ""},
			{"FullWidth", full + ",周九, 2 ,,,,０９３１-８８８８８８８,,,", "", ""},
			{"Hostile", person(13) + ",\"=HYPERLINK(\"\"http://x\"\")\",1,,,<script>alert(1)</script>,,,,'; DROP TABLE records;--", "", ""},
			{"Warning", person(14) + ",吴十,1,1980-01-01,,,,,,", "出生日期", "consistency.birthdate"},
			{"Duplicate", person(1) + ",张三三,1,,,,,,,", "公民身份号码", "duplicate"},
		}
		var rows []string
		for _, c := range cases {
			// The sex column agrees with the ID number (GB 11643: odd 17th
			// digit for men), so no row has a sex warning.
			cells := strings.Split(c.row, ",")
			if id := strings.ToUpper(strings.Map(func(r rune) rune {
				if r >= '０' && r <= '９' {
					return r - 0xFEE0
				}
				return r
			}, cells[0])); len(id) == 18 && strings.TrimSpace(cells[2]) == "1" || strings.TrimSpace(cells[2]) == "2" {
				if len(id) == 18 {
					cells[2] = strings.Replace(cells[2], strings.TrimSpace(cells[2]), map[bool]string{true: "1", false: "2"}[(id[16]-'0')%2 == 1], 1)
				}
			}
			rows = append(rows, strings.Join(cells, ","))
		}
		file := "公民身份号码,姓名,性别,出生日期,民族,户籍地址,联系电话,户籍登记日期,家庭人口数,备注\n" + strings.Join(rows, "\n") + "\n"
		b := mustDeliver(t, e, "gat", e.People, file, ingest.Options{})
		list := rejects(t, e, b)
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				row := i + 2
				var got *huitong.Reject
				for k := range list {
					if list[k].Row == row {
						got = &list[k]
						break
					}
				}
				switch {
				case c.rule == "" && got != nil:
					t.Fatalf("row %d: got reject %+v, want none", row, *got)
				case c.rule != "" && got == nil:
					t.Fatalf("row %d: no reject, want %s on %s", row, c.rule, c.item)
				case c.rule != "" && (got.Rule != c.rule || got.Item != c.item || got.Message == ""):
					t.Fatalf("row %d: got %s on %s (%s), want %s on %s", row, got.Rule, got.Item, got.Message, c.rule, c.item)
				}
			})
		}
		// 民族 is checked against GB/T 3304 (the register's rule
		// code:GB/T 3304), and the message names the standard.
		for _, r := range list {
			if r.Item == "民族" && !strings.Contains(r.Message, "GB/T 3304-1991") {
				t.Errorf("民族 reject: %q does not name GB/T 3304-1991", r.Message)
			}
		}
		if b.Received != len(cases) || b.Warnings != 1 {
			t.Fatalf("received %d, warnings %d: want %d and 1", b.Received, b.Warnings, len(cases))
		}
		ctx := context.Background()
		rec, err := db.FindRecord(ctx, e.People, strings.ToUpper(lower))
		if err != nil {
			t.Fatalf("lower-case x: %v", err)
		}
		rec, err = db.FindRecord(ctx, e.People, person(8))
		if err != nil || rec.Data["LXDH"] != "0931-8888888" || rec.Data["XBDM"] != "2" {
			t.Fatalf("full-width digits: got %v %v, want the ID number, 0931-8888888 and 2 half-width", rec, err)
		}
		rec, _ = db.FindRecord(ctx, e.People, person(13))
		if rec.Data["XM"] != `=HYPERLINK("http://x")` || rec.Data["BZ"] != "'; DROP TABLE records;--" || rec.Data["HJDZ"] != "<script>alert(1)</script>" {
			t.Fatalf("hostile strings must be stored as they are: got %v", rec.Data)
		}
		rec, _ = db.FindRecord(ctx, e.People, person(1))
		if rec.Data["XM"] != "张三" || rec.Jurisdiction != "620102" {
			t.Fatalf("duplicate key: the first row must win, got %v", rec)
		}
		kinds := map[string]bool{}
		for _, c := range b.Report.Cleaning {
			kinds[c.Kind] = true
		}
		for _, k := range []string{"upper_x", "fullwidth", "trim"} {
			if !kinds[k] {
				t.Errorf("cleaning %s not reported: %v", k, b.Report.Cleaning)
			}
		}
	})
}

// TestTypesAndElements checks money, dates in other layouts, booleans,
// credit codes, division codes and mobile numbers in the other resources.
func TestTypesAndElements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		ctx := context.Background()
		b := mustDeliver(t, e, "rs", e.Insured, "GMSFHM,XM,CBZT,JFJS,CBRQ,CBDXZQHDM,SJHM\n"+
			person(1)+",张三,参保,\"5,000.50\",2020年3月1日,620102,+86 139 1234 5678\n"+
			person(2)+",李四,退休,abc,2020-02-30,629999,1391234567\n", ingest.Options{})
		list := rejects(t, e, b)
		want := map[string]bool{"enum": true, "type": true, "division.address": true, "mobile.length": true}
		for _, r := range list {
			delete(want, r.Rule)
		}
		if len(want) > 0 || b.Accepted != 1 {
			t.Fatalf("missing rules %v in %v (accepted %d)", want, list, b.Accepted)
		}
		rec, _ := db.FindRecord(ctx, e.Insured, person(1))
		if rec.Data["JFJS"] != "5000.50" || rec.Data["CBRQ"] != "2020-03-01" || rec.Data["SJHM"] != "13912345678" {
			t.Fatalf("cleaned values: got %v", rec.Data)
		}
		b = mustDeliver(t, e, "scjg", e.Companies, "统一社会信用代码,企业名称,注册资本,成立日期,是否上市\n"+
			strings.ToLower(company(1))+",兰州牛肉面有限公司,100,2001/02/03,是\n"+
			company(2)[:17]+"0,兰州拉面有限公司,100万元,2001-02-03,maybe\n", ingest.Options{})
		rec, err := db.FindRecord(ctx, e.Companies, company(1))
		if err != nil || rec.Data["SFSS"] != "true" || rec.Data["CLRQ"] != "2001-02-03" || rec.Jurisdiction != "620102" {
			t.Fatalf("company: got %v %v", rec, err)
		}
		list = rejects(t, e, b)
		if b.Accepted != 1 || len(list) < 2 {
			t.Fatalf("bad company row: got accepted %d, rejects %v", b.Accepted, list)
		}
	})
}

// TestVersions: a changed row makes a new version and keeps the old one,
// readable as of a date; an unchanged row writes nothing; the same file
// delivered twice is recognised and changes nothing.
func TestVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		ctx := context.Background()
		file := peopleCSV(person(1)+",张三,1,", person(2)+",李四,2,")
		b1 := mustDeliver(t, e, "gat", e.People, file, ingest.Options{})
		t1 := e.Clock.Now()
		seq1, _ := db.LastRecordSeq(ctx, e.People)

		e.Clock.Add(24 * time.Hour)
		b2 := mustDeliver(t, e, "gat", e.People, file, ingest.Options{})
		seq2, _ := db.LastRecordSeq(ctx, e.People)
		if b2.DuplicateOf != b1.ID || b2.Unchanged != 2 || b2.Inserted+b2.Updated != 0 || seq2 != seq1 {
			t.Fatalf("same file twice: duplicateOf %d, unchanged %d, written %d, seq %d->%d; want %d, 2, 0, unchanged",
				b2.DuplicateOf, b2.Unchanged, b2.Inserted+b2.Updated, seq1, seq2, b1.ID)
		}

		e.Clock.Add(24 * time.Hour)
		b3 := mustDeliver(t, e, "gat", e.People, peopleCSV(person(1)+",张叁,1,", person(2)+",李四,2,"), ingest.Options{})
		if b3.Updated != 1 || b3.Unchanged != 1 || b3.DuplicateOf != 0 {
			t.Fatalf("one changed row: updated %d unchanged %d duplicateOf %d, want 1 1 0", b3.Updated, b3.Unchanged, b3.DuplicateOf)
		}
		cur, _ := db.FindRecord(ctx, e.People, person(1))
		old, err := db.RecordAsOf(ctx, e.People, person(1), t1.Add(time.Hour))
		if err != nil || cur.Version != 2 || cur.Data["XM"] != "张叁" || old.Version != 1 || old.Data["XM"] != "张三" {
			t.Fatalf("as of: current %+v, then %+v (%v); want version 2 张叁 and version 1 张三", cur, old, err)
		}
		if _, err := db.RecordAsOf(ctx, e.People, person(1), t1.Add(-time.Hour)); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("before the first delivery: got %v, want not found", err)
		}
		hist, err := db.RecordHistory(ctx, e.People, person(1))
		if err != nil || len(hist) != 2 || !hist[0].ValidTo.Equal(cur.ValidFrom) {
			t.Fatalf("history: got %d versions (%v)", len(hist), err)
		}
		changed, err := db.RecordsChangedSince(ctx, e.People, seq1, 10)
		if err != nil || len(changed) != 1 || changed[0].Key != person(1) || changed[0].Seq <= seq1 {
			t.Fatalf("changes since %d: got %v (%v), want the changed record only", seq1, changed, err)
		}
	})
}

// TestFullDelivery: a full delivery marks the keys it leaves out deleted,
// except when too many of its rows were rejected.
func TestFullDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		ctx := context.Background()
		var rows []string
		for i := range 40 {
			rows = append(rows, person(i)+",人"+string(rune('甲'+i))+",1,")
		}
		mustDeliver(t, e, "gat", e.People, peopleCSV(rows...), ingest.Options{Mode: huitong.ModeFull})
		e.Clock.Add(time.Hour)
		// Row 0 is now broken, but its key is valid: the record stays.
		next := append([]string{person(0) + ",,1,"}, rows[1:30]...)
		b := mustDeliver(t, e, "gat", e.People, peopleCSV(next...), ingest.Options{Mode: huitong.ModeFull})
		if b.Deleted != 10 || count(t, db, e.People) != 30 {
			t.Fatalf("full delivery of 30 of 40: deleted %d, left %d; want 10 and 30", b.Deleted, count(t, db, e.People))
		}
		if _, err := db.FindRecord(ctx, e.People, person(35)); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("left-out key: got %v, want not found", err)
		}
		if r, err := db.RecordAsOf(ctx, e.People, person(35), e.Clock.Now().Add(-30*time.Minute)); err != nil || r.Version != 1 {
			t.Fatalf("left-out key before the delivery: got %v %v", r, err)
		}
		stats, _ := db.RecordStats(ctx, e.People)
		if stats.Records != 30 || stats.Deleted != 10 {
			t.Fatalf("totals: got %+v, want 30 records and 10 deleted", stats)
		}
		// A file with mostly bad rows deletes nothing.
		bad := []string{person(1) + ",甲,1,"}
		for i := range 5 {
			bad = append(bad, "12345"+string(rune('0'+i))+",乙,1,")
		}
		b = mustDeliver(t, e, "gat", e.People, peopleCSV(bad...), ingest.Options{Mode: huitong.ModeFull})
		if b.Deleted != 0 || count(t, db, e.People) != 30 || len(b.Report.Notes) == 0 {
			t.Fatalf("broken full delivery: deleted %d, notes %v; want none deleted and a note", b.Deleted, b.Report.Notes)
		}
		// Deleted keys delivered again come back as a new version.
		b = mustDeliver(t, e, "gat", e.People, peopleCSV(rows[35]), ingest.Options{})
		r, err := db.FindRecord(ctx, e.People, person(35))
		if err != nil || r.Version != 3 || b.Updated != 1 {
			t.Fatalf("re-delivered deleted key: got %v %v, want version 3", r, err)
		}
	})
}
