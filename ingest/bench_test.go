package ingest

import (
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/quality"
)

// BenchmarkValidateRow measures checking and encoding one 10-item row of
// people (the per-row work of the pipeline besides parsing and storing).
func BenchmarkValidateRow(b *testing.B) {
	res := &huitong.Resource{Items: []huitong.Item{
		{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
		{Name: "姓名", Code: "XM", Type: "C", Length: 50, Required: true},
		{Name: "性别", Code: "XBDM", Type: "C", Length: 1},
		{Name: "出生日期", Code: "CSRQ", Type: "D"},
		{Name: "民族", Code: "MZDM", Type: "C", Length: 2},
		{Name: "户籍地址", Code: "HJDZ", Type: "C", Length: 200},
		{Name: "联系电话", Code: "LXDH", Type: "C", Length: 20},
		{Name: "户籍登记日期", Code: "HJDJRQ", Type: "D"},
		{Name: "家庭人口数", Code: "JTRKS", Type: "I", Length: 3},
		{Name: "备注", Code: "BZ", Type: "M", Length: 500},
	}}
	reg := quality.NewRegistry([]*huitong.DataElement{{Code: "XM", Name: "姓名", Role: "name"}, {Code: "XBDM", Name: "性别", Rule: "enum:0,1,2,9", Role: "sex"},
		{Code: "CSRQ", Name: "出生日期", Rule: "date", Role: "birthdate"}, {Code: "LXDH", Name: "联系电话", Rule: "phone"}})
	v, err := newValidator(res, reg, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	cols := []string{"公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "联系电话", "户籍登记日期", "家庭人口数", "备注"}
	if _, err := v.mapColumns(cols); err != nil {
		b.Fatal(err)
	}
	row := strings.Split("11010519491231002X,张伟,2,1949-12-31,01,北京市朝阳区建国路1号,13912345678,2001-02-03,3,", ",")
	var out vrow
	b.ReportAllocs()
	for b.Loop() {
		ok, _, _ := v.check(2, row, nil, &out, nil)
		if !ok {
			b.Fatal("row rejected")
		}
	}
}
