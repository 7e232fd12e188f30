package catalogio_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/catalog"
	"huitong/catalogio"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

var bg = context.Background()

// Departments every test environment registers, with valid GB 32100 codes.
var (
	deptCode      = gbcode.MakeUSCC('1', '1', "620000", "01360000") // 甘肃省公安厅
	otherCode     = gbcode.MakeUSCC('1', '1', "620000", "01360001") // 甘肃省民政厅
	authorityCode = gbcode.MakeUSCC('1', '1', "620000", "01360002") // 甘肃省大数据管理局
)

// Headers the brief fixes (plus 序号, 接口方法, 挂接说明 and 是否必填, 资源序号).
var (
	entryHeaders = []string{"序号", "信息资源代码", "信息资源名称", "信息资源摘要", "类", "项", "目", "细目", "提供方代码", "信息资源格式", "共享类型", "共享条件", "不予共享依据", "共享方式", "开放类型", "开放条件", "更新周期", "关联资源代码", "关键词", "挂接方式", "接口地址/库表/文件位置", "接口方法", "挂接说明", "状态", "版本", "发布日期"}
	itemHeaders  = []string{"资源序号", "信息资源代码", "信息项名称", "信息项代码", "数据类型", "长度", "是否必填", "是否主键", "主键类型", "是否敏感", "共享类型", "开放类型", "数据元", "说明"}
)

// env is a real store with real identity and catalog services, three
// departments and a principal for each role the tests need.
type env struct {
	db       *store.DB
	cat      *catalog.Service
	staff    context.Context // staff of deptCode
	other    context.Context // staff of otherCode
	reviewer context.Context // reviewer at the data authority
	operator context.Context // platform operator
}

func newEnv(t *testing.T, db *store.DB) *env {
	t.Helper()
	ids := identity.New(db, identity.Config{}, nil)
	sys := huitong.WithPrincipal(bg, huitong.System)
	for _, d := range []*huitong.Department{
		{Code: deptCode, Name: "甘肃省公安厅", Jurisdiction: "620000"},
		{Code: otherCode, Name: "甘肃省民政厅", Jurisdiction: "620000"},
		{Code: authorityCode, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Authority: true},
	} {
		if err := ids.CreateDepartment(sys, d); err != nil {
			t.Fatalf("create department %s: %v", d.Name, err)
		}
	}
	user := func(name, dept string, role huitong.Role) context.Context {
		u := &huitong.User{Username: name, DisplayName: name, Department: dept, Roles: []huitong.Role{role}}
		if err := ids.CreateUser(sys, u, "Gansu-Catalog-2024!"); err != nil {
			t.Fatalf("create user %s: %v", name, err)
		}
		return huitong.WithPrincipal(bg, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles})
	}
	cat := catalog.New(db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := cat.Rebuild(bg); err != nil {
		t.Fatal(err)
	}
	return &env{
		db:       db,
		cat:      cat,
		staff:    user("zhangsan", deptCode, huitong.RoleStaff),
		other:    user("lisi", otherCode, huitong.RoleStaff),
		reviewer: user("wangwu", authorityCode, huitong.RoleReviewer),
		operator: user("ops", authorityCode, huitong.RoleOperator),
	}
}

// eachEnv runs fn on a fresh environment per engine.
func eachEnv(t *testing.T, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, newEnv(t, db)) })
}

// sample is a complete, valid catalog entry.
func sample(name string) *huitong.Resource {
	return &huitong.Resource{
		Name:           name,
		Abstract:       name + "：本部门依法登记的事项信息。",
		Classification: huitong.Classification{Class: huitong.ClassDepartment, Item: "01", Category: "002"},
		Format:         huitong.FormatDatabase,
		ShareType:      huitong.ShareConditional,
		ShareCondition: "用于政务服务办理时的身份核验",
		ShareMethods:   []huitong.ShareMethod{huitong.MethodSystem, huitong.MethodQuery},
		OpenType:       huitong.OpenClosed,
		UpdateCycle:    huitong.CycleMonthly,
		Keywords:       []string{"户籍", "人口"},
		Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: "https://api.example.gov.cn/rk/query", Method: "POST", Comment: "按公民身份号码查询"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: huitong.TypeString, Length: 18, Required: true, Key: true, KeyKind: huitong.KeyCitizenID, Sensitive: true, DataElement: "DE00001", Description: "GB 11643-1999"},
			{Name: "姓名", Code: "XM", Type: huitong.TypeString, Length: 50, Required: true, Sensitive: true, ShareType: huitong.ShareConditional, OpenType: huitong.OpenClosed},
			{Name: "出生日期", Code: "CSRQ", Type: huitong.TypeDate},
		},
	}
}

func mustCreate(t *testing.T, e *env, ctx context.Context, r *huitong.Resource) *huitong.Resource {
	t.Helper()
	if err := e.cat.Create(ctx, r); err != nil {
		t.Fatalf("create %s: %v", r.Name, err)
	}
	return r
}

// count is how many entries the caller's working view holds.
func count(t *testing.T, e *env, ctx context.Context) int {
	t.Helper()
	list, err := e.cat.SearchScope(ctx, huitong.ResourceFilter{}, catalog.ScopeWorking)
	if err != nil {
		t.Fatal(err)
	}
	return list.Total
}

// sheet builds one sheet's rows from cells keyed by header.
type sheet struct {
	name   string
	header []string
	rows   []map[string]any
}

// workbook writes the sheets as an xlsx file.
func workbook(t *testing.T, sheets ...sheet) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.name); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(s.name); err != nil {
			t.Fatal(err)
		}
		hdr := make([]any, len(s.header))
		for j, h := range s.header {
			hdr[j] = h
		}
		if err := f.SetSheetRow(s.name, "A1", &hdr); err != nil {
			t.Fatal(err)
		}
		for r, m := range s.rows {
			row := make([]any, len(s.header))
			for j, h := range s.header {
				row[j] = m[h]
			}
			if err := f.SetSheetRow(s.name, "A"+strconv.Itoa(r+2), &row); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// entryCells is a valid entries-sheet row, in labels.
func entryCells(seq, name string) map[string]any {
	return map[string]any{
		"序号": seq, "信息资源名称": name, "信息资源摘要": name + "的摘要", "类": "部门信息资源", "项": "01", "目": "002",
		"信息资源格式": "数据库", "共享类型": "有条件共享", "共享条件": "身份核验", "共享方式": "系统对接、联机查询",
		"开放类型": "不予开放", "更新周期": "每月", "关键词": "户籍、人口", "挂接方式": "部门接口",
		"接口地址/库表/文件位置": "https://api.example.gov.cn/x", "接口方法": "GET",
	}
}

// itemCells is a valid items-sheet row of the entry with 序号 seq.
func itemCells(seq, name, code string) map[string]any {
	return map[string]any{"资源序号": seq, "信息项名称": name, "信息项代码": code, "数据类型": "字符型", "长度": 50, "是否主键": "否"}
}

// findError returns the first report error matching sheet, row, field and rule.
func findError(rep *catalogio.Report, sheet string, row int, field, rule string) *catalogio.RowError {
	for i, e := range rep.Errors {
		if e.Sheet == sheet && e.Row == row && e.Field == field && e.Rule == rule {
			return &rep.Errors[i]
		}
	}
	return nil
}

func rules(rep *catalogio.Report) []string {
	var out []string
	for _, e := range rep.Errors {
		out = append(out, e.Sheet+"!"+strconv.Itoa(e.Row)+" "+e.Field+" "+e.Rule+": "+e.Message)
	}
	return out
}
