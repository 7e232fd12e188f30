package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/exchange"
)

// registerExchangeMore adds the grant page with what each side may do on
// it (the provider revokes, sets limits and the API credential; the
// consumer subscribes, previews changes and exports), the data
// authority's overdue requests (逾期督办) and the usage of shared data by
// department. registerExchange calls it once the exchange service is set.
func (s *Server) registerExchangeMore(mux *http.ServeMux) {
	mux.Handle("GET /exchange/grants/{id}", s.page(s.grantMorePage))
	mux.Handle("POST /exchange/grants/{id}/revoke", s.page(s.revokeGrant))
	mux.Handle("POST /exchange/grants/{id}/limits", s.page(s.setGrantLimits))
	mux.Handle("POST /exchange/grants/{id}/credential", s.page(s.setGrantCredential))
	mux.Handle("POST /exchange/grants/{id}/subscribe", s.page(s.subscribeGrant))
	mux.Handle("POST /exchange/grants/{id}/unsubscribe", s.page(s.unsubscribeGrant))
	mux.Handle("POST /exchange/grants/{id}/changes", s.page(s.grantChanges))
	mux.Handle("POST /exchange/grants/{id}/export", s.page(s.exportGrant))
	mux.Handle("GET /exchange/overdue", s.page(s.overduePage))
	mux.Handle("GET /exchange/usage/summary", s.page(s.usageSummaryPage))
}

// grantRecentUses is how many uses the grant page lists.
const grantRecentUses = 20

// grantItemRow is one granted item and how it is served.
type grantItemRow struct {
	Key, Name string
	Plain     bool // served in plain text: not sensitive, or granted plain
	Sensitive bool
}

// grantMoreData is the grant page: the grant, its uses, and the forms the
// caller may use. Form names the form a failed POST came from, so its
// errors show next to it.
type grantMoreData struct {
	grantData
	Res       *huitong.Resource // nil when the entry is no longer published
	Rows      []grantItemRow
	UsesLabel string
	Provider  bool // the caller's department provides the resource
	Authority bool // the caller supervises sharing
	Manage    bool // may revoke and set limits
	Active    bool

	QuotaUsed int // subjects counted today (Beijing day) against the daily quota
	QuotaDay  string
	Uses      []usageView

	// Subscription (订阅), for the consumer's staff.
	SubscribeUse bool // the grant has the subscribe use
	CanSubscribe bool // the caller may subscribe: consumer's staff, active grant
	Sub          *huitong.Subscription
	Subject      string // the NATS subject of the feed
	Retention    string // how long JetStream keeps the feed, in words
	Secret       string // the new webhook secret: shown on this response only
	Changes      *exchange.ChangePage
	ChangeRows   []changeRow

	// Bulk export.
	ExportUse  bool
	CanExport  bool
	ExportNote string // why the export use cannot be used now

	// API-mounted resources.
	APIMounted bool
	Cred       *exchange.CredentialInfo
	CanSetCred bool

	// Form values and errors of the last POST.
	Form    string
	Errors  map[string][]string
	Message string
	Reason  string
	Quota   string
	Rate    string
	Webhook string
	Purpose string
	Case    string
	Format  string
	Header  string
}

// changeRow is one change of the feed preview, values in the order of the
// granted items.
type changeRow struct {
	Cursor  int64
	At      time.Time
	Key     string
	Deleted bool
	Values  []string
}

// exportMethods are the share methods (共享方式) under which the exchange
// service allows bulk export: download, copy, system integration.
var exportMethods = []huitong.ShareMethod{huitong.MethodDownload, huitong.MethodCopy, huitong.MethodSystem}

// loadGrantMore reads the grant of the path and everything the page shows
// to the caller. ENOTFOUND for a grant the caller's department is no party
// to (the service decides who may see it).
func (s *Server) loadGrantMore(r *http.Request, rq *request) (*grantMoreData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	g, err := s.Exchange.Grant(ctx, id)
	if err != nil {
		return nil, err
	}
	res, _ := s.Catalog.Published(ctx, g.Resource) // names only; the keys show if it is gone
	now := time.Now()
	d := &grantMoreData{Res: res, Format: exchange.FormatCSV}
	d.grantData = grantData{G: g, Items: itemNames(res, g.Items), Plain: itemNames(res, g.PlainItems),
		Status: grantStatusLabel(g.StatusAt(now)), Consumer: g.Consumer == rq.p.Department}
	d.Provider = g.Provider == rq.p.Department
	d.Authority = s.Exchange.IsAuthority(ctx)
	staff := rq.p.Has(huitong.RoleStaff) || rq.p.Has(huitong.RoleDeptAdmin)
	d.Active = g.StatusAt(now) == huitong.GrantActive
	d.Manage = (d.Provider && staff) || d.Authority
	d.Quota, d.Rate = strconv.Itoa(g.DailyQuota), strconv.FormatFloat(g.RatePerSec, 'f', -1, 64)
	for _, k := range g.Items {
		row := grantItemRow{Key: k, Name: itemNames(res, []string{k}), Plain: true}
		if res != nil {
			if i := slices.IndexFunc(res.Items, func(it huitong.Item) bool { return itemKey(&it) == k }); i >= 0 && res.Items[i].Sensitive {
				row.Sensitive, row.Plain = true, slices.Contains(g.PlainItems, k)
			}
		}
		d.Rows = append(d.Rows, row)
	}
	uses := make([]string, 0, len(g.Uses))
	for _, u := range g.Uses {
		uses = append(uses, useName(u))
	}
	d.UsesLabel = strings.Join(uses, "、")

	// Today's count: this instance's pending counts are written first
	// (the journal writes them behind the audit entries); other
	// instances' show once their journals write theirs, within seconds.
	d.QuotaDay = now.In(cst).Format(time.DateOnly)
	if err := s.Exchange.Flush(ctx); err != nil {
		return nil, err
	}
	if s.DB != nil {
		if d.QuotaUsed, err = s.DB.GrantUsage(ctx, g.ID, d.QuotaDay); err != nil {
			return nil, err
		}
	}
	if d.Uses, err = s.grantUses(r, rq, g); err != nil {
		return nil, err
	}

	// Subscription.
	d.SubscribeUse = g.Allows(huitong.UseSubscribe)
	d.CanSubscribe = d.Consumer && staff && d.Active && d.SubscribeUse
	d.Subject = s.Exchange.FeedSubject(g.ID)
	d.Retention = retentionText(s.Exchange.Config().FeedRetention)
	if d.SubscribeUse {
		sub, err := s.Exchange.Subscription(ctx, g.ID)
		switch huitong.ErrorCode(err) {
		case "":
			d.Sub, d.Webhook = sub, sub.Webhook
		case huitong.ENOTFOUND: // not subscribed
		default:
			return nil, err
		}
	}

	// Export.
	d.ExportUse = g.Allows(huitong.UseExport)
	if d.ExportUse && d.Consumer && staff && d.Active {
		switch {
		case res == nil:
			d.ExportNote = "资源已不在发布状态，不能导出"
		case res.Mount.Kind != huitong.MountTable:
			d.ExportNote = "资源挂接为" + huitong.Label("mount", string(res.Mount.Kind)) + "，只有平台库表资源可以批量导出"
		case !slices.ContainsFunc(res.ShareMethods, func(m huitong.ShareMethod) bool { return slices.Contains(exportMethods, m) }):
			d.ExportNote = "资源的共享方式不含下载、拷贝或系统对接，不能批量导出"
		default:
			d.CanExport = true
		}
	}

	// The provider's API credential.
	d.APIMounted = res != nil && res.Mount.Kind == huitong.MountAPI
	if d.APIMounted && ((d.Provider && staff) || d.Authority) {
		if d.Cred, err = s.Exchange.Credential(ctx, g.Resource); err != nil {
			return nil, err
		}
		d.Header = d.Cred.Header
	}
	d.CanSetCred = d.APIMounted && d.Provider && rq.p.Has(huitong.RoleDeptAdmin)
	return d, nil
}

// grantUses returns the latest uses of grant g, as the caller's side sees
// them: the consumer its own, the provider the uses of its resource, the
// data authority all.
func (s *Server) grantUses(r *http.Request, rq *request, g *huitong.Grant) ([]usageView, error) {
	role := exchange.RoleAuthority
	switch rq.p.Department {
	case g.Consumer:
		role = exchange.RoleConsumer
	case g.Provider:
		role = exchange.RoleProvider
	}
	// Uses are selected by resource and consumer, then by grant: ask for
	// more than shown, as other grants of the same consumer on the same
	// resource share the selection.
	list, err := s.Exchange.Usage(r.Context(), role, huitong.UsageFilter{Resource: g.Resource, Consumer: g.Consumer, Grant: g.ID, Limit: 500})
	if huitong.ErrorCode(err) == huitong.EFORBIDDEN {
		return nil, nil // a party to the grant without a view of its uses
	} else if err != nil {
		return nil, err
	}
	return usageViews(list[:min(len(list), grantRecentUses)]), nil
}

func (s *Server) grantMorePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	return s.renderGrant(w, r, rq, http.StatusOK, d)
}

func (s *Server) renderGrant(w http.ResponseWriter, r *http.Request, rq *request, status int, d *grantMoreData) error {
	return s.render(w, r, status, "exchange_grant", s.newView(r, rq, "授权 "+strconv.FormatInt(d.G.ID, 10), "exchange-grants", d))
}

// formFields are the fields each form of the grant page shows errors
// next to; errors of other fields (a refusal's rule) go to its message.
var formFields = map[string][]string{
	"revoke":     {"reason", "confirm"},
	"limits":     {"dailyQuota", "ratePerSec"},
	"credential": {"header", "value"},
	"subscribe":  {"webhook"},
	"changes":    {"purpose", "case", "cursor"},
	"export":     {"purpose", "case", "format"},
}

// formTitles name the forms in the message of a failed POST.
var formTitles = map[string]string{
	"revoke": "撤销授权", "limits": "调整限额", "credential": "设置接口凭据",
	"subscribe": "订阅", "changes": "读取变更", "export": "批量导出",
}

// formFailed re-renders the grant page with the errors of form when err is
// one a person can correct or should read (invalid input, a state
// conflict, a rate limit, and for the consumer's uses a refusal); other
// errors become the error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, rq *request, d *grantMoreData, form string, err error) error {
	switch huitong.ErrorCode(err) {
	case huitong.EINVALID, huitong.ECONFLICT, huitong.ERATELIMIT:
	case huitong.EFORBIDDEN:
		if form != "export" && form != "changes" && form != "subscribe" {
			return err
		}
	default:
		return err
	}
	d.Form, d.Errors = form, map[string][]string{}
	var other []string
	for _, f := range huitong.ErrorFields(err) {
		if slices.Contains(formFields[form], f.Field) {
			d.Errors[f.Field] = append(d.Errors[f.Field], f.Message)
		} else {
			other = append(other, f.Message)
		}
	}
	switch {
	case len(other) > 0:
		d.Message = strings.Join(other, "；")
	case len(d.Errors) > 0:
		d.Message = "请更正标出的内容"
	default:
		d.Message = huitong.ErrorMessage(err)
	}
	d.Message = formTitles[form] + "未完成：" + d.Message
	status := httpStatusOf(err)
	if huitong.ErrorCode(err) == huitong.ECONFLICT {
		status = http.StatusConflict
	}
	return s.renderGrant(w, r, rq, status, d)
}

// useName names a use of a grant in Chinese.
func useName(u string) string {
	switch u {
	case huitong.UseQuery:
		return "查询"
	case huitong.UseVerify:
		return "核验"
	case huitong.UseSubscribe:
		return "订阅"
	case huitong.UseExport:
		return "批量导出"
	}
	return u
}

// retentionText says a retention period in days or hours.
func retentionText(d time.Duration) string {
	if d >= 24*time.Hour && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + " 天"
	}
	return strconv.FormatFloat(d.Hours(), 'f', -1, 64) + " 小时"
}

// grantPath is the page of grant id.
func grantPath(id int64) string { return "/exchange/grants/" + strconv.FormatInt(id, 10) }
