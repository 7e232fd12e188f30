package web

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"huitong"
	"huitong/exchange"
)

// The data authority's supervision of share requests (逾期督办) and the
// usage of shared data by department: a consumer sees its own uses, a
// provider the uses of its resources, the data authority all of them.

// overdueData is the 逾期督办 page.
type overdueData struct {
	Report       *exchange.OverdueReport
	ResponseDays int
}

// overduePage lists the pending requests past their due time and the
// escalated requests decided since. The service refuses anyone but the
// data authority's staff and operators (403 page).
func (s *Server) overduePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	rep, err := s.Exchange.Overdue(r.Context(), 50)
	if err != nil {
		return err
	}
	d := &overdueData{Report: rep, ResponseDays: s.Exchange.Config().ResponseDays}
	return s.render(w, r, http.StatusOK, "exchange_overdue", s.newView(r, rq, "逾期督办", "exchange-overdue", d))
}

// usageRow is one line of the usage summary.
type usageRow struct {
	Resource, ResourceName     string
	Department, DepartmentName string
	Action, Result             string
	Count                      int
}

// usageSummaryData is the 部门使用情况 page.
type usageSummaryData struct {
	Role      string // consumer, provider or authority
	Authority bool   // the caller may choose the authority's view
	From, To  string // yyyy-mm-dd, Beijing
	Rows      []usageRow
	Total     int
	Recent    []usageView
	Errors    map[string][]string
	Message   string
}

// usageLimit is how many recent uses the summary page lists;
// usageDefaultDays how many days it counts unless asked for others.
const (
	usageLimit       = 50
	usageDefaultDays = 30
)

func (s *Server) usageSummaryPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	d := &usageSummaryData{Role: q.Get("role"), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Authority: s.Exchange.IsAuthority(r.Context())}
	if d.Role == "" {
		d.Role = exchange.RoleConsumer
	}
	if !q.Has("from") && !q.Has("to") {
		// By default the last 30 days: the summary counts the audit log,
		// which grows with every use.
		d.From = time.Now().In(cst).AddDate(0, 0, -(usageDefaultDays - 1)).Format(time.DateOnly)
	}
	f := huitong.UsageFilter{Limit: usageLimit}
	var v huitong.Validation
	if t, ok := dayStart(d.From); !ok {
		v.Add("from", "date", "起始日期应为 年-月-日，收到 %q", d.From)
	} else {
		f.From = t
	}
	if t, ok := dayStart(d.To); !ok {
		v.Add("to", "date", "截止日期应为 年-月-日，收到 %q", d.To)
	} else if !t.IsZero() {
		f.To = t.AddDate(0, 0, 1) // the whole of that day
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		v.Add("to", "order", "截止日期不能早于起始日期")
	}
	title := "数据使用情况"
	if err := v.Err(); err != nil {
		d.Errors, d.Message = fieldErrs(err)
		return s.render(w, r, http.StatusUnprocessableEntity, "exchange_usage_summary", s.newView(r, rq, title, "exchange-usage", d))
	}
	counts, err := s.Exchange.UsageSummary(r.Context(), d.Role, f)
	if err != nil {
		return err
	}
	recent, err := s.Exchange.Usage(r.Context(), d.Role, f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	resName := func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		n := ""
		if res, err := s.Catalog.Published(r.Context(), code); err == nil {
			n = res.Name
		}
		names[code] = n
		return n
	}
	for _, c := range counts {
		d.Rows = append(d.Rows, usageRow{Resource: c.Resource, ResourceName: resName(c.Resource), Department: c.Department,
			DepartmentName: s.Catalog.DepartmentName(r.Context(), c.Department), Action: usageAction(c.Action), Result: usageResult(c.Result), Count: c.Count})
		d.Total += c.Count
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].Count > d.Rows[j].Count })
	d.Recent = usageViews(recent)
	return s.render(w, r, http.StatusOK, "exchange_usage_summary", s.newView(r, rq, title, "exchange-usage", d))
}

// usageView is a use with its action and result in Chinese.
type usageView struct {
	huitong.Usage
	ActionLabel, ResultLabel string
}

func usageViews(list []huitong.Usage) []usageView {
	out := make([]usageView, len(list))
	for i, u := range list {
		out[i] = usageView{Usage: u, ActionLabel: usageAction(u.Action), ResultLabel: usageResult(u.Result)}
	}
	return out
}

// dayStart reads a date (yyyy-mm-dd) as the start of that day in Beijing;
// zero when empty.
func dayStart(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation(time.DateOnly, v, cst)
	return t, err == nil
}

// usageAction names an exchange audit action in Chinese.
func usageAction(a string) string {
	switch a {
	case exchange.ActQuery:
		return "查询"
	case exchange.ActVerify:
		return "核验"
	case exchange.ActExport:
		return "批量导出"
	case exchange.ActExportEnd:
		return "导出完成"
	case exchange.ActDeliver:
		return "订阅推送"
	case exchange.ActPull:
		return "拉取变更"
	case exchange.ActSubscribe:
		return "订阅"
	case "exchange.unsubscribe":
		return "取消订阅"
	}
	return a
}

// usageResult names the result of a use in Chinese.
func usageResult(r string) string {
	switch r {
	case "ok":
		return "成功"
	case "denied":
		return "拒绝"
	case "not_found":
		return "未找到"
	case "rate_limited":
		return "超出限额"
	case "unauthorized":
		return "未认证"
	case "invalid":
		return "参数错误"
	case "unavailable":
		return "服务不可用"
	case "failed":
		return "失败"
	}
	return r
}
