package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"huitong"
	"huitong/catalog"
)

// pageSize is the number of results on one page of a list.
const pageSize = 20

func (s *Server) registerCatalog(mux *http.ServeMux) {
	mux.Handle("GET /catalog", s.page(s.searchPage))
	mux.Handle("GET /catalog/mine", s.page(s.minePage))
	mux.Handle("GET /catalog/review", s.page(s.reviewPage))
	mux.Handle("GET /catalog/transfer", s.page(s.transferPage))
	mux.Handle("GET /catalog/export", s.page(s.exportCatalog))
	mux.Handle("GET /catalog/template", s.page(s.catalogTemplate))
	mux.Handle("POST /catalog/import", s.page(s.importCatalog))
	mux.Handle("GET /catalog/new", s.page(s.newForm))
	mux.Handle("POST /catalog/new", s.page(s.createResource))
	mux.Handle("GET /catalog/r/{class}/{seq}", s.page(s.detailPage))
	mux.Handle("GET /catalog/r/{class}/{seq}/edit", s.page(s.editForm))
	mux.Handle("POST /catalog/r/{class}/{seq}/edit", s.page(s.updateResource))
	mux.Handle("POST /catalog/r/{class}/{seq}/submit", s.page(s.transition("submit")))
	mux.Handle("POST /catalog/r/{class}/{seq}/publish", s.page(s.transition("publish")))
	mux.Handle("POST /catalog/r/{class}/{seq}/reject", s.page(s.transition("reject")))
	mux.Handle("POST /catalog/r/{class}/{seq}/withdraw", s.page(s.transition("withdraw")))
}

// resourceCode reads the entry code from the path ("301001/000001");
// ENOTFOUND when it has not the form of a code.
func resourceCode(r *http.Request) (string, error) {
	code := r.PathValue("class") + "/" + r.PathValue("seq")
	if !catalog.ValidCode(code) {
		return "", huitong.Errorf(huitong.ENOTFOUND, "资源代码 %q 格式不正确", code)
	}
	return code, nil
}

// detailURL is the page of an entry.
func detailURL(code string) string { return "/catalog/r/" + code }

// canEdit mirrors the catalog's rule, to decide which buttons to show and
// to refuse the edit form early: the operator, or staff and department
// admins of the provider.
func canEdit(p *huitong.Principal, provider string) bool {
	return p.Has(huitong.RoleOperator) || (p.Department == provider && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin)))
}

// facetGroup is one facet as the search page shows it.
type facetGroup struct {
	Key, Title string
	Values     []facetValue
}

// facetValue is one value of a facet with the link that toggles it.
type facetValue struct {
	Label    string
	Count    int
	Selected bool
	URL      string
}

// pager is the pagination of a result list.
type pager struct {
	Total, Page, Pages int
	Prev, Next         string
	Links              []pageLink
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

// listData is what the search, "mine" and review pages show.
type listData struct {
	Action  string // the form's action
	Query   string
	Filters url.Values
	Facets  []facetGroup
	Items   []*huitong.Resource
	Pager   pager
	Notice  string
	Working bool // show status badges
	Review  bool
}

// facetMeta names a facet and the enumeration of its values ("" for
// departments).
type facetMeta struct{ key, title, enum string }

// searchFacets are the facets a list page may show.
var searchFacets = []facetMeta{
	{"provider", "提供部门", ""},
	{"level", "层级", "level"},
	{"class", "资源分类", "class"},
	{"shareType", "共享类型", "shareType"},
	{"openType", "开放类型", "openType"},
	{"updateCycle", "更新周期", "updateCycle"},
	{"status", "状态", "status"},
}

// readFilter reads the filter of a list page from the query string.
// Invalid enumeration values are dropped and named in the notice.
func readFilter(q url.Values, keys ...string) (huitong.ResourceFilter, url.Values, string) {
	kept := url.Values{}
	var bad []string
	f := huitong.ResourceFilter{Query: strings.TrimSpace(q.Get("q")), Limit: pageSize}
	if f.Query != "" {
		kept.Set("q", f.Query)
	}
	for _, fc := range searchFacets {
		v := q.Get(fc.key)
		if v == "" || !slices.Contains(keys, fc.key) {
			continue
		}
		if fc.enum != "" && !huitong.Valid(fc.enum, v) {
			bad = append(bad, fmt.Sprintf("%s“%s”", fc.title, v))
			continue
		}
		kept.Set(fc.key, v)
		switch fc.key {
		case "provider":
			f.Provider = v
		case "level":
			f.Level = huitong.Level(v)
		case "class":
			f.Class = huitong.Class(v)
		case "shareType":
			f.ShareType = huitong.ShareType(v)
		case "openType":
			f.OpenType = huitong.OpenType(v)
		case "updateCycle":
			f.UpdateCycle = huitong.UpdateCycle(v)
		case "status":
			f.Status = huitong.Status(v)
		}
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 5000 {
		f.Offset = (n - 1) * pageSize
	}
	notice := ""
	if len(bad) > 0 {
		notice = "以下筛选条件取值无效，已忽略: " + strings.Join(bad, "、")
	}
	return f, kept, notice
}

// withParam returns base?query with key set to value (removed when value
// is ""), and the page reset.
func withParam(base string, q url.Values, key, value string) string {
	n := url.Values{}
	for k, vs := range q {
		if k != key && k != "page" {
			n[k] = vs
		}
	}
	if value != "" {
		n.Set(key, value)
	}
	if len(n) == 0 {
		return base
	}
	return base + "?" + n.Encode()
}

// buildList turns a search result into the list page's data, with the
// facets named by keys in that order.
func buildList(base string, kept url.Values, f huitong.ResourceFilter, res *huitong.ResourceList, keys ...string) *listData {
	d := &listData{Action: base, Query: f.Query, Filters: kept, Items: res.Items}
	for _, key := range keys {
		i := slices.IndexFunc(searchFacets, func(f facetMeta) bool { return f.key == key })
		if i < 0 {
			continue
		}
		fc := searchFacets[i]
		g := facetGroup{Key: fc.key, Title: fc.title}
		sel := kept.Get(fc.key)
		seen := false
		for _, v := range res.Facets[fc.key] {
			fv := facetValue{Label: v.Label, Count: v.Count, Selected: v.Value == sel}
			if fv.Selected {
				fv.URL, seen = withParam(base, kept, fc.key, ""), true
			} else {
				fv.URL = withParam(base, kept, fc.key, v.Value)
			}
			g.Values = append(g.Values, fv)
		}
		if sel != "" && !seen {
			g.Values = append(g.Values, facetValue{Label: huitong.Label(fc.enum, sel), Selected: true, URL: withParam(base, kept, fc.key, "")})
		}
		if len(g.Values) > 0 {
			d.Facets = append(d.Facets, g)
		}
	}
	d.Pager = makePager(base, kept, f.Offset/pageSize+1, res.Total)
	return d
}

func makePager(base string, kept url.Values, page, total int) pager {
	p := pager{Total: total, Page: page, Pages: (total + pageSize - 1) / pageSize}
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

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	keys := []string{"provider", "level", "class", "shareType", "openType", "updateCycle"}
	f, kept, notice := readFilter(r.URL.Query(), keys...)
	res, err := s.Catalog.SearchScope(r.Context(), f, catalog.ScopePublished)
	if err != nil {
		return err
	}
	d := buildList("/catalog", kept, f, res, keys...)
	d.Notice = notice
	return s.render(w, r, http.StatusOK, "catalog", s.newView(r, rq, "目录检索", "catalog", d))
}

func (s *Server) minePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	keys := []string{"status", "shareType", "openType", "updateCycle"} // status first: it is what people filter here
	f, kept, notice := readFilter(r.URL.Query(), keys...)
	f.Provider = rq.p.Department
	res, err := s.Catalog.SearchScope(r.Context(), f, catalog.ScopeWorking)
	if err != nil {
		return err
	}
	d := buildList("/catalog/mine", kept, f, res, keys...)
	d.Notice, d.Working = notice, true
	return s.render(w, r, http.StatusOK, "mine", s.newView(r, rq, "本部门资源", "mine", d))
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !rq.p.Has(huitong.RoleReviewer) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有数据主管部门的目录审核员可以查看待审核队列")
	}
	keys := []string{"provider", "shareType"}
	f, kept, notice := readFilter(r.URL.Query(), keys...)
	f.Status = huitong.StatusSubmitted
	res, err := s.Catalog.SearchScope(r.Context(), f, catalog.ScopeWorking)
	if err != nil {
		return err
	}
	d := buildList("/catalog/review", kept, f, res, keys...)
	d.Notice, d.Working, d.Review = notice, true, true
	return s.render(w, r, http.StatusOK, "review", s.newView(r, rq, "待审核", "review", d))
}

// detailData is what the detail page shows.
type detailData struct {
	R           *huitong.Resource
	Latest      *huitong.Resource
	Versions    []*huitong.Resource
	Changes     []*huitong.Change
	Published   *huitong.Resource // the version in the catalog now, if any
	IsLatest    bool
	CanEdit     bool
	CanSubmit   bool
	CanReview   bool
	CanWithdraw bool
}

func (s *Server) detailPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	code, err := resourceCode(r)
	if err != nil {
		return err
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return huitong.Errorf(huitong.ENOTFOUND, "版本号 %q 无效", v)
		}
	}
	ctx := r.Context()
	res, err := s.Catalog.Find(ctx, code, version)
	if err != nil {
		return err
	}
	versions, err := s.Catalog.Versions(ctx, code)
	if err != nil {
		return err
	}
	changes, err := s.Catalog.Changes(ctx, code)
	if err != nil {
		return err
	}
	// Newest first, as people read a history.
	for i, j := 0, len(changes)-1; i < j; i, j = i+1, j-1 {
		changes[i], changes[j] = changes[j], changes[i]
	}
	d := &detailData{R: res, Versions: versions, Changes: changes, Latest: res}
	if len(versions) > 0 {
		d.Latest = versions[0]
	}
	for _, v := range versions {
		if v.Status == huitong.StatusPublished {
			d.Published = v
		}
	}
	p := rq.p
	d.IsLatest = d.Latest.Version == res.Version
	editable := canEdit(p, res.Provider)
	d.CanEdit = editable && d.Latest.Status != huitong.StatusSubmitted
	// Submit, publish and reject act on the latest version: offer them only
	// on its page.
	d.CanSubmit = editable && d.IsLatest && d.Latest.Status == huitong.StatusDraft
	d.CanReview = p.Has(huitong.RoleReviewer) && d.IsLatest && d.Latest.Status == huitong.StatusSubmitted
	d.CanWithdraw = d.Published != nil && (p.Has(huitong.RoleReviewer) || p.Has(huitong.RoleOperator) ||
		(p.Department == res.Provider && p.Has(huitong.RoleDeptAdmin)))
	return s.render(w, r, http.StatusOK, "detail", s.newView(r, rq, res.Name, "catalog", d))
}

// transition handles the lifecycle buttons of the detail page.
func (s *Server) transition(action string) pageFunc {
	done := map[string]string{"submit": "已提交审核", "publish": "已发布", "reject": "已退回，资源回到草稿状态", "withdraw": "已撤销，资源不再出现在目录中"}[action]
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		code, err := resourceCode(r)
		if err != nil {
			return err
		}
		ctx := r.Context()
		reason := r.PostFormValue("reason")
		var fn func(context.Context, string) (*huitong.Resource, error)
		switch action {
		case "submit":
			fn = s.Catalog.Submit
		case "publish":
			fn = s.Catalog.Publish
		case "reject":
			fn = func(ctx context.Context, code string) (*huitong.Resource, error) {
				return s.Catalog.Reject(ctx, code, reason)
			}
		case "withdraw":
			fn = func(ctx context.Context, code string) (*huitong.Resource, error) {
				return s.Catalog.Withdraw(ctx, code, reason)
			}
		}
		res, err := fn(ctx, code)
		switch huitong.ErrorCode(err) {
		case "":
			s.redirect(w, r, detailURL(code), false, fmt.Sprintf("资源“%s”%s", res.Name, done))
			return nil
		case huitong.EINVALID, huitong.ECONFLICT:
			s.redirect(w, r, detailURL(code), true, humanMessage(err))
			return nil
		}
		return err
	}
}

// humanMessage is the message of err for a person: the field messages of a
// validation error, or the error's own message.
func humanMessage(err error) string {
	if fields := huitong.ErrorFields(err); len(fields) > 0 {
		msgs := make([]string, len(fields))
		for i, f := range fields {
			msgs[i] = f.Message
		}
		return strings.Join(msgs, "；")
	}
	return huitong.ErrorMessage(err)
}
