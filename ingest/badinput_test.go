package ingest_test

import (
	"context"
	"crypto/rand"
	"io"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
	"huitong/store/storetest"
)

// TestBadFiles: every file that cannot be read gets a clear error with a
// stable rule, the batch is recorded failed, and nothing delivered before
// is lost.
func TestBadFiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		mustDeliver(t, e, "gat", e.People, peopleCSV(person(1)+",张三,,", person(2)+",李四,,"), ingest.Options{})
		garbage := make([]byte, 4096)
		rand.Read(garbage)
		garbage[100] = 0
		for _, c := range []struct {
			name, body, rule string
			format           string
		}{
			{"Empty", "", "empty", ""},
			{"OnlyBOM", "\xEF\xBB\xBF", "empty", ""},
			{"BlankLines", "\r\n\r\n  \n", "empty", ""},
			{"BinaryGarbage", string(garbage), "binary", ""},
			{"PNG", "\x89PNG\r\n\x1a\n" + strings.Repeat("x", 100), "binary", ""},
			{"XLSXAsCSV", "PK\x03\x04" + strings.Repeat("x", 100), "binary", ""},
			{"OldExcel", "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" + strings.Repeat("\x00", 100), "binary", ""},
			{"UnknownEncoding", strings.Repeat("\x80\x81\xFF\xFE\x80,\xFF\x80\n", 20), "encoding", ""},
			{"NoKeyColumn", "姓名,性别\n张三,1\n", "columns", ""},
			{"NoRequiredColumn", "公民身份号码,性别\n" + person(3) + ",1\n", "columns", ""},
			{"NoMatchingColumn", "a,b,c\n1,2,3\n", "columns", ""},
			{"TwoColumnsOneItem", "公民身份号码,GMSFHM,姓名\n1,2,3\n", "columns", ""},
			{"BadHeaderEncoding", "\xB9\xAB\xC3\xF1\xC9\xED\xB7\xDD\xBA\xC5\xC2\xEB,\xFF\xFF\xFF\n", "encoding", ""},
			{"NDJSONinGBK", string(gbk(`{"公民身份号码":"` + person(4) + `","姓名":"王五"}` + "\n")), "encoding", ingest.FormatNDJSON},
			{"NotXLSX", "公民身份号码,姓名\n", "format", ingest.FormatXLSX},
		} {
			t.Run(c.name, func(t *testing.T) {
				b, err := deliver(t, e, "gat", e.People, c.body, ingest.Options{Format: c.format})
				if huitong.ErrorCode(err) != huitong.EINVALID || fileRule(err) != c.rule {
					t.Fatalf("got %v (rule %q), want invalid with rule %s", err, fileRule(err), c.rule)
				}
				if huitong.ErrorMessage(err) == "" || b == nil || b.Status != huitong.BatchFailed || b.Error == "" {
					t.Fatalf("got batch %+v, want a failed batch with the message", b)
				}
			})
		}
		if n := count(t, db, e.People); n != 2 {
			t.Fatalf("records after the bad files: got %d, want the 2 delivered before", n)
		}
	})
}

// TestBadRows: rows that cannot be read are rejected one by one with their
// row numbers; the rest of the file is delivered.
func TestBadRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{Config: ingest.Config{MaxRowBytes: 64 << 10}})
		t.Run("MixedEncodingUTF8", func(t *testing.T) {
			body := append([]byte(peopleCSV(person(1)+",张三,,")), gbk(person(2)+",李四,,\n")...)
			body = append(body, person(3)+",王五,,\n"...)
			b := mustDeliver(t, e, "gat", e.People, body, ingest.Options{})
			if b.Accepted != 2 || ruleOf(rejects(t, e, b), 3) != "encoding" {
				t.Fatalf("got accepted %d, rejects %v; want 2 accepted and row 3 rejected for its encoding", b.Accepted, rejects(t, e, b))
			}
		})
		t.Run("MixedEncodingGBK", func(t *testing.T) {
			body := gbk(peopleCSV(person(4)+",张三,,", person(5)+",李四,,", person(6)+",赵六,,"))
			body = append(body, person(7)+",王五,,\n"...)
			b := mustDeliver(t, e, "gat", e.People, body, ingest.Options{})
			if b.Encoding != "gb18030" || b.Accepted != 3 || ruleOf(rejects(t, e, b), 5) != "encoding" {
				t.Fatalf("got %s, accepted %d, rejects %v; want gb18030, 3 accepted, row 5 rejected", b.Encoding, b.Accepted, rejects(t, e, b))
			}
		})
		t.Run("ColumnCounts", func(t *testing.T) {
			b := mustDeliver(t, e, "gat", e.People, "公民身份号码,姓名,性别,出生日期,籍贯\n"+
				person(8)+",甲,,,兰州,,,\n"+ // trailing empty fields: fine
				person(9)+",乙,,,兰州,多出来的\n"+ // one field too many
				person(10)+",丙\n", // too few
				ingest.Options{})
			list := rejects(t, e, b)
			if b.Accepted != 1 || ruleOf(list, 3) != "columns" || ruleOf(list, 4) != "columns" || strings.Join(b.Report.UnknownColumns, ",") != "籍贯" {
				t.Fatalf("got accepted %d, rejects %v, unknown %v", b.Accepted, list, b.Report.UnknownColumns)
			}
			if list[0].Cells == nil {
				t.Fatalf("a rejected row keeps its cells for the export: %+v", list[0])
			}
		})
		t.Run("TooLong", func(t *testing.T) {
			b := mustDeliver(t, e, "gat", e.People, peopleCSV(person(11)+","+strings.Repeat("长", 40000)+",,", person(12)+",乙,,"), ingest.Options{})
			if b.Accepted != 1 || ruleOf(rejects(t, e, b), 2) != "too_long" {
				t.Fatalf("got accepted %d, rule %s; want 1 and too_long", b.Accepted, ruleOf(rejects(t, e, b), 2))
			}
		})
		t.Run("UnterminatedQuote", func(t *testing.T) {
			b := mustDeliver(t, e, "gat", e.People, peopleCSV(person(13)+",甲,,", person(14)+",\"乙,,", person(15)+",丙,,"), ingest.Options{})
			list := rejects(t, e, b)
			if b.Accepted != 1 || ruleOf(list, 3) != "quote" {
				t.Fatalf("got accepted %d, rejects %v; want row 3 rejected (quote) after row 2 stored", b.Accepted, list)
			}
		})
		t.Run("StrayQuote", func(t *testing.T) {
			b := mustDeliver(t, e, "gat", e.People, peopleCSV(person(16)+",王\"小\"二,,"), ingest.Options{})
			rec, err := db.FindRecord(context.Background(), e.People, person(16))
			if err != nil || b.Accepted != 1 || rec.Data["XM"] != `王"小"二` {
				t.Fatalf("stray quotes: got %v %v", rec, err)
			}
		})
		t.Run("NDJSON", func(t *testing.T) {
			body := `{"公民身份号码":"` + person(17) + `","姓名":"甲","家庭人口数":3,"备注":null}` + "\n" +
				`{"GMSFHM":"` + person(18) + `","XM":"乙","性别":{"code":1}}` + "\n" +
				`{"GMSFHM":"` + person(19) + `","XM":` + "\n" +
				"\n" +
				`["not","an","object"]` + "\n" +
				`{"GMSFHM":"` + person(20) + `","XM":"丁","爱好":"篮球"}`
			b := mustDeliver(t, e, "gat", e.People, body, ingest.Options{Format: ingest.FormatNDJSON})
			list := rejects(t, e, b)
			if b.Accepted != 2 || ruleOf(list, 2) != "type" || ruleOf(list, 3) != "json" || ruleOf(list, 5) != "json" {
				t.Fatalf("got accepted %d, rejects %v", b.Accepted, list)
			}
			if rec, _ := db.FindRecord(context.Background(), e.People, person(17)); rec.Data["JTRKS"] != "3" {
				t.Fatalf("JSON number: got %v", rec.Data)
			}
			if !strings.Contains(strings.Join(b.Report.UnknownColumns, ","), "爱好") {
				t.Fatalf("unknown key not reported: %v", b.Report.UnknownColumns)
			}
		})
	})
}

// TestHugeStream streams a nominally 2 GiB file, generated as it is read
// (never on disk), against a 16 MiB limit: the batch stops with a clear
// error at the limit, keeps every row it acknowledged, and memory stays
// flat.
func TestHugeStream(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{Config: ingest.Config{MaxSize: 16 << 20}})
		const rows = 2 << 30 / 140 // about 2 GiB of generated rows
		var peak atomic.Uint64
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				select {
				case <-done:
					return
				case <-time.After(10 * time.Millisecond):
					runtime.ReadMemStats(&ms)
					if ms.HeapInuse > peak.Load() {
						peak.Store(ms.HeapInuse)
					}
				}
			}
		}()
		b, err := deliver(t, e, "gat", e.People, ingesttest.PeopleReader(rows, 9), ingest.Options{})
		close(done)
		wg.Wait()
		if huitong.ErrorCode(err) != huitong.ETOOLARGE || fileRule(err) != "too_large" {
			t.Fatalf("got %v, want too_large", err)
		}
		if b.Status != huitong.BatchFailed || b.Size < 16<<20 || b.Size > 17<<20 {
			t.Fatalf("batch: status %s, read %d bytes; want failed at about 16 MiB", b.Status, b.Size)
		}
		if n := count(t, db, e.People); b.Accepted == 0 || n != b.Accepted {
			t.Fatalf("acknowledged %d rows, stored %d: want them equal and not zero", b.Accepted, n)
		}
		if p := peak.Load(); p > 150<<20 {
			t.Fatalf("peak heap %d MiB, want well under 150 MiB for a streamed file", p>>20)
		}
	})
}

// blocking is a body that sends its first part, then waits.
type blocking struct {
	first   io.Reader
	release chan struct{}
	rest    io.Reader
	sent    chan struct{}
	once    sync.Once
}

func (b *blocking) Read(p []byte) (int, error) {
	n, err := b.first.Read(p)
	if n > 0 || err != io.EOF {
		return n, nil
	}
	b.once.Do(func() { close(b.sent) })
	<-b.release
	return b.rest.Read(p)
}

// TestConcurrentDeliveries: while one delivery to a resource runs, a
// second is refused with ECONFLICT (409); deliveries to other resources go
// on; afterwards the resource accepts deliveries again.
func TestConcurrentDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		slow := &blocking{first: strings.NewReader(peopleCSV(person(1) + ",甲,,")), rest: strings.NewReader(person(2) + ",乙,,\n"),
			release: make(chan struct{}), sent: make(chan struct{})}
		type result struct {
			b   *huitong.Batch
			err error
		}
		first := make(chan result)
		go func() {
			b, err := e.Ingest.Deliver(e.As("gat"), e.People, slow, ingest.Options{})
			first <- result{b, err}
		}()
		<-slow.sent
		_, err := deliver(t, e, "gat-admin", e.People, peopleCSV(person(3)+",丙,,"), ingest.Options{})
		if huitong.ErrorCode(err) != huitong.ECONFLICT || !strings.Contains(huitong.ErrorMessage(err), "批次") {
			t.Fatalf("second delivery: got %v, want conflict naming the running batch", err)
		}
		mustDeliver(t, e, "rs", e.Insured, "GMSFHM,XM\n"+person(1)+",甲\n", ingest.Options{})
		close(slow.release)
		r := <-first
		if r.err != nil || r.b.Accepted != 2 {
			t.Fatalf("first delivery: got %v %v", r.b, r.err)
		}
		mustDeliver(t, e, "gat", e.People, peopleCSV(person(3)+",丙,,"), ingest.Options{})
	})
}

// TestRefusals: who may deliver, and to what.
func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := ingesttest.New(t, db, ingesttest.Options{})
		api, err := e.Publish(e.GA, &huitong.Resource{Name: "户籍接口", UpdateCycle: huitong.CycleDaily, Classification: huitong.Classification{Class: "3", Item: "01", Category: "001"},
			Items: []huitong.Item{{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Key: true, KeyKind: huitong.KeyCitizenID}},
			Mount: huitong.Mount{Kind: huitong.MountAPI, URL: "https://gat.example/v1/people", Method: "POST"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name, user, code, want string
		}{
			{"OtherDepartment", "rs", e.People, huitong.EFORBIDDEN},
			{"Operator", "op", e.People, huitong.EFORBIDDEN},
			{"NotTable", "gat", api, huitong.EINVALID},
			{"Unknown", "gat", "101001/999999", huitong.ENOTFOUND},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, err := deliver(t, e, c.user, c.code, peopleCSV(person(1)+",甲,,"), ingest.Options{})
				if huitong.ErrorCode(err) != c.want {
					t.Fatalf("got %v, want %s", err, c.want)
				}
			})
		}
		_, err = deliver(t, e, "gat", e.People, peopleCSV(person(1)+",甲,,"), ingest.Options{Mode: "sometimes", At: time.Now()})
		if f := huitong.ErrorFields(err); len(f) != 2 {
			t.Fatalf("bad mode and a backdated delivery by staff: got %v, want both fields refused", err)
		}
	})
}
