package demo

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/exchange"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/identity"
	"huitong/store"
)

// ExchangeSummary is what LoadExchange created.
type ExchangeSummary struct {
	Requests  int // share requests filed
	Grants    int // grants made (approved requests and standing grants)
	Pending   int // requests waiting for the provider
	Escalated int // requests past their due date, passed to the data authority
	APIKeys   int // consumers' system keys
	Uses      int // queries, verifications and export rows recorded
	Entries   int64
	Notes     []string
}

// fixedClock is a clock stopped at a time, for requests filed in the past.
type fixedClock struct{ t time.Time }

// Now returns the time the clock is stopped at.
func (c fixedClock) Now() time.Time { return c.t }

// LoadExchange fills the sharing side of the demo, after Load and LoadData,
// through the exchange service: departments apply for the population and
// company registers (approved with fewer items, refused with a reason,
// pending, and one filed three weeks ago and escalated to the data
// authority), the company register's unconditional standing grants,
// subscriptions, an API-mounted resource with its provider credential
// stored sealed, consumers' API keys, and a few thousand uses (batch and
// single queries, verifications, an export) with purposes and case
// numbers, so the usage pages, the subject's data-use record and the
// audit chain have something real. It ends with a signed checkpoint.
// Resources the demo catalog lacks are skipped with a note.
func LoadExchange(ctx context.Context, db *store.DB, keys *gm.Keyring, ids *identity.Service, cat *catalog.Service, x *exchange.Service) (*ExchangeSummary, error) {
	sys := huitong.WithPrincipal(ctx, huitong.System)
	sum := &ExchangeSummary{}
	depts, err := ids.Departments(sys, huitong.DepartmentFilter{Within: Province})
	if err != nil {
		return nil, err
	}
	byName := map[string]*huitong.Department{}
	for _, d := range depts {
		byName[d.Name] = d
	}
	codeOf := func(name string) string {
		if d := byName[name]; d != nil {
			return d.Code
		}
		return ""
	}
	staff := func(name string) (context.Context, *huitong.Department) {
		d := byName[name]
		if d == nil {
			return nil, nil
		}
		us, err := ids.Users(sys, huitong.UserFilter{Department: d.Code})
		if err != nil {
			return nil, nil
		}
		for _, u := range us {
			if u.Has(huitong.RoleStaff) {
				return huitong.WithPrincipal(ctx, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles}), d
			}
		}
		return nil, nil
	}
	provider := func(code string) context.Context {
		r, err := cat.Published(sys, code)
		if err != nil {
			return nil
		}
		for _, d := range depts {
			if d.Code == r.Provider {
				p, _ := staff(d.Name)
				return p
			}
		}
		return nil
	}
	ga, scjg := byName["甘肃省公安厅"], byName["甘肃省市场监督管理局"]
	if ga == nil || scjg == nil {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "演示共享交换需要甘肃省公安厅和甘肃省市场监督管理局；请先载入演示目录")
	}
	people, err := findTable(sys, cat, ga.Code, huitong.KeyCitizenID, []string{"户籍人口基本信息", "常住户籍人口登记信息"})
	if err != nil {
		return nil, err
	}
	companies, err := findTable(sys, cat, scjg.Code, huitong.KeyUSCC, []string{"企业登记注册信息", "市场主体登记信息", "电子营业执照信息", "营业执照信息"})
	if err != nil {
		sum.Notes = append(sum.Notes, err.Error())
	}
	now := time.Now().UTC()
	itemKeys := func(r *huitong.Resource, names ...string) []string {
		var out []string
		for _, it := range r.Items {
			if slices.Contains(names, it.Name) && it.ShareType != huitong.ShareNone {
				out = append(out, it.Name)
			}
		}
		return out
	}
	uses := []string{huitong.UseQuery, huitong.UseVerify}
	allUses := func(r *huitong.Resource) []string {
		out := append([]string{}, uses...)
		if r.Mount.Kind == huitong.MountTable {
			out = append(out, huitong.UseSubscribe)
			for _, m := range r.ShareMethods {
				if m == huitong.MethodDownload || m == huitong.MethodCopy || m == huitong.MethodSystem {
					out = append(out, huitong.UseExport)
					break
				}
			}
		}
		return out
	}
	request := func(who context.Context, r *huitong.Resource, in exchange.RequestInput) (*huitong.ShareRequest, error) {
		in.Resource = r.Code
		if in.Until.IsZero() {
			in.Until = now.AddDate(1, 0, 0)
		}
		req, err := x.Request(who, in)
		if err != nil {
			return nil, fmt.Errorf("demo: share request for %s: %w", r.Name, err)
		}
		sum.Requests++
		if req.Status == huitong.RequestApproved {
			sum.Grants++
		}
		return req, nil
	}
	// The demo's systems query faster than the default rate limit; the
	// providers set the limits of their grants.
	approve := func(req *huitong.ShareRequest, d exchange.Decision) (*huitong.Grant, error) {
		id := req.Grant
		if req.Status != huitong.RequestApproved {
			d.Decision = "approve"
			_, g, err := x.Decide(provider(req.Resource), req.ID, d)
			if err != nil {
				return nil, fmt.Errorf("demo: approve request %d: %w", req.ID, err)
			}
			sum.Grants++
			id = g.ID
		}
		return x.SetLimits(provider(req.Resource), id, 50000, 0)
	}
	personItems := itemKeys(people, "公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "联系电话")

	// 人社厅 (the whole province): social insurance eligibility checks.
	rst, _ := staff("甘肃省人力资源和社会保障厅")
	var gRS, gCounty *huitong.Grant
	if rst != nil && people.ShareType != huitong.ShareNone {
		req, err := request(rst, people, exchange.RequestInput{Items: personItems, Uses: allUses(people), Purpose: "养老保险待遇领取资格认证",
			LegalBasis: "《中华人民共和国社会保险法》第七十四条", Jurisdiction: Province, ExpectedVolume: 5000})
		if err != nil {
			return nil, err
		}
		// The provider leaves out the address and phone number.
		if gRS, err = approve(req, exchange.Decision{Items: itemKeys(people, "公民身份号码", "姓名", "性别", "出生日期", "民族"), Reason: "户籍地址、联系电话与认证用途无关，不予提供"}); err != nil {
			return nil, err
		}
		if _, _, err := x.Subscribe(rst, gRS.ID, "", ""); err != nil && gRS.Allows(huitong.UseSubscribe) {
			return nil, err
		}
	}
	// 城关区人社局 (one county): subjects of its county only.
	county, countyDept := staff("兰州市城关区人力资源和社会保障局")
	if county != nil && people.ShareType != huitong.ShareNone {
		req, err := request(county, people, exchange.RequestInput{Items: itemKeys(people, "公民身份号码", "姓名", "性别", "出生日期"), Uses: allUses(people),
			Purpose: "城乡居民养老保险参保登记核验", LegalBasis: "《甘肃省城乡居民基本养老保险实施办法》", ExpectedVolume: 300})
		if err != nil {
			return nil, err
		}
		if gCounty, err = approve(req, exchange.Decision{}); err != nil {
			return nil, err
		}
	}
	// A refused request, a pending one, and one left past its due date, on
	// the population register when it is conditional, else on another
	// conditional resource.
	cond := people
	if people.ShareType != huitong.ShareConditional {
		cond, err = findResource(sys, cat, func(r *huitong.Resource) bool {
			return r.ShareType == huitong.ShareConditional && r.Level == huitong.LevelProvince &&
				!slices.Contains([]string{codeOf("甘肃省民政厅"), codeOf("甘肃省卫生健康委员会"), codeOf("兰州市民政局")}, r.Provider)
		})
		if err != nil {
			sum.Notes = append(sum.Notes, "演示目录中没有有条件共享资源，未演示待审批和逾期申请")
		}
	}
	var condItems []string
	if cond != nil {
		for _, it := range cond.Items {
			if it.ShareType != huitong.ShareNone && len(condItems) < 4 {
				condItems = append(condItems, it.Name)
			}
		}
	}
	if wjw, _ := staff("甘肃省卫生健康委员会"); wjw != nil && cond != nil {
		req, err := request(wjw, cond, exchange.RequestInput{Items: condItems, Purpose: "居民健康档案建档", LegalBasis: "《基本医疗卫生与健康促进法》"})
		if err != nil {
			return nil, err
		}
		if _, _, err := x.Decide(provider(cond.Code), req.ID, exchange.Decision{Decision: "refuse",
			Reason: "健康档案建档应由居民本人提供信息；批量获取超出必要范围，请缩小信息项后重新申请"}); err != nil {
			return nil, err
		}
	}
	if lzmz, _ := staff("兰州市民政局"); lzmz != nil && cond != nil {
		if _, err := request(lzmz, cond, exchange.RequestInput{Items: condItems, Purpose: "最低生活保障对象家庭经济状况核对",
			LegalBasis: "《社会救助暂行办法》第十一条", ExpectedVolume: 800}); err != nil {
			return nil, err
		}
		sum.Pending++
	}
	if mzt, _ := staff("甘肃省民政厅"); mzt != nil && cond != nil {
		// Filed three weeks ago and never answered: escalated.
		past, err := exchange.New(db, cat, ids, keys, x.Config(), fixedClock{now.AddDate(0, 0, -21)}, nil)
		if err != nil {
			return nil, err
		}
		_, err = past.Request(mzt, exchange.RequestInput{Resource: cond.Code, Items: condItems, Purpose: "特困人员供养资格认定",
			LegalBasis: "《社会救助暂行办法》第十四条", Until: now.AddDate(1, 0, 0), ExpectedVolume: 100})
		past.Close()
		if err != nil {
			return nil, fmt.Errorf("demo: overdue request: %w", err)
		}
		sum.Requests++
		esc, err := x.Escalate(sys)
		if err != nil {
			return nil, err
		}
		sum.Escalated = len(esc)
	}
	// The company register, unconditional for most: 税务局 and the county use it at once.
	var gTax *huitong.Grant
	if companies != nil && companies.ShareType != huitong.ShareNone {
		if sw, _ := staff("国家税务总局甘肃省税务局"); sw != nil {
			req, err := request(sw, companies, exchange.RequestInput{Items: itemKeys(companies, "统一社会信用代码", "企业名称", "法定代表人", "注册资本", "成立日期", "住所"),
				Uses: uses, Purpose: "纳税人登记信息比对", LegalBasis: "《中华人民共和国税收征收管理法》第六条", Jurisdiction: Province, ExpectedVolume: 2000})
			if err != nil {
				return nil, err
			}
			if gTax, err = approve(req, exchange.Decision{}); err != nil {
				return nil, err
			}
		}
	}
	// An API-mounted resource: its provider stores the credential the
	// platform presents; a consumer is granted it.
	if api, err := findAPIResource(sys, cat, depts); err == nil && rst != nil {
		p := provider(api.Code)
		if err := x.SetCredential(p, api.Code, "Authorization", "Bearer demo-"+api.Code); err != nil {
			return nil, fmt.Errorf("demo: credential of %s: %w", api.Name, err)
		}
		var names []string
		for _, it := range api.Items {
			if it.ShareType != huitong.ShareNone && len(names) < 4 {
				names = append(names, it.Name)
			}
		}
		req, err := request(rst, api, exchange.RequestInput{Items: names, Purpose: "社会保险待遇资格联网核查", LegalBasis: "《社会保险经办条例》第二十二条"})
		if err != nil {
			sum.Notes = append(sum.Notes, err.Error())
		} else if _, err := approve(req, exchange.Decision{Reason: "同意通过平台调用本部门接口"}); err != nil {
			return nil, err
		}
	} else if err != nil {
		sum.Notes = append(sum.Notes, err.Error())
	}

	// The certificate library (电子证照库, answered by the library itself):
	// 住建厅 checks the 营业执照 and permits of companies applying for a
	// construction qualification instead of asking for copies.
	var gLib *huitong.Grant
	lib, err := findResource(sys, cat, func(r *huitong.Resource) bool { return r.Mount.URL == cert.LibraryPath })
	zjt, _ := staff("甘肃省住房和城乡建设厅")
	if err == nil && zjt != nil {
		req, err := request(zjt, lib, exchange.RequestInput{Items: itemKeys(lib, "持证主体代码", "持证主体", "证照标识", "证照名称", "颁发机构", "有效期截止日期", "证照状态"),
			Uses: uses, Purpose: "建筑业企业资质审批：核验申请企业的营业执照和安全生产许可证，申请人免提交纸质证照",
			LegalBasis: "《国务院关于加快推进全国一体化在线政务服务平台建设的指导意见》(国发〔2018〕27号)", Jurisdiction: Province, ExpectedVolume: 200})
		if err != nil {
			return nil, err
		}
		if gLib, err = approve(req, exchange.Decision{Reason: "同意按持证主体查询，用于审批核验"}); err != nil {
			return nil, err
		}
	} else if err != nil {
		sum.Notes = append(sum.Notes, "演示目录中没有电子证照库，未演示按持证主体查询证照")
	}

	// The consumers' systems and their uses.
	rng := rand.New(rand.NewPCG(DefaultSeed, 21))
	purposes := []string{"养老保险待遇领取资格认证", "失业保险金申领审核", "工伤保险待遇核定", "社会保障卡制卡信息核验"}
	keysOf := func(r *huitong.Resource, n int, within string) ([]string, error) {
		var out []string
		after := ""
		for len(out) < n {
			recs, err := db.Records(ctx, r.Code, after, 1000, false)
			if err != nil || len(recs) == 0 {
				return out, err
			}
			for _, rec := range recs {
				if within == "" || rec.Jurisdiction == within {
					out = append(out, rec.Key)
				}
			}
			after = recs[len(recs)-1].Key
		}
		return out[:min(n, len(out))], nil
	}
	use := func(who context.Context, g *huitong.Grant, keys []string, single, verify int, caseFmt string) error {
		if g == nil || len(keys) == 0 {
			return nil
		}
		for start := 0; start < len(keys); start += 100 {
			part := keys[start:min(start+100, len(keys))]
			q := exchange.Query{Resource: g.Resource, Keys: part, Grant: g.ID, Purpose: purposes[rng.IntN(len(purposes))], Case: fmt.Sprintf(caseFmt, rng.IntN(90000)+10000)}
			if _, err := x.Batch(who, q); err != nil {
				return fmt.Errorf("demo: batch query: %w", err)
			}
			sum.Uses += len(part)
		}
		for i := range single {
			q := exchange.Query{Resource: g.Resource, Keys: []string{keys[rng.IntN(len(keys))]}, Grant: g.ID, Purpose: purposes[i%len(purposes)], Case: fmt.Sprintf(caseFmt, rng.IntN(90000)+10000)}
			if _, _, err := x.Get(who, q); err != nil && huitong.ErrorCode(err) != huitong.ENOTFOUND {
				return fmt.Errorf("demo: query: %w", err)
			}
			sum.Uses++
		}
		if !g.Allows(huitong.UseVerify) {
			return nil
		}
		for i := range verify {
			q := exchange.Query{Resource: g.Resource, Keys: []string{keys[rng.IntN(len(keys))]}, Grant: g.ID, Purpose: "身份信息核验",
				Values: map[string]string{g.Items[min(1, len(g.Items)-1)]: []string{"张伟", "王芳", "李娜"}[i%3]}}
			if _, err := x.Verify(who, q); err != nil && huitong.ErrorCode(err) != huitong.ENOTFOUND {
				return fmt.Errorf("demo: verify: %w", err)
			}
			sum.Uses++
		}
		return nil
	}
	system := func(who context.Context, name string) context.Context {
		if who == nil {
			return nil
		}
		_, k, err := ids.CreateAPIKey(who, name)
		if err != nil {
			return who
		}
		sum.APIKeys++
		return huitong.WithPrincipal(ctx, &huitong.Principal{KeyID: k.ID, Department: k.Department, Roles: []huitong.Role{huitong.RoleStaff}})
	}
	if gRS != nil {
		ks, err := keysOf(people, 1500, "")
		if err != nil {
			return nil, err
		}
		if err := use(system(rst, "养老保险待遇资格认证系统"), gRS, ks, 200, 200, "RS62-2026-%05d"); err != nil {
			return nil, err
		}
	}
	if gCounty != nil {
		ks, err := keysOf(people, 500, countyDept.Jurisdiction)
		if err != nil {
			return nil, err
		}
		countySys := system(county, "城乡居民养老保险经办系统")
		if err := use(countySys, gCounty, ks, 100, 100, "CGRS-2026-%05d"); err != nil {
			return nil, err
		}
		if gCounty.Allows(huitong.UseExport) {
			n, err := x.Export(countySys, gCounty.ID, exchange.FormatCSV, exchange.Query{Purpose: "城乡居民养老保险年度参保核查", Case: "CGRS-2026-00001"}, func(string) io.Writer { return io.Discard })
			if err != nil {
				return nil, fmt.Errorf("demo: export: %w", err)
			}
			sum.Uses += n
		}
	}
	if gTax != nil {
		ks, err := keysOf(companies, 600, "")
		if err != nil {
			return nil, err
		}
		if err := use(system(func() context.Context { c, _ := staff("国家税务总局甘肃省税务局"); return c }(), "金税系统数据比对接口"), gTax, ks, 100, 0, "SW62-2026-%05d"); err != nil {
			return nil, err
		}
	}
	if gLib != nil {
		// Companies holding certificates, as their applications would come.
		var ks []string
		for offset := 0; len(ks) < 200; offset += 1000 {
			certs, _, err := db.Certificates(ctx, huitong.CertFilter{Offset: offset, Limit: 1000})
			if err != nil {
				return nil, err
			}
			for _, c := range certs {
				if _, err := gbcode.USCC(c.HolderID); err == nil && !slices.Contains(ks, c.HolderID) {
					ks = append(ks, c.HolderID)
				}
			}
			if len(certs) < 1000 {
				break
			}
		}
		if err := use(system(zjt, "建筑市场监管与诚信信息平台"), gLib, ks, 50, 0, "ZJ62-2026-%05d"); err != nil {
			return nil, err
		}
	}
	if _, err := x.Checkpoint(sys); err != nil {
		return nil, err
	}
	after, _, err := db.AuditHead(ctx, x.Config().Chain)
	if err == nil {
		sum.Entries = after
	}
	return sum, nil
}

// findAPIResource returns a published provincial API-mounted resource
// that can be shared.
func findAPIResource(ctx context.Context, cat *catalog.Service, depts []*huitong.Department) (*huitong.Resource, error) {
	r, err := findResource(ctx, cat, func(p *huitong.Resource) bool {
		return p.Mount.Kind == huitong.MountAPI && !p.Mount.OnPlatform() && p.ShareType != huitong.ShareNone && p.KeyItem() != nil && p.Level == huitong.LevelProvince
	})
	if err != nil {
		return nil, fmt.Errorf("演示目录中没有可共享的部门接口资源，未演示接口网关")
	}
	return r, nil
}

// findResource returns the first published resource that ok accepts.
func findResource(ctx context.Context, cat *catalog.Service, ok func(*huitong.Resource) bool) (*huitong.Resource, error) {
	for offset := 0; ; offset += 200 {
		list, err := cat.Search(ctx, huitong.ResourceFilter{Offset: offset, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, r := range list.Items {
			if p, err := cat.Published(ctx, r.Code); err == nil && ok(p) {
				return p, nil
			}
		}
		if len(list.Items) < 200 {
			return nil, huitong.Errorf(huitong.ENOTFOUND, "no such resource")
		}
	}
}
