package exchange_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/store"
	"huitong/store/storetest"
)

func cstDay(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, time.FixedZone("CST", 8*3600))
	if err != nil {
		panic(err)
	}
	return t
}

func TestCalendarDeadline(t *testing.T) {
	cal := exchange.DefaultCalendar()
	tests := []struct {
		name string
		from string
		days int
		want string // the last day to answer, Beijing time
	}{
		{"OrdinaryWeeks", "2026-03-02 10:00", 10, "2026-03-16"},
		{"AcrossSpringFestival", "2026-02-10 16:30", 10, "2026-03-02"}, // 14 Feb and 28 Feb are make-up working days
		{"AcrossNationalDay", "2026-09-30 09:00", 3, "2026-10-10"},     // 1-7 Oct off, 10 Oct worked
		{"SubmittedOnHoliday", "2026-05-02 12:00", 1, "2026-05-06"},
		{"MakeUpSunday", "2026-09-18 09:00", 1, "2026-09-20"},
		{"LateEvening", "2026-03-06 23:59", 1, "2026-03-09"},
		{"UnknownYearWeekdaysOnly", "2027-01-01 10:00", 1, "2027-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cal.Deadline(cstDay(tt.from), tt.days)
			want := cstDay(tt.want+" 00:00").AddDate(0, 0, 1)
			if !got.Equal(want) {
				t.Errorf("got %s, want end of %s", got.In(time.FixedZone("CST", 8*3600)), tt.want)
			}
		})
	}
	t.Run("Days", func(t *testing.T) {
		for d, want := range map[string]bool{"2026-02-14": true, "2026-02-16": false, "2026-10-08": true, "2026-10-03": false, "2026-03-07": false, "2026-06-19": false} {
			if got := cal.IsWorkingDay(cstDay(d + " 12:00")); got != want {
				t.Errorf("%s working day: got %v, want %v", d, got, want)
			}
		}
		if got := cal.DayName(cstDay("2026-02-14 12:00")); got != "春节调休上班" {
			t.Errorf("DayName: got %q, want 春节调休上班", got)
		}
		if !cal.Known(2026) || cal.Known(2027) {
			t.Errorf("Known: got 2026 %v 2027 %v, want true false", cal.Known(2026), cal.Known(2027))
		}
	})
	t.Run("ConfiguredYear", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "2027.json")
		os.WriteFile(path, []byte(`[{"year":2027,"source":"test","holidays":[{"name":"元旦","from":"2027-01-01","to":"2027-01-03"}],"workdays":[]}]`), 0o600)
		cal, err := exchange.LoadCalendar(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := cal.Deadline(cstDay("2026-12-31 10:00"), 1); !got.Equal(cstDay("2027-01-05 00:00")) {
			t.Errorf("got %s, want end of 2027-01-04", got)
		}
		os.WriteFile(path, []byte(`{"year":2027,"holidays":[{"name":"x","from":"2027-01-01","to":"2027-01-02"}],"workdays":[{"name":"y","date":"2027-01-02"}]}`), 0o600)
		if _, err := exchange.LoadCalendar(path); err == nil {
			t.Error("a day both holiday and working day: got nil, want an error")
		}
	})
}

func TestShareRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{})
		x := e.Exchange
		until := e.Clock.Now().AddDate(0, 6, 0)
		in := exchange.RequestInput{Resource: e.People, Items: []string{"姓名", "GMSFHM", "xbdm", "联系电话"}, Purpose: "最低生活保障资格审核",
			LegalBasis: "《社会救助暂行办法》第十一条", Until: until, ExpectedVolume: 200, PlainItems: []string{"姓名"}}
		r, err := x.Request(e.As("county"), in)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != huitong.RequestPending || r.Jurisdiction != "620102" || !slices.Equal(r.Items, []string{"XM", "GMSFHM", "XBDM", "LXDH"}) {
			t.Fatalf("request: got %+v", r)
		}
		// 2026-03-02 (Mon) + 10 working days: end of 2026-03-16.
		if want := cstDay("2026-03-17 00:00"); !r.DueBy.Equal(want) {
			t.Errorf("dueBy: got %s, want %s", r.DueBy, want)
		}
		if _, d := lastEntry(t, db, "share.request"); d["request"] != float64(r.ID) {
			t.Errorf("share.request audit: got %v", d)
		}

		t.Run("ErrInvalid", func(t *testing.T) {
			bad := in
			bad.Items, bad.Purpose, bad.Jurisdiction, bad.Until, bad.PlainItems = []string{"学历"}, "", "629999", e.Clock.Now().Add(-time.Hour), []string{"性别"}
			_, err := x.Request(e.As("county"), bad)
			if huitong.ErrorCode(err) != huitong.EINVALID {
				t.Fatalf("got %v, want invalid", err)
			}
			fields := map[string]bool{}
			for _, f := range huitong.ErrorFields(err) {
				fields[f.Field+"/"+f.Rule] = true
			}
			for _, want := range []string{"items/item.unknown", "purpose/required", "jurisdiction/division", "until/future", "plainItems/not_requested"} {
				if !fields[want] {
					t.Errorf("got fields %v, want %s", fields, want)
				}
			}
		})
		t.Run("ErrNotShareable", func(t *testing.T) {
			_, err := x.Request(e.As("rs"), exchange.RequestInput{Resource: e.Secret, Items: []string{"姓名"}, Purpose: "核查", LegalBasis: "无", Until: until})
			if huitong.ErrorCode(err) != huitong.EFORBIDDEN || ruleOf(err) != "share.none" {
				t.Fatalf("got %v, want forbidden share.none", err)
			}
		})
		t.Run("ErrExportNotAllowed", func(t *testing.T) {
			_, err := x.Request(e.As("rs"), exchange.RequestInput{Resource: e.Marriage, Items: []string{"婚姻状况"}, Uses: []string{"export"}, Purpose: "核查婚姻状况", LegalBasis: "依法", Until: until})
			if ruleOf(err) != "export.method" {
				t.Fatalf("got %v, want export.method", err)
			}
		})
		t.Run("ErrConsumerDecides", func(t *testing.T) {
			if _, _, err := x.Decide(e.As("county"), r.ID, exchange.Decision{Decision: "approve"}); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("got %v, want forbidden", err)
			}
			if _, _, err := x.Decide(e.As("other"), r.ID, exchange.Decision{Decision: "approve"}); huitong.ErrorCode(err) != huitong.ENOTFOUND {
				t.Fatalf("a stranger: got %v, want not found", err)
			}
		})
		t.Run("ErrApproveMoreThanAsked", func(t *testing.T) {
			_, _, err := x.Decide(e.As("ga"), r.ID, exchange.Decision{Decision: "approve", Items: []string{"户籍地址"}, Until: until.AddDate(0, 1, 0)})
			fields := huitong.ErrorFields(err)
			if len(fields) != 2 || fields[0].Rule != "not_requested" || fields[1].Rule != "max" {
				t.Fatalf("got %v, want not_requested and max", err)
			}
		})
		t.Run("ApproveFewerItemsShorterTerm", func(t *testing.T) {
			shorter := until.AddDate(0, -3, 0)
			out, g, err := x.Decide(e.As("ga"), r.ID, exchange.Decision{Decision: "approve", Items: []string{"姓名", "公民身份号码", "性别"}, Until: shorter, Reason: "联系电话不予提供"})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != huitong.RequestApproved || out.Grant != g.ID || !slices.Equal(g.Items, []string{"XM", "GMSFHM", "XBDM"}) ||
				!g.Until.Equal(shorter) || !slices.Equal(g.PlainItems, []string{"XM"}) || g.Jurisdiction != "620102" {
				t.Fatalf("got %+v %+v", out, g)
			}
			if _, d := lastEntry(t, db, "grant.create"); d["grant"] != float64(g.ID) {
				t.Errorf("grant.create audit: got %v", d)
			}
			if _, _, err := x.Decide(e.As("ga"), r.ID, exchange.Decision{Decision: "refuse", Reason: "再议"}); huitong.ErrorCode(err) != huitong.ECONFLICT {
				t.Errorf("decide twice: got %v, want conflict", err)
			}
		})
		t.Run("Refuse", func(t *testing.T) {
			r2, err := x.Request(e.As("rs"), in)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := x.Decide(e.As("ga"), r2.ID, exchange.Decision{Decision: "refuse"}); ruleOf(err) != "required" {
				t.Fatalf("refuse without reason: got %v, want required", err)
			}
			out, g, err := x.Decide(e.As("ga-admin"), r2.ID, exchange.Decision{Decision: "refuse", Reason: "申请用途与所需信息项不相符"})
			if err != nil || g != nil || out.Status != huitong.RequestRefused || out.Reason == "" {
				t.Fatalf("got %+v %v %v", out, g, err)
			}
		})
		t.Run("Withdraw", func(t *testing.T) {
			r3, err := x.Request(e.As("rs"), in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := x.Withdraw(e.As("ga"), r3.ID); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("provider withdraws: got %v, want forbidden", err)
			}
			out, err := x.Withdraw(e.As("rs"), r3.ID)
			if err != nil || out.Status != huitong.RequestWithdrawn {
				t.Fatalf("got %+v %v", out, err)
			}
		})
		t.Run("UnconditionalAtOnce", func(t *testing.T) {
			r4, err := x.Request(e.As("county"), exchange.RequestInput{Resource: e.Companies, Items: []string{"企业名称", "法定代表人"}, Uses: []string{"query", "verify"},
				Purpose: "社会组织登记核查", Until: until})
			if err != nil {
				t.Fatal(err)
			}
			if r4.Status != huitong.RequestApproved || r4.Grant == 0 || r4.DecidedBy != "system" {
				t.Fatalf("got %+v", r4)
			}
		})
		t.Run("Lists", func(t *testing.T) {
			mine, total, err := x.ShareRequests(e.As("county"), "", huitong.ShareRequestFilter{})
			if err != nil || total != 2 || len(mine) != 2 || mine[0].ConsumerName != "兰州市城关区民政局" {
				t.Fatalf("consumer list: got %d %v", total, err)
			}
			theirs, total, err := x.ShareRequests(e.As("ga"), exchange.RoleProvider, huitong.ShareRequestFilter{Status: huitong.RequestRefused})
			if err != nil || total != 1 || theirs[0].Status != huitong.RequestRefused {
				t.Fatalf("provider list: got %d %v", total, err)
			}
			if _, _, err := x.ShareRequests(e.As("ga"), exchange.RoleAuthority, huitong.ShareRequestFilter{}); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("authority list as provider: got %v, want forbidden", err)
			}
			if _, total, err := x.ShareRequests(e.As("reviewer"), exchange.RoleAuthority, huitong.ShareRequestFilter{}); err != nil || total != 4 {
				t.Fatalf("authority list: got %d %v, want 4", total, err)
			}
		})
	})
}

func TestEscalation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{Config: exchange.Config{ResponseDays: 5}})
		x := e.Exchange
		r, err := x.Request(e.As("rs"), exchange.RequestInput{Resource: e.People, Items: []string{"姓名"}, Purpose: "养老保险待遇资格认证",
			LegalBasis: "《社会保险法》", Until: e.Clock.Now().AddDate(1, 0, 0)})
		if err != nil {
			t.Fatal(err)
		}
		// Monday 2 March + 5 working days: due at the end of Monday 9 March.
		if want := cstDay("2026-03-10 00:00"); !r.DueBy.Equal(want) {
			t.Fatalf("dueBy: got %s, want %s", r.DueBy, want)
		}
		e.Clock.Set(cstDay("2026-03-09 23:00"))
		if got, err := x.Escalate(e.As("op")); err != nil || len(got) != 0 {
			t.Fatalf("before due: got %d escalated, %v", len(got), err)
		}
		if _, _, err := x.Decide(e.As("reviewer"), r.ID, exchange.Decision{Decision: "approve"}); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("authority before escalation: got %v, want forbidden", err)
		}
		e.Clock.Set(cstDay("2026-03-10 00:01"))
		got, err := x.Escalate(e.As("op"))
		if err != nil || len(got) != 1 || !got[0].Escalated {
			t.Fatalf("after due: got %v, %v", got, err)
		}
		if again, _ := x.Escalate(e.As("op")); len(again) != 0 {
			t.Errorf("escalated twice: %d", len(again))
		}
		entry, d := lastEntry(t, db, "share.escalate")
		if entry.Actor != "system" || d["request"] != float64(r.ID) {
			t.Errorf("escalation audit: got %+v %v", entry, d)
		}
		queue, total, err := x.ShareRequests(e.As("reviewer"), exchange.RoleAuthority, huitong.ShareRequestFilter{Escalated: true})
		if err != nil || total != 1 || !queue[0].Overdue {
			t.Fatalf("authority queue: got %d %v", total, err)
		}
		out, g, err := x.Decide(e.As("reviewer"), r.ID, exchange.Decision{Decision: "approve"})
		if err != nil || out.Status != huitong.RequestApproved || g == nil {
			t.Fatalf("authority decides escalated: got %v %v", out, err)
		}
	})
}
