package web

import (
	"errors"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/exchange"
)

// exchangePlaceholder is the 共享交换 page shown while the platform runs
// without the exchange service.
var exchangePlaceholder = struct{ Title, Nav, About string }{"共享交换", "exchange",
	"按目录申请有条件共享资源，提供方在时限内答复；无条件共享资源可直接通过接口、联机查询或下载获取，全程留痕。"}

// registerExchange adds the sharing and exchange (共享交换) pages: applying
// for a catalog entry, the consumer's and the provider's request lists,
// decisions, grants, online query, and the data-use record of a subject.
// Without an exchange service only a placeholder is shown.
func (s *Server) registerExchange(mux *http.ServeMux) {
	if s.Exchange == nil {
		mux.Handle("GET /exchange", s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
			c := exchangePlaceholder
			return s.render(w, r, http.StatusOK, "construction", s.newView(r, rq, c.Title, c.Nav, c))
		}))
		return
	}
	mux.Handle("GET /exchange", s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
		http.Redirect(w, r, "/exchange/requests", http.StatusSeeOther)
		return nil
	}))
	mux.Handle("GET /exchange/apply", s.page(s.applyPage))
	mux.Handle("POST /exchange/apply", s.page(s.apply))
	mux.Handle("GET /exchange/requests", s.page(s.requestsPage))
	mux.Handle("GET /exchange/pending", s.page(s.requestsPage))
	mux.Handle("GET /exchange/requests/{id}", s.page(s.requestPage))
	mux.Handle("POST /exchange/requests/{id}/decide", s.page(s.decide))
	mux.Handle("GET /exchange/grants", s.page(s.grantsPage))
	s.registerExchangeMore(mux) // the grant page and its forms, overdue requests, usage by department
	mux.Handle("GET /exchange/query", s.page(s.queryPage))
	mux.Handle("POST /exchange/query", s.page(s.queryPage))
	mux.Handle("GET /exchange/usage", s.page(s.usagePage))
}

// shareItem is one information item offered as a checkbox.
type shareItem struct {
	Key       string // code, or name for an item without a code
	Name      string
	Sensitive bool
	Checked   bool
}

// itemKey is how the exchange names an item: its code, else its name.
func itemKey(it *huitong.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return it.Name
}

// shareItems lists the resource's items in keys (all when keys is nil),
// checking those in checked.
func shareItems(res *huitong.Resource, keys, checked []string) []shareItem {
	var out []shareItem
	for i := range res.Items {
		it := &res.Items[i]
		k := itemKey(it)
		if keys != nil && !slices.Contains(keys, k) {
			continue
		}
		out = append(out, shareItem{Key: k, Name: it.Name, Sensitive: it.Sensitive, Checked: slices.Contains(checked, k)})
	}
	return out
}

// itemNames names the items in keys, falling back to the key itself.
func itemNames(res *huitong.Resource, keys []string) string {
	names := make([]string, 0, len(keys))
	for _, k := range keys {
		n := k
		if res != nil {
			for i := range res.Items {
				if itemKey(&res.Items[i]) == k {
					n = res.Items[i].Name
				}
			}
		}
		names = append(names, n)
	}
	return strings.Join(names, "、")
}

// fieldErrs maps the fields of a validation error to their messages; the
// rest of the error becomes the general message.
func fieldErrs(err error) (map[string][]string, string) {
	var he *huitong.Error
	if !errors.As(err, &he) || len(he.Fields) == 0 {
		return nil, huitong.ErrorMessage(err)
	}
	out := map[string][]string{}
	for _, f := range he.Fields {
		out[f.Field] = append(out[f.Field], f.Message)
	}
	return out, "请更正标出的内容"
}

// formDate reads a date (yyyy-mm-dd, China Standard Time) as the end of
// that day; zero when empty.
func formDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	d, err := time.ParseInLocation(time.DateOnly, v, cst)
	if err != nil {
		return time.Time{}, false
	}
	return d.Add(24*time.Hour - time.Second), true
}

// applyData is the 申请共享 form.
type applyData struct {
	R              *huitong.Resource
	Refused        string // why the entry cannot be applied for
	Items          []shareItem
	Purpose        string
	LegalBasis     string
	Jurisdiction   string
	Until          string
	ExpectedVolume string
	Uses           []useChoice
	Errors         map[string][]string
	Message        string
}

// useChoice is one way of using the data (查询, 核验, 订阅, 批量导出) on the
// application form.
type useChoice struct {
	Key, Name string
	Checked   bool
}

// useChoices lists the uses with those in checked ticked; none ticked
// means the default, query and verify.
func useChoices(checked []string) []useChoice {
	if len(checked) == 0 {
		checked = []string{huitong.UseQuery, huitong.UseVerify}
	}
	names := map[string]string{huitong.UseQuery: "查询", huitong.UseVerify: "核验(只返回是否一致)", huitong.UseSubscribe: "订阅变更", huitong.UseExport: "批量导出"}
	out := make([]useChoice, 0, len(huitong.Uses))
	for _, u := range huitong.Uses {
		out = append(out, useChoice{Key: u, Name: names[u], Checked: slices.Contains(checked, u)})
	}
	return out
}

func (s *Server) applyPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	res, err := s.Catalog.Published(r.Context(), strings.TrimSpace(r.URL.Query().Get("resource")))
	if err != nil {
		return err
	}
	d := &applyData{R: res, Items: shareItems(res, nil, nil), Uses: useChoices(nil),
		Until: time.Now().In(cst).AddDate(1, 0, 0).Format(time.DateOnly)}
	return s.renderApply(w, r, rq, http.StatusOK, d)
}

func (s *Server) renderApply(w http.ResponseWriter, r *http.Request, rq *request, status int, d *applyData) error {
	switch {
	case d.R.ShareType == huitong.ShareNone:
		d.Refused = "该资源为不予共享，不能申请。依据: " + d.R.LegalBasis
		status = http.StatusForbidden
	case d.R.Provider == rq.p.Department:
		d.Refused = "该资源由本部门提供，无需申请共享。"
	}
	return s.render(w, r, status, "exchange_apply", s.newView(r, rq, "申请共享 · "+d.R.Name, "exchange-apply", d))
}

func (s *Server) apply(w http.ResponseWriter, r *http.Request, rq *request) error {
	res, err := s.Catalog.Published(r.Context(), strings.TrimSpace(r.PostFormValue("resource")))
	if err != nil {
		return err
	}
	f := r.PostForm
	d := &applyData{R: res, Items: shareItems(res, nil, f["items"]), Purpose: f.Get("purpose"), LegalBasis: f.Get("legalBasis"),
		Jurisdiction: f.Get("jurisdiction"), Until: f.Get("until"), ExpectedVolume: f.Get("expectedVolume"), Uses: useChoices(f["uses"])}
	in := exchange.RequestInput{Resource: res.Code, Items: f["items"], Purpose: d.Purpose, LegalBasis: d.LegalBasis, Jurisdiction: d.Jurisdiction, Uses: f["uses"]}
	var v huitong.Validation
	until, ok := formDate(d.Until)
	if !ok {
		v.Add("until", "date", "使用期限应为日期(年-月-日)，收到 %q", d.Until)
	}
	in.Until = until
	if n := strings.TrimSpace(d.ExpectedVolume); n != "" {
		if in.ExpectedVolume, err = strconv.Atoi(n); err != nil {
			v.Add("expectedVolume", "integer", "预计调用量应为整数，收到 %q", n)
		}
	}
	err = v.Err()
	var req *huitong.ShareRequest
	if err == nil {
		req, err = s.Exchange.Request(r.Context(), in)
	}
	if err != nil {
		code := huitong.ErrorCode(err)
		if code != huitong.EINVALID && code != huitong.EFORBIDDEN {
			return err
		}
		d.Errors, d.Message = fieldErrs(err)
		return s.renderApply(w, r, rq, http.StatusUnprocessableEntity, d)
	}
	msg := "已提交共享申请，等待提供方审批"
	if req.Status == huitong.RequestApproved {
		msg = "无条件共享资源，申请已自动同意并生成授权"
	}
	s.redirect(w, r, "/exchange/requests/"+strconv.FormatInt(req.ID, 10), false, msg)
	return nil
}

// requestsData is a list of share requests.
type requestsData struct {
	Provider bool // 待我审批 rather than 我的申请
	Status   string
	Items    []*huitong.ShareRequest
	Total    int
}

func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &requestsData{Provider: r.URL.Path == "/exchange/pending", Status: r.URL.Query().Get("status")}
	role, title, nav := exchange.RoleConsumer, "我的申请", "exchange-mine"
	f := huitong.ShareRequestFilter{Limit: 200, Status: huitong.RequestStatus(d.Status)}
	if d.Provider {
		role, title, nav = exchange.RoleProvider, "待我审批", "exchange-pending"
		if d.Status == "" {
			f.Status = huitong.RequestPending
			d.Status = string(huitong.RequestPending)
		}
	}
	if d.Status == "all" {
		f.Status = ""
	}
	list, total, err := s.Exchange.ShareRequests(r.Context(), role, f)
	if err != nil {
		return err
	}
	d.Items, d.Total = list, total
	return s.render(w, r, http.StatusOK, "exchange_requests", s.newView(r, rq, title, nav, d))
}

// requestData is one share request with the decision form.
type requestData struct {
	Req       *huitong.ShareRequest
	Items     string
	Plain     string
	CanDecide bool
	Choices   []shareItem
	Until     string
	Reason    string
	Errors    map[string][]string
	Message   string
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, huitong.Errorf(huitong.ENOTFOUND, "编号无效: %s", r.PathValue("id"))
	}
	return id, nil
}

// loadRequest reads the request of the path; the decision form shows to
// those the service lets decide: the provider, operators, and the data
// authority once the request is escalated.
func (s *Server) loadRequest(r *http.Request, rq *request) (*requestData, *huitong.Resource, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, nil, err
	}
	req, err := s.Exchange.ShareRequest(r.Context(), id)
	if err != nil {
		return nil, nil, err
	}
	res, _ := s.Catalog.Published(r.Context(), req.Resource) // names only; the keys show if it is gone
	d := &requestData{Req: req, Items: itemNames(res, req.Items), Plain: itemNames(res, req.PlainItems),
		Until: req.Until.In(cst).Format(time.DateOnly)}
	d.CanDecide = req.Status == huitong.RequestPending && (rq.p.Department == req.Provider || rq.p.Has(huitong.RoleOperator) ||
		(req.Escalated && rq.deptName != "" && rq.deptName == s.platform(r)))
	if res != nil {
		d.Choices = shareItems(res, req.Items, req.Items)
	}
	return d, res, nil
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, _, err := s.loadRequest(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "exchange_request", s.newView(r, rq, "共享申请 "+strconv.FormatInt(d.Req.ID, 10), "exchange-mine", d))
}

func (s *Server) decide(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, _, err := s.loadRequest(r, rq)
	if err != nil {
		return err
	}
	f := r.PostForm
	dec := exchange.Decision{Decision: f.Get("decision"), Reason: strings.TrimSpace(f.Get("reason"))}
	d.Reason = dec.Reason
	var v huitong.Validation
	switch dec.Decision {
	case "approve":
		dec.Items = f["items"]
		if len(dec.Items) == 0 {
			v.Add("items", "required", "请至少同意一个信息项")
		}
		for i := range d.Choices {
			d.Choices[i].Checked = slices.Contains(dec.Items, d.Choices[i].Key)
		}
		until, ok := formDate(f.Get("until"))
		if !ok {
			v.Add("until", "date", "期限应为日期(年-月-日)")
		}
		dec.Until, d.Until = until, f.Get("until")
	case "refuse":
		if dec.Reason == "" {
			v.Add("reason", "required", "不予同意时必须填写理由")
		}
	default:
		v.Add("decision", "enum", "请选择同意或不予同意")
	}
	err = v.Err()
	if err == nil {
		_, _, err = s.Exchange.Decide(r.Context(), d.Req.ID, dec)
	}
	if err != nil {
		code := huitong.ErrorCode(err)
		if code != huitong.EINVALID && code != huitong.ECONFLICT {
			return err
		}
		d.Errors, d.Message = fieldErrs(err)
		return s.render(w, r, http.StatusUnprocessableEntity, "exchange_request", s.newView(r, rq, "共享申请 "+strconv.FormatInt(d.Req.ID, 10), "exchange-pending", d))
	}
	msg := "已同意申请并生成授权"
	if dec.Decision == "refuse" {
		msg = "已不予同意，理由已告知申请部门"
	}
	s.redirect(w, r, "/exchange/requests/"+strconv.FormatInt(d.Req.ID, 10), false, msg)
	return nil
}

// grantsData is a list of grants.
type grantsData struct {
	Provider bool
	Items    []*huitong.Grant
	Total    int
	Now      time.Time
}

func (s *Server) grantsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &grantsData{Provider: r.URL.Query().Get("role") == exchange.RoleProvider, Now: time.Now()}
	role := exchange.RoleConsumer
	if d.Provider {
		role = exchange.RoleProvider
	}
	list, total, err := s.Exchange.Grants(r.Context(), role, huitong.GrantFilter{Limit: 200})
	if err != nil {
		return err
	}
	d.Items, d.Total = list, total
	return s.render(w, r, http.StatusOK, "exchange_grants", s.newView(r, rq, "授权", "exchange-grants", d))
}

// grantData is one grant.
type grantData struct {
	G        *huitong.Grant
	Items    string
	Plain    string
	Status   string
	Consumer bool // the caller's department holds it
}

func grantStatusLabel(st huitong.GrantStatus) string {
	switch st {
	case huitong.GrantActive:
		return "有效"
	case huitong.GrantRevoked:
		return "已撤销"
	case huitong.GrantExpired:
		return "已到期"
	}
	return string(st)
}

// queryData is the 联机查询 form and its answer.
type queryData struct {
	Grants   []*huitong.Grant
	Grant    int64
	Key      string
	Purpose  string
	Case     string
	Verify   string // item=value lines for 核验
	Done     bool
	Found    bool
	Rows     [][2]string // item name, value
	Verified bool
	Match    bool
	Checks   [][2]string // item name, 一致/不一致
	Message  string
}

func (s *Server) queryPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	list, _, err := s.Exchange.Grants(r.Context(), exchange.RoleConsumer, huitong.GrantFilter{Status: huitong.GrantActive, Limit: 200})
	if err != nil {
		return err
	}
	d := &queryData{Grants: list}
	d.Grant, _ = strconv.ParseInt(r.FormValue("grant"), 10, 64)
	if r.Method != http.MethodPost {
		return s.render(w, r, http.StatusOK, "exchange_query", s.newView(r, rq, "联机查询", "exchange-query", d))
	}
	f := r.PostForm
	d.Key, d.Purpose, d.Case, d.Verify = strings.TrimSpace(f.Get("key")), strings.TrimSpace(f.Get("purpose")), strings.TrimSpace(f.Get("case")), f.Get("verify")
	var g *huitong.Grant
	for _, x := range list {
		if x.ID == d.Grant {
			g = x
		}
	}
	status := http.StatusOK
	if g == nil {
		d.Message, status = "请选择本部门的一项有效授权", http.StatusUnprocessableEntity
		return s.render(w, r, status, "exchange_query", s.newView(r, rq, "联机查询", "exchange-query", d))
	}
	res, _ := s.Catalog.Published(r.Context(), g.Resource)
	name := func(k string) string { return itemNames(res, []string{k}) }
	q := exchange.Query{Resource: g.Resource, Keys: []string{d.Key}, Purpose: d.Purpose, Case: d.Case, Grant: g.ID}
	if f.Get("mode") == "verify" {
		q.Values = map[string]string{}
		for _, line := range strings.Split(d.Verify, "\n") {
			k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
			if ok && strings.TrimSpace(k) != "" {
				q.Values[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		vr, err := s.Exchange.Verify(r.Context(), q)
		if err != nil {
			if c := huitong.ErrorCode(err); c == huitong.EINTERNAL || c == huitong.EUNAVAILABLE {
				return err
			}
			d.Message, status = huitong.ErrorMessage(err), httpStatusOf(err)
		} else {
			d.Done, d.Verified, d.Match = true, true, vr.Match
			for k, ok := range vr.Items {
				d.Checks = append(d.Checks, [2]string{name(k), map[bool]string{true: "一致", false: "不一致"}[ok]})
			}
			sort.Slice(d.Checks, func(i, j int) bool { return d.Checks[i][0] < d.Checks[j][0] })
		}
		return s.render(w, r, status, "exchange_query", s.newView(r, rq, "联机查询", "exchange-query", d))
	}
	a, _, err := s.Exchange.Get(r.Context(), q)
	if err != nil {
		if c := huitong.ErrorCode(err); c == huitong.EINTERNAL || c == huitong.EUNAVAILABLE {
			return err
		}
		d.Message, status = huitong.ErrorMessage(err), httpStatusOf(err)
	} else {
		d.Done, d.Found = true, a.Found
		for _, k := range g.Items {
			if v, ok := a.Data[k]; ok {
				d.Rows = append(d.Rows, [2]string{name(k), v})
			}
		}
	}
	return s.render(w, r, status, "exchange_query", s.newView(r, rq, "联机查询", "exchange-query", d))
}

// httpStatusOf is the page status of a refused action.
func httpStatusOf(err error) int {
	switch huitong.ErrorCode(err) {
	case huitong.EFORBIDDEN:
		return http.StatusForbidden
	case huitong.ENOTFOUND:
		return http.StatusNotFound
	case huitong.ERATELIMIT:
		return http.StatusTooManyRequests
	}
	return http.StatusUnprocessableEntity
}

// usageData is the 数据使用记录 of one subject.
type usageData struct {
	Key     string
	Done    bool
	Items   []huitong.Usage
	Message string
}

func (s *Server) usagePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &usageData{Key: strings.TrimSpace(r.URL.Query().Get("key"))}
	status := http.StatusOK
	if d.Key != "" {
		list, err := s.Exchange.SubjectUsage(r.Context(), d.Key, 0, 200)
		if err != nil {
			if c := huitong.ErrorCode(err); c == huitong.EINTERNAL || c == huitong.EUNAVAILABLE {
				return err
			}
			d.Message, status = huitong.ErrorMessage(err), httpStatusOf(err)
		} else {
			d.Done, d.Items = true, list
		}
	}
	return s.render(w, r, status, "exchange_usage", s.newView(r, rq, "数据使用记录", "exchange-usage", d))
}
