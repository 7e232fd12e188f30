package catalogio_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/catalogio"
	"huitong/gbcode"
)

func TestImportXLSXRows(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		header := append(slices.Clone(entryHeaders), "备注(旧系统)")
		row := func(seq, name string, set map[string]any) map[string]any {
			m := entryCells(seq, name)
			m["备注(旧系统)"] = "旧系统的备注"
			for k, v := range set {
				m[k] = v
			}
			return m
		}
		hostile := "\u202egnp.exe资源"
		entries := []map[string]any{
			row("1", "户籍信息", nil), // row 2: good, labels
			row("2", "婚姻登记信息", map[string]any{"共享类型": "随便共享"}), // row 3: bad enum
			row("3", hostile, nil), // row 4: bidi override
			row("4", formula, nil), // row 5: formula-looking name, good
			row("5", "户籍信息", nil),  // row 6: duplicate name in the file
			row("6", "车辆登记信息", map[string]any{"项": 1, "信息资源格式": "database", "共享类型": "unconditional"}), // row 7: API values, 项 typed as a number
			row("7", "驾驶证信息", nil), // row 8: bad item type
			row("8", "出入境信息", map[string]any{"共享方式": "系统对接、传真"}), // row 9: bad share method
		}
		items := []map[string]any{}
		for _, seq := range []string{"1", "2", "3", "4", "5", "6", "7", "8"} {
			items = append(items, itemCells(seq, "姓名", "XM"), itemCells(seq, "性别", "XB"))
		}
		items[13]["数据类型"] = "字符串" // row 15: second item of 序号 7
		items[10]["数据类型"] = "C"   // row 12: API letter is fine
		items = append(items,
			itemCells("99", "孤儿项", "GEX"), // row 18: 资源序号 not in the file
			map[string]any{"信息资源代码": "301002/999999", "信息项名称": "孤儿项二", "数据类型": "字符型"}, // row 19
		)
		file := workbook(t,
			sheet{catalogio.SheetEntries, header, entries},
			sheet{catalogio.SheetItems, itemHeaders, items},
		)
		rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 || rep.Created != 3 || rep.Skipped != 5 {
			t.Fatalf("got rows %d created %d skipped %d, want 8 3 5; errors %v", rep.Rows, rep.Created, rep.Skipped, rules(rep))
		}
		for _, tc := range []struct {
			name, sheet string
			row         int
			field, rule string
		}{
			{"UnknownColumn", catalogio.SheetEntries, 1, "备注(旧系统)", "unknown_column"},
			{"ErrEnum", catalogio.SheetEntries, 3, "共享类型", "enum"},
			{"ErrCharset", catalogio.SheetEntries, 4, "信息资源名称", "charset"},
			{"ErrDuplicateName", catalogio.SheetEntries, 6, "信息资源名称", "duplicate"},
			{"ErrItemType", catalogio.SheetItems, 15, "数据类型", "enum"},
			{"ErrShareMethod", catalogio.SheetEntries, 9, "共享方式", "enum"},
			{"ErrItemLinkSeq", catalogio.SheetItems, 18, "资源序号", "link"},
			{"ErrItemLinkCode", catalogio.SheetItems, 19, "信息资源代码", "link"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if findError(rep, tc.sheet, tc.row, tc.field, tc.rule) == nil {
					t.Errorf("got %v, want %s row %d %s %s", rules(rep), tc.sheet, tc.row, tc.field, tc.rule)
				}
			})
		}
		t.Run("UnknownColumnOnce", func(t *testing.T) {
			n := 0
			for _, re := range rep.Errors {
				if re.Rule == "unknown_column" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("got %d unknown_column reports, want 1", n)
			}
		})
		t.Run("MessagesSayWhatIsExpected", func(t *testing.T) {
			re := findError(rep, catalogio.SheetEntries, 3, "共享类型", "enum")
			if re == nil || re.Value != "随便共享" || !strings.Contains(re.Message, "有条件共享") {
				t.Errorf("got %+v, want the value and the allowed labels", re)
			}
		})
		t.Run("HostileValueShownSafely", func(t *testing.T) {
			re := findError(rep, catalogio.SheetEntries, 4, "信息资源名称", "charset")
			if re == nil || strings.ContainsRune(re.Value, 0x202e) || !strings.Contains(re.Value, "gnp.exe") {
				t.Errorf("got %+v, want the value with the override replaced", re)
			}
		})
		t.Run("Created", func(t *testing.T) {
			got := map[string]*huitong.Resource{}
			for _, code := range rep.Codes {
				r, err := e.cat.Find(e.staff, code, 0)
				if err != nil {
					t.Fatal(err)
				}
				got[r.Name] = r
			}
			if len(got) != 3 || got["户籍信息"] == nil || got[formula] == nil || got["车辆登记信息"] == nil {
				t.Fatalf("got %v, want 户籍信息, the formula text and 车辆登记信息", rep.Codes)
			}
			car := got["车辆登记信息"]
			if car.Classification.Item != "01" || car.ShareType != huitong.ShareUnconditional || car.Format != huitong.FormatDatabase {
				t.Errorf("got %+v %s %s, want item 01, unconditional, database", car.Classification, car.ShareType, car.Format)
			}
			hj := got["户籍信息"]
			if hj.ShareType != huitong.ShareConditional || !slices.Equal(hj.ShareMethods, []huitong.ShareMethod{huitong.MethodSystem, huitong.MethodQuery}) ||
				len(hj.Items) != 2 || hj.Items[0].Type != huitong.TypeString || hj.Items[0].Length != 50 || hj.Mount.Method != "GET" {
				t.Errorf("got %+v, want labels mapped to values and both items", hj)
			}
		})
	})
}

func TestImportXLSXUnusable(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		entries := []map[string]any{entryCells("1", "户籍信息")}
		items := []map[string]any{itemCells("1", "姓名", "XM")}
		without := func(hs []string, h string) []string {
			return slices.DeleteFunc(slices.Clone(hs), func(s string) bool { return s == h })
		}
		for _, tc := range []struct {
			name         string
			file         []byte
			sheet, field string
			rule         string
		}{
			{"ErrMissingColumn", workbook(t, sheet{catalogio.SheetEntries, without(entryHeaders, "共享类型"), entries}, sheet{catalogio.SheetItems, itemHeaders, items}),
				catalogio.SheetEntries, "共享类型", "missing_column"},
			{"ErrMissingItemColumn", workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries}, sheet{catalogio.SheetItems, without(itemHeaders, "数据类型"), items}),
				catalogio.SheetItems, "数据类型", "missing_column"},
			{"ErrMissingItemLink", workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries}, sheet{catalogio.SheetItems, without(without(itemHeaders, "资源序号"), "信息资源代码"), items}),
				catalogio.SheetItems, "资源序号", "missing_column"},
			{"ErrMissingItemSheet", workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries}),
				catalogio.SheetItems, "", "missing_sheet"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(tc.file), catalogio.XLSX, catalogio.Options{})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Rows != 1 || rep.Created != 0 || rep.Skipped != 1 {
					t.Errorf("got rows %d created %d skipped %d, want 1 0 1", rep.Rows, rep.Created, rep.Skipped)
				}
				var found *catalogio.RowError
				for i, re := range rep.Errors {
					if re.Sheet == tc.sheet && re.Field == tc.field && re.Rule == tc.rule {
						found = &rep.Errors[i]
					}
				}
				if found == nil || (tc.field != "" && !strings.Contains(found.Message, tc.field)) {
					t.Errorf("got %v, want %s %s naming the column", rules(rep), tc.field, tc.rule)
				}
				if got := count(t, e, e.staff); got != 0 {
					t.Errorf("got %d entries, want 0", got)
				}
			})
		}
	})
}

func TestImportFileErrors(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		empty := func() []byte {
			f := excelize.NewFile()
			defer f.Close()
			var buf bytes.Buffer
			if err := f.Write(&buf); err != nil {
				t.Fatal(err)
			}
			return buf.Bytes()
		}()
		headerless := workbook(t, sheet{catalogio.SheetEntries, nil, nil})
		good := workbook(t, sheet{catalogio.SheetEntries, entryHeaders, []map[string]any{entryCells("1", "户籍信息")}},
			sheet{catalogio.SheetItems, itemHeaders, []map[string]any{itemCells("1", "姓名", "XM")}})
		for _, tc := range []struct {
			name   string
			f      catalogio.Format
			data   []byte
			opt    catalogio.Options
			code   string
			phrase string
		}{
			{"ErrNotXLSX", catalogio.XLSX, []byte("序号,信息资源名称\n1,户籍信息\n"), catalogio.Options{}, huitong.EINVALID, "xlsx"},
			{"ErrJSONAsXLSX", catalogio.XLSX, []byte(`{"version":1,"items":[]}`), catalogio.Options{}, huitong.EINVALID, "xlsx"},
			{"ErrEmptyWorkbook", catalogio.XLSX, empty, catalogio.Options{}, huitong.EINVALID, "表头"},
			{"ErrNoHeaderRow", catalogio.XLSX, headerless, catalogio.Options{}, huitong.EINVALID, "表头"},
			{"ErrNoSuchSheet", catalogio.XLSX, good, catalogio.Options{Sheet: "目录"}, huitong.EINVALID, "目录"},
			{"ErrTooLarge", catalogio.XLSX, make([]byte, catalogio.MaxFileSize+1), catalogio.Options{}, huitong.ETOOLARGE, "MiB"},
			{"ErrTruncatedJSON", catalogio.JSON, []byte(`{"version":1,"items":[{"name":"户籍信息"},`), catalogio.Options{}, huitong.EINVALID, "JSON"},
			{"ErrBadJSONSyntax", catalogio.JSON, []byte(`{"version":1,"items":[{"name":"户籍信息"} {"name":"x"}]}`), catalogio.Options{}, huitong.EINVALID, "JSON"},
			{"ErrNotJSON", catalogio.JSON, good, catalogio.Options{}, huitong.EINVALID, "JSON"},
			{"ErrJSONVersion", catalogio.JSON, []byte(`{"version":2,"items":[]}`), catalogio.Options{}, huitong.EINVALID, "版本"},
			{"ErrJSONNoItems", catalogio.JSON, []byte(`{"version":1,"entries":[]}`), catalogio.Options{}, huitong.EINVALID, "items"},
			{"ErrJSONTrailing", catalogio.JSON, []byte(`{"version":1,"items":[]} {}`), catalogio.Options{}, huitong.EINVALID, "多余"},
			{"ErrFormat", "csv", good, catalogio.Options{}, huitong.EINVALID, "csv"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(tc.data), tc.f, tc.opt)
				if got := huitong.ErrorCode(err); got != tc.code {
					t.Fatalf("got %v (%v, report %+v), want %s", got, err, rep, tc.code)
				}
				if msg := huitong.ErrorMessage(err); !strings.Contains(msg, tc.phrase) {
					t.Errorf("got message %q, want it to mention %q", msg, tc.phrase)
				}
			})
		}
		t.Run("ErrUnauthenticated", func(t *testing.T) {
			_, err := catalogio.Import(bg, e.cat, bytes.NewReader(good), catalogio.XLSX, catalogio.Options{})
			if got := huitong.ErrorCode(err); got != huitong.EUNAUTHORIZED {
				t.Errorf("got %v, want %s", got, huitong.EUNAUTHORIZED)
			}
		})
		if got := count(t, e, e.staff); got != 0 {
			t.Errorf("got %d entries after failed imports, want 0", got)
		}
	})
}

func TestImportJSONRows(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		file := `{"version":1,"items":[
{"name":"户籍信息","abstract":"常住人口户籍","classification":{"class":"部门信息资源","item":"01","category":"002"},
 "format":"数据库","shareType":"有条件共享","shareCondition":"身份核验","shareMethods":["系统对接","query"],
 "openType":"不予开放","updateCycle":"每日","remark":"旧系统","related":["301001/000002"],
 "items":[{"name":"公民身份号码","type":"字符型","length":18,"key":true,"keyKind":"公民身份号码"},{"name":"姓名","type":"c"}],
 "mount":{"kind":"部门接口","url":"https://api.example.gov.cn/hj"}},
{"code":"301001/000002","name":"婚姻登记信息","abstract":"婚姻登记","classification":{"class":"3","item":"01","category":"003"},
 "format":"database","shareType":"unconditional","shareMethods":["download"],"openType":"closed","updateCycle":"每小时",
 "items":[{"name":"姓名","type":"C"}],"mount":{"kind":"file","path":"/data/hy"}},
{"name":"收养登记信息","abstract":"收养登记","classification":{"class":"3","item":"01","category":"004"},
 "format":"database","shareType":"unconditional","shareMethods":["download"],"openType":"closed","updateCycle":"daily",
 "items":[{"name":"姓名","type":"C","length":"十八"}],"mount":{"kind":"file","path":"/data/sy"}},
42,
{"name":"户籍信息","abstract":"重复","classification":{"class":"3","item":"01","category":"002"},"format":"database","shareType":"unconditional","shareMethods":["download"],"openType":"closed","updateCycle":"daily","items":[{"name":"姓名","type":"C"}],"mount":{"kind":"file"}}
]}`
		rep, err := catalogio.Import(e.staff, e.cat, strings.NewReader(file), catalogio.JSON, catalogio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 5 || rep.Created != 1 || rep.Skipped != 4 {
			t.Fatalf("got rows %d created %d skipped %d, want 5 1 4; errors %v", rep.Rows, rep.Created, rep.Skipped, rules(rep))
		}
		for _, tc := range []struct {
			name  string
			row   int
			field string
			rule  string
		}{
			{"UnknownField", 1, "remark", "unknown_field"},
			{"RelatedNotImported", 1, "related", "related"},
			{"ErrEnum", 2, "updateCycle", "enum"},
			{"ErrType", 3, "items.length", "type"},
			{"ErrNotObject", 4, "", "type"},
			{"ErrDuplicate", 5, "name", "duplicate"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if findError(rep, "", tc.row, tc.field, tc.rule) == nil {
					t.Errorf("got %v, want row %d %s %s", rules(rep), tc.row, tc.field, tc.rule)
				}
			})
		}
		r, err := e.cat.Find(e.staff, rep.Codes[0], 0)
		if err != nil {
			t.Fatal(err)
		}
		if r.Format != huitong.FormatDatabase || r.UpdateCycle != huitong.CycleDaily || r.Items[0].KeyKind != huitong.KeyCitizenID || r.Items[1].Type != huitong.TypeString ||
			!slices.Equal(r.ShareMethods, []huitong.ShareMethod{huitong.MethodSystem, huitong.MethodQuery}) || len(r.Related) != 0 {
			t.Errorf("got %+v, want labels mapped to API values and no relation", r)
		}
	})
}

func TestImportProvider(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		entries := []map[string]any{entryCells("1", "本部门资源"), entryCells("2", "民政资源"), entryCells("3", "未登记部门的资源")}
		entries[1]["提供方代码"] = strings.ToLower(otherCode)
		entries[2]["提供方代码"] = gbcode.MakeUSCC('1', '1', "620000", "01360009") // valid code, no such department
		file := workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries},
			sheet{catalogio.SheetItems, itemHeaders, []map[string]any{itemCells("1", "姓名", "XM"), itemCells("2", "姓名", "XM"), itemCells("3", "姓名", "XM")}})

		t.Run("ErrForbidden", func(t *testing.T) {
			rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Created != 1 || findError(rep, catalogio.SheetEntries, 3, "提供方代码", "forbidden") == nil {
				t.Fatalf("got created %d %v, want 1 and row 3 提供方代码 forbidden", rep.Created, rules(rep))
			}
			r, err := e.cat.Find(e.staff, rep.Codes[0], 0)
			if err != nil || r.Provider != deptCode {
				t.Errorf("got %v %v, want provider %s", r, err, deptCode)
			}
		})
		t.Run("OperatorActsForDepartments", func(t *testing.T) {
			rep, err := catalogio.Import(e.operator, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			// 本部门资源 goes to the operator's own department, 民政资源 to 民政厅.
			if rep.Created != 2 || findError(rep, catalogio.SheetEntries, 4, "提供方代码", "exists") == nil {
				t.Fatalf("got created %d %v, want 2 and row 4 提供方代码 exists", rep.Created, rules(rep))
			}
			r, err := e.cat.Find(e.other, rep.Codes[1], 0)
			if err != nil || r.Provider != otherCode {
				t.Errorf("got %v %v, want provider %s", r, err, otherCode)
			}
		})
	})
}

func TestImportDryRun(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		entries := []map[string]any{entryCells("1", "户籍信息"), entryCells("2", "婚姻登记信息"), entryCells("3", "")}
		entries[0]["关联资源代码"] = "2"
		file := workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries},
			sheet{catalogio.SheetItems, itemHeaders, []map[string]any{itemCells("1", "姓名", "XM"), itemCells("2", "姓名", "XM"), itemCells("3", "姓名", "XM")}})
		rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 3 || rep.Created != 2 || len(rep.Codes) != 0 {
			t.Errorf("got rows %d created %d codes %v, want 3 2 none", rep.Rows, rep.Created, rep.Codes)
		}
		if findError(rep, catalogio.SheetEntries, 4, "信息资源名称", "required") == nil || len(rep.Errors) != 1 {
			t.Errorf("got %v, want only row 4 信息资源名称 required", rules(rep))
		}
		if got := count(t, e, e.staff); got != 0 {
			t.Errorf("dry run created %d entries, want 0", got)
		}
	})
}

func TestImportRelatedBySequence(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		existing := mustCreate(t, e, e.staff, sample("已有资源"))
		entries := []map[string]any{entryCells("1", "户籍信息"), entryCells("2", "婚姻登记信息")}
		entries[0]["关联资源代码"] = "2、" + existing.Code
		entries[1]["关联资源代码"] = "301002/999999"
		file := workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries},
			sheet{catalogio.SheetItems, itemHeaders, []map[string]any{itemCells("1", "姓名", "XM"), itemCells("2", "姓名", "XM")}})
		rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || findError(rep, catalogio.SheetEntries, 3, "关联资源代码", "exists") == nil {
			t.Fatalf("got created %d %v, want 1 and row 3 关联资源代码 exists", rep.Created, rules(rep))
		}
		if findError(rep, catalogio.SheetEntries, 2, "关联资源代码", "related") == nil {
			t.Errorf("got %v, want a warning that the relation to row 3 was dropped", rules(rep))
		}
		r, err := e.cat.Find(e.staff, rep.Codes[0], 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Related, []string{existing.Code}) {
			t.Errorf("related got %v, want [%s]", r.Related, existing.Code)
		}
	})
}

func TestTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := catalogio.Template(&buf); err != nil {
		t.Fatal(err)
	}
	tmpl := buf.Bytes()
	f, err := excelize.OpenReader(bytes.NewReader(tmpl))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got, want := f.GetSheetList(), []string{catalogio.SheetEntries, catalogio.SheetItems}; !slices.Equal(got, want) {
		t.Fatalf("sheets got %v, want %v", got, want)
	}
	for _, tc := range []struct {
		sheet  string
		header []string
		rows   int
		lists  []string // a drop-down must offer each
	}{
		{catalogio.SheetEntries, entryHeaders, 2, []string{"无条件共享", "有条件开放", "每季度", "服务接口", "部门接口", "部门信息资源"}},
		{catalogio.SheetItems, itemHeaders, 4, []string{"字符型", "统一社会信用代码", "是"}},
	} {
		t.Run(tc.sheet, func(t *testing.T) {
			rows, err := f.GetRows(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows[0], tc.header) || len(rows) != tc.rows || rows[1][0] != "示例" {
				t.Fatalf("got %v, want header %v and %d example rows marked 示例", rows, tc.header, tc.rows-1)
			}
			dvs, err := f.GetDataValidations(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.lists {
				if !slices.ContainsFunc(dvs, func(dv *excelize.DataValidation) bool {
					return dv.Type == "list" && strings.Contains(dv.Formula1, want)
				}) {
					t.Errorf("no drop-down offers %s", want)
				}
			}
		})
	}

	eachEnv(t, func(t *testing.T, e *env) {
		t.Run("ExampleSkipped", func(t *testing.T) {
			rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(tmpl), catalogio.XLSX, catalogio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != 0 || rep.Created != 0 || findError(rep, catalogio.SheetEntries, 2, "序号", "example_row") == nil {
				t.Errorf("got rows %d created %d %v, want the example row skipped", rep.Rows, rep.Created, rules(rep))
			}
		})
		t.Run("ExampleIsValid", func(t *testing.T) {
			f, err := excelize.OpenReader(bytes.NewReader(tmpl))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			for _, ref := range []struct{ sheet, cell string }{{catalogio.SheetEntries, "A2"}, {catalogio.SheetItems, "A2"}, {catalogio.SheetItems, "A3"}, {catalogio.SheetItems, "A4"}} {
				if err := f.SetCellValue(ref.sheet, ref.cell, "1"); err != nil {
					t.Fatal(err)
				}
			}
			var filled bytes.Buffer
			if err := f.Write(&filled); err != nil {
				t.Fatal(err)
			}
			rep, err := catalogio.Import(e.staff, e.cat, &filled, catalogio.XLSX, catalogio.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Created != 1 || len(rep.Errors) != 0 {
				t.Fatalf("got created %d %v, want the example imported cleanly", rep.Created, rules(rep))
			}
			r, err := e.cat.Find(e.staff, rep.Codes[0], 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Items) != 3 || r.KeyItem() == nil || r.KeyItem().KeyKind != huitong.KeyCitizenID {
				t.Errorf("got items %+v, want three with a citizen-ID key", r.Items)
			}
		})
	})
}

func TestRowErrorValueTruncated(t *testing.T) {
	eachEnv(t, func(t *testing.T, e *env) {
		long := strings.Repeat("长", 300)
		entries := []map[string]any{entryCells("1", "户籍信息")}
		entries[0]["更新周期"] = long
		file := workbook(t, sheet{catalogio.SheetEntries, entryHeaders, entries},
			sheet{catalogio.SheetItems, itemHeaders, []map[string]any{itemCells("1", "姓名", "XM")}})
		rep, err := catalogio.Import(e.staff, e.cat, bytes.NewReader(file), catalogio.XLSX, catalogio.Options{})
		if err != nil {
			t.Fatal(err)
		}
		re := findError(rep, catalogio.SheetEntries, 2, "更新周期", "enum")
		if re == nil {
			t.Fatalf("got %v, want 更新周期 enum", rules(rep))
		}
		if n := utf8.RuneCountInString(re.Value); n != 100 {
			t.Errorf("value length got %d runes, want 100", n)
		}
	})
}
