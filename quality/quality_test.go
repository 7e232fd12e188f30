package quality_test

import (
	"testing"
	"time"

	"huitong"
	"huitong/quality"
	"huitong/workday"
)

// TestCalendarDeadline checks dispute deadlines are counted on the
// platform's one working-day calendar (package workday), with the real
// 2026 arrangement: weekends, the National Day week and its make-up days.
func TestCalendarDeadline(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	cfg := quality.DefaultConfig()
	if err := cfg.FromEnv(func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	if err := cfg.FromEnv(func(k string) string { return map[string]string{"HUITONG_CALENDAR": "/nonexistent/calendar.json"}[k] }); err == nil {
		t.Fatal("a missing HUITONG_CALENDAR file accepted")
	}
	cal := workday.DefaultCalendar()
	for _, c := range []struct {
		name string
		from time.Time
		days int
		want string
	}{
		{"Weekdays", time.Date(2026, 3, 2, 10, 0, 0, 0, cst), 3, "2026-03-05"},
		{"OverAWeekend", time.Date(2026, 3, 6, 10, 0, 0, 0, cst), 1, "2026-03-09"},
		{"LateFridayUTCIsSaturdayInChina", time.Date(2026, 3, 6, 17, 0, 0, 0, time.UTC), 1, "2026-03-09"},
		{"MakeUpSunday", time.Date(2026, 9, 18, 10, 0, 0, 0, cst), 1, "2026-09-20"},
		{"MidAutumn", time.Date(2026, 9, 24, 10, 0, 0, 0, cst), 1, "2026-09-28"},
		{"NationalDay", time.Date(2026, 9, 29, 10, 0, 0, 0, cst), 3, "2026-10-09"},
		{"MakeUpSaturday", time.Date(2026, 10, 9, 10, 0, 0, 0, cst), 1, "2026-10-10"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, _ := time.ParseInLocation(time.DateOnly, c.want, cst)
			if got := cal.Deadline(c.from, c.days); !got.Equal(want.AddDate(0, 0, 1)) {
				t.Fatalf("got %s, want the end of %s", got.In(cst), c.want)
			}
		})
	}
}

func TestTimeliness(t *testing.T) {
	at := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, c := range []struct {
		name  string
		cycle huitong.UpdateCycle
		prev  time.Time
		want  float64
	}{
		{"First", huitong.CycleDaily, time.Time{}, 100},
		{"OnTime", huitong.CycleDaily, at.Add(-20 * time.Hour), 100},
		{"HalfLate", huitong.CycleDaily, at.Add(-36 * time.Hour), 50},
		{"TwiceLate", huitong.CycleDaily, at.Add(-3 * day), 0},
		{"Monthly", huitong.CycleMonthly, at.Add(-30 * day), 100},
		{"Irregular", huitong.CycleIrregular, at.Add(-400 * day), 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := quality.Timeliness(c.cycle, c.prev, at); got != c.want {
				t.Fatalf("got %.1f, want %.1f", got, c.want)
			}
		})
	}
}

func TestScoreBatch(t *testing.T) {
	q := quality.ScoreBatch(quality.BatchFacts{Received: 200, Accepted: 180, Duplicates: 4, Warnings: 3, Disputes: 6, FilledCells: 1620, Items: 10, Cycle: huitong.CycleDaily})
	want := huitong.QualityScore{Records: 180, Completeness: 90, Validity: 90, Uniqueness: 98, Consistency: 95, Timeliness: 100, Overall: 94.6}
	if q != want {
		t.Fatalf("got %+v, want %+v", q, want)
	}
	if z := quality.ScoreBatch(quality.BatchFacts{}); z.Validity != 0 || z.Completeness != 0 {
		t.Fatalf("empty batch: got %+v, want zeros without dividing by zero", z)
	}
}

func TestNames(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"买买提·艾力", "买买提•艾力"},
		{"买买提・艾力", " 买买提．艾力 "},
		{"张 三", "张三"},
		{"ｊｏｈｎ　Ｓｍｉｔｈ", "JOHNSMITH"},
	} {
		if quality.NormalizeName(c.a) != quality.NormalizeName(c.b) {
			t.Errorf("%q and %q: got %q and %q, want equal", c.a, c.b, quality.NormalizeName(c.a), quality.NormalizeName(c.b))
		}
	}
	if quality.MatchKey("张三", "") != "" || quality.MatchKey("", "1990-01-01") != "" {
		t.Fatal("a match key needs both a name and a date")
	}
}

func TestRegistry(t *testing.T) {
	reg := quality.NewRegistry([]*huitong.DataElement{
		{Code: "XM", Name: "姓名", Role: quality.RoleName},
		{Code: "QYMC", Name: "企业名称", Aliases: []string{"NSRMC", "纳税人名称"}, Role: quality.RoleName},
		{Code: "LXDH", Name: "联系电话", Rule: quality.RulePhone},
		{Code: "XBDM", Name: "性别", Rule: "enum:1,2"},
	})
	for _, c := range []struct {
		name string
		item huitong.Item
		rule string
		elem string
	}{
		{"KeyKindWins", huitong.Item{Name: "身份证", Key: true, KeyKind: huitong.KeyCitizenID, DataElement: "mobile"}, quality.RuleCitizenID, ""},
		{"DataElementRule", huitong.Item{Name: "电话", Code: "LXDH", DataElement: "mobile"}, quality.RuleMobile, "LXDH"},
		{"DataElementCode", huitong.Item{Name: "号码", Code: "HM", DataElement: "lxdh"}, quality.RulePhone, "LXDH"},
		{"ItemCode", huitong.Item{Name: "电话号码", Code: "LXDH"}, quality.RulePhone, "LXDH"},
		{"Alias", huitong.Item{Name: "纳税人名称", Code: "NSRMC"}, "", "QYMC"},
		{"ItemName", huitong.Item{Name: "性别"}, "enum:1,2", "XBDM"},
		{"Unknown", huitong.Item{Name: "备注", Code: "BZ"}, "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := reg.RuleOf(&c.item); got != c.rule {
				t.Errorf("rule: got %q, want %q", got, c.rule)
			}
			e := reg.ForItem(&c.item)
			if (e == nil && c.elem != "") || (e != nil && e.Code != c.elem) {
				t.Errorf("element: got %v, want %q", e, c.elem)
			}
		})
	}
	for rule, ok := range map[string]bool{"citizen_id": true, "enum:男,女": true, "enum:": false, "enum:a,,b": false, "regex:.*": false, "": false,
		"code:GB/T 3304": true, "code: gb/t 2261.2": true, "code:GB/T 2261.1": true, "code:GB/T 9999": false, "code:": false} {
		if quality.ValidRule(rule) != ok {
			t.Errorf("ValidRule(%q): got %v, want %v", rule, !ok, ok)
		}
	}
	if err := quality.ValidateElement(&huitong.DataElement{Code: "1x", Name: "", Rule: "bad", Role: "boss"}); len(huitong.ErrorFields(err)) != 4 {
		t.Fatalf("bad element: got %v, want four fields", err)
	}
}

func TestCodeTables(t *testing.T) {
	nation := quality.CodeTableOf("code:GB/T 3304")
	if nation == nil {
		t.Fatal("GB/T 3304: no table")
	}
	// 56 nationalities, then 97 and 98; spot checks across the range.
	if n := len(nation.Codes); n != 58 {
		t.Errorf("GB/T 3304: %d codes, want 58", n)
	}
	for code, name := range map[string]string{"01": "汉族", "03": "回族", "10": "朝鲜族", "29": "柯尔克孜族", "43": "乌孜别克族", "56": "基诺族", "97": "其他", "98": "外国血统中国籍人士", "57": "", "99": "", "3": ""} {
		if got := nation.Name(code); got != name {
			t.Errorf("GB/T 3304 %q: got %q, want %q", code, got, name)
		}
	}
	if v := nation.Values(); v[0] != "01" || v[55] != "56" || v[56] != "97" {
		t.Errorf("GB/T 3304 values: %v", v)
	}
	seen := map[string]bool{}
	for _, tbl := range quality.CodeTables() {
		for _, c := range tbl.Codes {
			if c.Code == "" || c.Name == "" || seen[tbl.ID+c.Code] {
				t.Errorf("%s: empty or repeated code %+v", tbl.ID, c)
			}
			seen[tbl.ID+c.Code] = true
		}
	}
	for _, c := range []struct{ rule, role, value, want string }{
		{"code:GB/T 2261.2", "", "21", "初婚"},
		{"code:GB/T 2261.2", "", "50", ""},
		{"code:GB/T 2261.1", quality.RoleSex, " 2 ", "女"},
		{"enum:1,2", quality.RoleSex, "1", "男"}, // a sex element without a code rule still reads GB/T 2261.1
		{"enum:01,02", "", "01", ""},            // a plain enum has no names
		{"", "", "01", ""},
	} {
		if got := quality.CodeLabel(c.rule, c.role, c.value); got != c.want {
			t.Errorf("CodeLabel(%q, %q, %q): got %q, want %q", c.rule, c.role, c.value, got, c.want)
		}
	}
}
