package web

import (
	"cmp"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"huitong"
	"huitong/catalog"
)

// Data aggregation and quality governance (数据归集与治理): the overview of a
// department's table-mounted resources and of the province's quality, the
// upload of a delivery (数据上报), batch reports with their rejects, the
// quality of one resource, disputes (数据疑义) and scheduled pulls
// (定时抽取). Every page calls the ingest and quality services with the
// signed-in principal, so the services' rules decide what is shown: the
// pages never widen them.

// governancePlaceholder is the page shown while the platform runs without
// the ingest service.
var governancePlaceholder = struct{ Title, Nav, About string }{"数据归集与治理", "governance",
	"部门数据按目录挂接归集到平台库表，按完整性、有效性、唯一性、一致性、及时性检查数据质量，并按“一数一源”处理数据疑义。"}

// registerGovernance adds the governance pages; without an ingest service
// only a placeholder is shown.
func (s *Server) registerGovernance(mux *http.ServeMux) {
	if s.Ingest == nil {
		mux.Handle("GET /governance", s.page(func(w http.ResponseWriter, r *http.Request, rq *request) error {
			c := governancePlaceholder
			return s.render(w, r, http.StatusOK, "construction", s.newView(r, rq, c.Title, c.Nav, c))
		}))
		return
	}
	mux.Handle("GET /governance", s.page(s.governancePage))
	mux.Handle("GET /governance/upload", s.page(s.uploadPage))
	mux.Handle("POST /governance/upload", s.streamed(s.upload))
	mux.Handle("GET /governance/batches/{id}", s.page(s.batchPage))
	mux.Handle("GET /governance/batches/{id}/rejects.csv", s.page(s.rejectsFile("csv")))
	mux.Handle("GET /governance/batches/{id}/rejects.xlsx", s.page(s.rejectsFile("xlsx")))
	mux.Handle("GET /governance/resources/{code...}", s.page(s.resourceQualityPage))
	mux.Handle("GET /governance/disputes", s.page(s.disputesPage))
	mux.Handle("GET /governance/disputes/{id}", s.page(s.disputePage))
	mux.Handle("POST /governance/disputes/{id}/{action}", s.page(s.answerDispute))
	mux.Handle("GET /governance/pulls", s.page(s.pullsPage))
	mux.Handle("POST /governance/pulls", s.page(s.createPull))
	mux.Handle("POST /governance/pulls/{id}/{action}", s.page(s.pullAction))
}

// dimension is one quality dimension (after GB/T 36344) as people read it.
type dimension struct{ Key, Name, About string }

// dimensions are the five scored dimensions, in the order pages show them.
var dimensions = []dimension{
	{"completeness", "完整性", "信息项的填写率"},
	{"validity", "有效性", "近期交付中通过全部校验规则(类型、必填、长度、代码集、数据元标准)的行的比例，即规范性"},
	{"uniqueness", "唯一性", "不是重复主体(同一主键，或姓名与出生日期相同而主键不同)的记录的比例"},
	{"consistency", "一致性", "与自身(出生日期、性别与身份证号)及权威来源部门一致的记录的比例"},
	{"timeliness", "及时性", "是否在声明的更新周期内交付"},
}

// dimensionValue returns the score of one dimension key, or of "overall".
func dimensionValue(q *huitong.QualityScore, key string) float64 {
	if q == nil {
		return -1
	}
	switch key {
	case "completeness":
		return q.Completeness
	case "validity":
		return q.Validity
	case "uniqueness":
		return q.Uniqueness
	case "consistency":
		return q.Consistency
	case "timeliness":
		return q.Timeliness
	}
	return q.Overall
}

// scoreCell is one dimension's score, graded for colour: good from 90,
// fair from 70, poor below.
type scoreCell struct {
	Key, Name, About string
	Value            float64
	Grade            string
}

func grade(v float64) string {
	switch {
	case v >= 90:
		return "good"
	case v >= 70:
		return "fair"
	}
	return "poor"
}

// scoreCells lists the five dimensions of q, then the overall score.
func scoreCells(q *huitong.QualityScore) []scoreCell {
	if q == nil {
		return nil
	}
	out := make([]scoreCell, 0, len(dimensions)+1)
	for _, d := range dimensions {
		v := dimensionValue(q, d.Key)
		out = append(out, scoreCell{Key: d.Key, Name: d.Name, About: d.About, Value: v, Grade: grade(v)})
	}
	return append(out, scoreCell{Key: "overall", Name: "综合", About: "五个维度的平均分", Value: q.Overall, Grade: grade(q.Overall)})
}

// batchStatusLabel names a batch state in Chinese.
func batchStatusLabel(st huitong.BatchStatus) string {
	switch st {
	case huitong.BatchRunning:
		return "处理中"
	case huitong.BatchDone:
		return "已完成"
	case huitong.BatchFailed:
		return "失败"
	}
	return string(st)
}

// modeLabel names a delivery mode in Chinese.
func modeLabel(m huitong.DeliveryMode) string {
	switch m {
	case huitong.ModeFull:
		return "全量"
	case huitong.ModeIncremental:
		return "增量"
	}
	return string(m)
}

// sourceLabel names how a batch arrived.
func sourceLabel(src string) string {
	switch src {
	case "upload":
		return "网页上报"
	case "api":
		return "接口交付"
	case "cli":
		return "命令行导入"
	case "pull":
		return "定时抽取"
	case "demo":
		return "演示数据"
	}
	return src
}

// batchRow is a batch as lists show it.
type batchRow struct {
	*huitong.Batch
	ResourceName string
}

// StatusLabel names the batch's state.
func (b batchRow) StatusLabel() string { return batchStatusLabel(b.Status) }

// ModeLabel names the batch's delivery mode.
func (b batchRow) ModeLabel() string { return modeLabel(b.Mode) }

// SourceLabel names how the batch arrived.
func (b batchRow) SourceLabel() string { return sourceLabel(b.Source) }

// batchRows wraps list, naming each batch's resource.
func (s *Server) batchRows(ctx context.Context, list []*huitong.Batch) []batchRow {
	names := map[string]string{}
	out := make([]batchRow, 0, len(list))
	for _, b := range list {
		n, ok := names[b.Resource]
		if !ok {
			n = s.resourceName(ctx, b.Resource)
			names[b.Resource] = n
		}
		out = append(out, batchRow{Batch: b, ResourceName: n})
	}
	return out
}

// resourceName returns the published name of a resource, or its code when
// it is not published (any more).
func (s *Server) resourceName(ctx context.Context, code string) string {
	if res, err := s.Catalog.Published(ctx, code); err == nil {
		return res.Name
	}
	return code
}

// tableResources returns the published, table-mounted catalog entries of
// department dept (the ones that can receive deliveries), in code order.
// The entries are summaries: their items are not loaded.
func (s *Server) tableResources(ctx context.Context, dept string) ([]*huitong.Resource, error) {
	var out []*huitong.Resource
	for offset := 0; ; offset += 200 {
		list, err := s.Catalog.SearchScope(ctx, huitong.ResourceFilter{Provider: dept, Offset: offset, Limit: 200}, catalog.ScopePublished)
		if err != nil {
			return nil, err
		}
		for _, r := range list.Items {
			if r.Mount.Kind == huitong.MountTable {
				out = append(out, r)
			}
		}
		if len(list.Items) < 200 || offset+200 >= list.Total {
			break
		}
	}
	slices.SortFunc(out, func(a, b *huitong.Resource) int { return strings.Compare(a.Code, b.Code) })
	return out, nil
}

// seesProvince reports whether the signed-in person sees the province-wide
// quality overview: the platform's operators and the data authority's
// people (大数据管理局).
func (s *Server) seesProvince(ctx context.Context, rq *request) bool {
	if rq.p.Has(huitong.RoleOperator) {
		return true
	}
	d, err := s.Identity.Department(ctx, rq.p.Department)
	return err == nil && d.Authority
}

// listPager is a pager of size rows a page over total rows; page counts
// from 1.
func listPager(base string, kept url.Values, page, size, total int) pager {
	p := pager{Total: total, Page: page, Pages: (total + size - 1) / size}
	link := func(n int) string {
		if n == 1 {
			return withParam(base, kept, "page", "")
		}
		return withParam(base, kept, "page", strconv.Itoa(n))
	}
	if page > 1 {
		p.Prev = link(page - 1)
	}
	if page < p.Pages {
		p.Next = link(page + 1)
	}
	if p.Pages > 1 {
		for n := max(1, page-4); n <= min(p.Pages, page+4); n++ {
			p.Links = append(p.Links, pageLink{N: n, URL: link(n), Current: n == page})
		}
	}
	return p
}

// pageParam reads ?page= (1 when absent or bad, at most 10,000).
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 10000)
}

// govResourceRow is one of the department's table resources on the
// overview.
type govResourceRow struct {
	Code, Name string
	Cycle      huitong.UpdateCycle
	Score      *huitong.QualityScore // the latest stored snapshot; nil before the first delivery
	Cells      []scoreCell
	Latest     *batchRow // the newest batch; nil before the first delivery
}

// provinceRow is one resource of the province-wide overview.
type provinceRow struct {
	Code, Name, Provider string
	Score                *huitong.QualityScore
	Cells                []scoreCell
}

// sortLink is a column header of the province table that sorts by it.
type sortLink struct {
	Key, Name, URL string
	Active         bool
	Desc           bool
}

// overviewData is what /governance shows.
type overviewData struct {
	Resources     []govResourceRow
	Recent        []batchRow
	Disputes      []*huitong.Dispute // open disputes routed to the department
	DisputesTotal int
	Overdue       int  // of those, past their deadline
	Against       int  // open disputes about the department's own data
	Province      bool // the province-wide table is shown
	ShowDept      bool // the department's own sections are shown
	Rows          []provinceRow
	Sort          string
	Desc          bool
	Columns       []sortLink
}

func (s *Server) governancePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	d := &overviewData{}
	resources, err := s.tableResources(ctx, rq.p.Department)
	if err != nil {
		return err
	}
	latest, err := s.Ingest.Quality.Overview(ctx)
	if err != nil {
		return err
	}
	scores := make(map[string]*huitong.QualityScore, len(latest))
	for _, q := range latest {
		scores[q.Resource] = q
	}
	var recent []*huitong.Batch
	for _, res := range resources {
		row := govResourceRow{Code: res.Code, Name: res.Name, Cycle: res.UpdateCycle, Score: scores[res.Code]}
		row.Cells = scoreCells(row.Score)
		list, _, err := s.Ingest.Batches(ctx, res.Code, "", 0, 10)
		if err != nil {
			return err
		}
		if len(list) > 0 {
			row.Latest = &batchRow{Batch: list[0], ResourceName: res.Name}
		}
		recent = append(recent, list...)
		d.Resources = append(d.Resources, row)
	}
	// The department's ten newest batches over all its resources.
	slices.SortFunc(recent, func(a, b *huitong.Batch) int { return cmp.Compare(b.ID, a.ID) })
	d.Recent = s.batchRows(ctx, recent[:min(len(recent), 10)])
	open := huitong.DisputeFilter{Authority: rq.p.Department, Status: huitong.DisputeOpen, Limit: 10}
	if d.Disputes, d.DisputesTotal, err = s.Ingest.Quality.Disputes(ctx, open); err != nil {
		return err
	}
	open.Overdue, open.Limit = true, 1
	if _, d.Overdue, err = s.Ingest.Quality.Disputes(ctx, open); err != nil {
		return err
	}
	if _, d.Against, err = s.Ingest.Quality.Disputes(ctx, huitong.DisputeFilter{Provider: rq.p.Department, Status: huitong.DisputeOpen, Limit: 1}); err != nil {
		return err
	}
	if d.Province = s.seesProvince(ctx, rq); d.Province {
		s.provinceOverview(r, d, latest)
	}
	// The data authority and operators usually hold no table of their own:
	// their page leads with the province.
	d.ShowDept = !d.Province || len(d.Resources) > 0 || d.DisputesTotal > 0 || d.Against > 0
	return s.render(w, r, http.StatusOK, "governance_overview", s.newView(r, rq, "数据归集与治理", "governance", d))
}

// provinceOverview fills the province-wide table of d from the latest
// snapshots, sorted by ?sort= (a dimension, overall, records or code) and
// ?dir= (asc or desc). The default puts the lowest overall score first:
// the resources most in need of attention.
func (s *Server) provinceOverview(r *http.Request, d *overviewData, latest []*huitong.QualityScore) {
	ctx := r.Context()
	q := r.URL.Query()
	d.Sort, d.Desc = q.Get("sort"), q.Get("dir") == "desc"
	keys := []string{"overall", "records", "code"}
	for _, dim := range dimensions {
		keys = append(keys, dim.Key)
	}
	if !slices.Contains(keys, d.Sort) {
		d.Sort = "overall"
	}
	for _, sc := range latest {
		row := provinceRow{Code: sc.Resource, Name: sc.Resource, Provider: "—", Score: sc, Cells: scoreCells(sc)}
		if res, err := s.Catalog.Published(ctx, sc.Resource); err == nil {
			row.Name, row.Provider = res.Name, s.Catalog.DepartmentName(ctx, res.Provider)
		}
		d.Rows = append(d.Rows, row)
	}
	slices.SortStableFunc(d.Rows, func(a, b provinceRow) int {
		var c int
		switch d.Sort {
		case "code":
			c = strings.Compare(a.Code, b.Code)
		case "records":
			c = a.Score.Records - b.Score.Records
		default:
			x, y := dimensionValue(a.Score, d.Sort), dimensionValue(b.Score, d.Sort)
			switch {
			case x < y:
				c = -1
			case x > y:
				c = 1
			}
		}
		if c == 0 {
			c = strings.Compare(a.Code, b.Code)
		} else if d.Desc {
			c = -c
		}
		return c
	})
	link := func(key, name string) sortLink {
		l := sortLink{Key: key, Name: name, Active: key == d.Sort, Desc: key == d.Sort && d.Desc}
		v := url.Values{"sort": {key}}
		if l.Active && !d.Desc {
			v.Set("dir", "desc")
		}
		l.URL = "/governance?" + v.Encode() + "#province"
		return l
	}
	d.Columns = []sortLink{link("code", "资源")}
	for _, dim := range dimensions {
		d.Columns = append(d.Columns, link(dim.Key, dim.Name))
	}
	d.Columns = append(d.Columns, link("overall", "综合"), link("records", "记录数"))
}
