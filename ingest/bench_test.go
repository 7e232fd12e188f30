package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"huitong"
	"huitong/divisions"
	"huitong/gbcode"
	"huitong/quality"
)

// BenchmarkValidateRow measures checking and encoding one 10-item row of
// people (the per-row work of the pipeline besides parsing and storing).
func BenchmarkValidateRow(b *testing.B) {
	res := peopleResource()
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

// peopleResource has the items of the people resource the benchmarks load.
func peopleResource() *huitong.Resource {
	return &huitong.Resource{Items: []huitong.Item{
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
}

// peopleCSV returns a CSV of n people in the layout of the throughput
// benchmark (huitong bench ingest): valid ID numbers of Gansu counties in
// scattered order, names, addresses, phone numbers, dates.
func peopleCSV(n int) []byte {
	var counties []divisions.Division
	for _, d := range divisions.Under("620000") {
		if d.Level == divisions.County {
			counties = append(counties, d)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	names := []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚")
	var b bytes.Buffer
	b.WriteString("公民身份号码,姓名,性别,出生日期,民族,户籍地址,联系电话,户籍登记日期,家庭人口数,备注\n")
	for i := range n {
		j := (i * 7919) % n
		c := counties[j%len(counties)]
		birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, j/len(counties)%25000)
		first := fmt.Sprintf("%s%s%03d", c.Code, birth.Format("20060102"), j/len(counties)/25000%1000)
		id := first + string(gbcode.CitizenIDCheck(first))
		sex := "2"
		if (id[16]-'0')%2 == 1 {
			sex = "1"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,01,%s建设路%d号,1%d%09d,%04d-%02d-%02d,%d,\n", id,
			string(names[rng.IntN(len(names))])+string(names[rng.IntN(len(names))]), sex, birth.Format(time.DateOnly),
			divisions.FullName(c.Code), 1+rng.IntN(300), 3+rng.IntN(7), rng.IntN(1e9), 2000+rng.IntN(25), 1+rng.IntN(12), 1+rng.IntN(28), 1+rng.IntN(7))
	}
	return b.Bytes()
}

// BenchmarkReadAndValidate measures the producer side of the pipeline per
// row: CSV parsing, decoding, checking, cleaning and encoding the record.
func BenchmarkReadAndValidate(b *testing.B) {
	const n = 20000
	file := peopleCSV(n)
	reg := quality.NewRegistry([]*huitong.DataElement{{Code: "XM", Name: "姓名", Role: "name"}, {Code: "XBDM", Name: "性别", Rule: "enum:0,1,2,9", Role: "sex"},
		{Code: "CSRQ", Name: "出生日期", Rule: "date", Role: "birthdate"}, {Code: "LXDH", Name: "联系电话", Rule: "phone"}})
	b.ReportAllocs()
	b.SetBytes(int64(len(file)))
	cpu0 := cpuTime()
	for b.Loop() {
		v, err := newValidator(peopleResource(), reg, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		src, err := newCSVSource(bufio.NewReaderSize(bytes.NewReader(file), 64<<10), 1<<20)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := v.mapColumns(src.columns()); err != nil {
			b.Fatal(err)
		}
		var out vrow
		var rejects []huitong.Reject
		for {
			row, cells, bad, err := src.next()
			if err == io.EOF {
				break
			} else if err != nil || bad != nil {
				b.Fatal(err, bad)
			}
			var ok bool
			if ok, _, rejects = v.check(row, cells, nil, &out, rejects[:0]); !ok {
				b.Fatal("rejected", rejects)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/row")
	// On a shared machine the process's CPU time (garbage collection
	// included) says more than the wall clock.
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(b.N*n), "cpu-ns/row")
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
