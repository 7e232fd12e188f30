package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/divisions"
	"huitong/gbcode"
	"huitong/identity"
)

// CertSummary is what LoadCerts created.
type CertSummary struct {
	Types        int
	Seals        int
	Certificates int
	People       int
	Companies    int
	Catalog      string // code of the 电子证照库 catalog entry
	// Holders are a person and a company whose own wallets (/my) are
	// open, each with the password HolderPassword.
	Holders []DemoHolder
}

// DemoHolder is a holder whose own sign-in the demo opened.
type DemoHolder struct {
	HolderID, Name string
}

// HolderPassword is the password of the demo holders' own sign-ins (the
// holder password policy applies, so it is not Password).
const HolderPassword = "Demo-holder-2026"

// Defining bodies of the demo's certificate types: national ministries,
// with credit codes made for the demo (division 100000, central).
var certDefiners = map[string]string{
	"samr":   "国家市场监督管理总局",
	"mnr":    "自然资源部",
	"mohrss": "人力资源和社会保障部",
	"mca":    "民政部",
	"mohurd": "住房和城乡建设部",
}

func definerCode(key string) string {
	bodies := map[string]string{"samr": "00000101", "mnr": "00000102", "mohrss": "00000103", "mca": "00000104", "mohurd": "00000105"}
	return gbcode.MakeUSCC('1', '1', gbcode.CentralDivision, bodies[key])
}

// certTypes are the demo's certificate types. Issuers are named by rules
// (level and name suffix) or by department name, resolved against the
// loaded departments.
func certTypes() []struct {
	t       huitong.CertType
	definer string
	names   []string // departments listed explicitly, by name
} {
	item := func(code, name string, typ huitong.ItemType, required bool) huitong.CertItem {
		return huitong.CertItem{Code: code, Name: name, Type: typ, Required: required}
	}
	C, D, Y, M := huitong.TypeString, huitong.TypeDate, huitong.TypeMoney, huitong.TypeMemo
	market := []huitong.IssuerRule{{Level: huitong.LevelProvince, NameSuffix: "市场监督管理局"}, {Level: huitong.LevelPrefecture, NameSuffix: "市场监督管理局"}, {Level: huitong.LevelCounty, NameSuffix: "市场监督管理局"}}
	return []struct {
		t       huitong.CertType
		definer string
		names   []string
	}{
		{definer: "samr", t: huitong.CertType{Name: "营业执照", HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Permanent: true},
			Items: []huitong.CertItem{item("lx", "类型", C, true), item("fddbr", "法定代表人", C, true), item("zczb", "注册资本(万元)", Y, false),
				item("clrq", "成立日期", D, true), item("yyqx", "营业期限", C, false), item("zs", "住所", C, true), item("jyfw", "经营范围", M, true)},
			Layout: huitong.CertLayout{Title: "营 业 执 照", Color: "#B22222"}, IssuerRules: market}},
		{definer: "samr", t: huitong.CertType{Name: "食品经营许可证", HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Months: 60, MaxMonths: 60},
			Items: []huitong.CertItem{item("fzr", "法定代表人(负责人)", C, true), item("jycs", "经营场所", C, true), item("ztyt", "主体业态", C, true),
				item("jyxm", "经营项目", M, true), item("rcjg", "日常监督管理机构", C, false)},
			Layout: huitong.CertLayout{Color: "#1F5FA3"}, IssuerRules: market[1:]}},
		{definer: "mnr", t: huitong.CertType{Name: "不动产权证书", HolderKind: huitong.HolderPerson, Validity: huitong.CertValidity{Permanent: true},
			Items: []huitong.CertItem{item("gyqk", "共有情况", C, true), item("zl", "坐落", C, true), item("bdcdyh", "不动产单元号", C, true),
				item("qllx", "权利类型", C, true), item("yt", "用途", C, true), item("mj", "面积(平方米)", huitong.TypeNumber, true), item("syqx", "使用期限", C, false)},
			Layout: huitong.CertLayout{Color: "#2E7D32"}}, names: []string{"甘肃省自然资源厅"}},
		{definer: "mohrss", t: huitong.CertType{Name: "社会保障卡", HolderKind: huitong.HolderPerson, Validity: huitong.CertValidity{Months: 120, MaxMonths: 120},
			Items:       []huitong.CertItem{item("shbzhm", "社会保障号码", C, true), item("kh", "卡号", C, true), item("fkjg", "发卡地", C, true)},
			Layout:      huitong.CertLayout{Color: "#00695C"},
			IssuerRules: []huitong.IssuerRule{{Level: huitong.LevelPrefecture, NameSuffix: "人力资源和社会保障局"}}}, names: []string{"甘肃省人力资源和社会保障厅"}},
		{definer: "mca", t: huitong.CertType{Name: "结婚证", HolderKind: huitong.HolderPerson, Validity: huitong.CertValidity{Permanent: true},
			Items: []huitong.CertItem{item("djrq", "登记日期", D, true), item("jhzzh", "结婚证字号", C, true), item("poxm", "配偶姓名", C, true),
				item("pozjhm", "配偶身份证件号", C, true), item("bz", "备注", C, false)},
			Layout:      huitong.CertLayout{Title: "结 婚 证", Color: "#C62828"},
			IssuerRules: []huitong.IssuerRule{{Level: huitong.LevelPrefecture, NameSuffix: "民政局"}}}},
		{definer: "mohurd", t: huitong.CertType{Name: "建筑施工企业安全生产许可证", HolderKind: huitong.HolderEntity, Validity: huitong.CertValidity{Months: 36, MaxMonths: 36},
			Items:  []huitong.CertItem{item("zyfzr", "主要负责人", C, true), item("dwdz", "单位地址", C, true), item("jjlx", "经济类型", C, true), item("xkfw", "许可范围", C, true)},
			Layout: huitong.CertLayout{Color: "#E65100"}}, names: []string{"甘肃省住房和城乡建设厅"}},
	}
}

// certLoader holds what LoadCerts works with.
type certLoader struct {
	certs  *cert.Service
	rng    *rand.Rand
	depts  []*huitong.Department
	staff  map[string]context.Context // department code -> its staff acting
	admins map[string]context.Context
	sum    CertSummary
	// a person and a company with certificates of two departments each,
	// whose own wallets the demo opens
	holders []DemoHolder
}

// LoadCerts fills the certificate library of a freshly loaded demo: six
// certificate types defined by national ministries, a seal for every
// issuing department (made by its admin), a few thousand certificates
// issued in batches to demo people (valid citizen ID numbers from real
// Gansu county codes) and companies (credit codes of kind 91), some
// revoked and one reissued as a new version, and the 电子证照库 base
// resource registered and published in the catalog by the data authority.
// sum is what Load returned.
func LoadCerts(ctx context.Context, ids *identity.Service, cat *catalog.Service, certs *cert.Service, sum *Summary) (*CertSummary, error) {
	sys := huitong.WithPrincipal(ctx, huitong.System)
	depts, err := ids.Departments(sys, huitong.DepartmentFilter{})
	if err != nil {
		return nil, fmt.Errorf("demo: certificates: %w", err)
	}
	users, err := ids.Users(sys, huitong.UserFilter{})
	if err != nil {
		return nil, fmt.Errorf("demo: certificates: %w", err)
	}
	l := &certLoader{certs: certs, rng: rand.New(rand.NewPCG(uint64(DefaultSeed), 7)), depts: depts,
		staff: map[string]context.Context{}, admins: map[string]context.Context{}}
	staffOf, byUser := map[string]*huitong.Principal{}, map[string]*huitong.Principal{}
	for _, u := range users {
		p := &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles}
		byUser[u.Username] = p
		switch {
		case u.Has(huitong.RoleDeptAdmin):
			l.admins[u.Department] = huitong.WithPrincipal(ctx, p)
		case u.Has(huitong.RoleStaff):
			l.staff[u.Department] = huitong.WithPrincipal(ctx, p)
			staffOf[u.Department] = p
		}
	}

	types := map[string]*huitong.CertType{}
	for _, spec := range certTypes() {
		t := spec.t
		t.Definer, t.DefinerName = definerCode(spec.definer), certDefiners[spec.definer]
		for _, name := range spec.names {
			d := l.byName(name)
			if d == nil {
				return nil, fmt.Errorf("demo: certificates: no department %s", name)
			}
			t.Issuers = append(t.Issuers, d.Code)
		}
		if err := certs.CreateType(sys, &t); err != nil {
			return nil, fmt.Errorf("demo: certificate type %s: %w", t.Name, err)
		}
		types[t.Name] = &t
		l.sum.Types++
	}
	// A seal for every department that may issue one of the types.
	for _, d := range depts {
		for _, t := range types {
			if cert.MayIssue(t, d) {
				if _, err := certs.CreateSeal(l.admins[d.Code], cert.SealRequest{}); err != nil {
					return nil, fmt.Errorf("demo: seal of %s: %w", d.Name, err)
				}
				l.sum.Seals++
				break
			}
		}
	}
	if err := l.issueAll(types); err != nil {
		return nil, err
	}
	// A person and a company open their own wallets, as at a window.
	window := l.staff[l.byName("甘肃省市场监督管理局").Code]
	for _, h := range l.holders {
		a, err := ids.OpenHolderAccount(window, h.HolderID, h.Name)
		if err != nil {
			return nil, fmt.Errorf("demo: holder account: %w", err)
		}
		if err := ids.ActivateHolder(ctx, h.HolderID, a.Code, HolderPassword); err != nil {
			return nil, fmt.Errorf("demo: holder account: %w", err)
		}
		l.sum.Holders = append(l.sum.Holders, h)
	}
	code, err := registerLibrary(ctx, cat, sum, staffOf, byUser)
	if err != nil {
		return nil, err
	}
	l.sum.Catalog = code
	return &l.sum, nil
}

func (l *certLoader) byName(name string) *huitong.Department {
	for _, d := range l.depts {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// issuerFor picks the department that issues t for a holder living in the
// division: the matching department of the holder's county, else of the
// prefecture, else the province.
func (l *certLoader) issuerFor(t *huitong.CertType, division string) *huitong.Department {
	var best *huitong.Department
	score := -1
	for _, d := range l.depts {
		if !cert.MayIssue(t, d) {
			continue
		}
		s := 0
		switch {
		case d.Jurisdiction == division:
			s = 3
		case d.Jurisdiction == division[:4]+"00":
			s = 2
		case d.Level == huitong.LevelProvince:
			s = 1
		default:
			continue
		}
		if s > score {
			best, score = d, s
		}
	}
	return best
}

// demoPerson is a resident of Gansu.
type demoPerson struct {
	name, id, division, address string
	male                        bool
}

// demoCompany is a company registered in Gansu.
type demoCompany struct {
	name, code, division, address, boss string
}

func (l *certLoader) people(n int) []demoPerson {
	var counties []divisions.Division
	for _, pref := range divisions.Children(Province) {
		for _, c := range divisions.Children(pref.Code) {
			if c.Code[4:] != "00" && c.Code[4] < '7' && !c.Placeholder() {
				counties = append(counties, c)
			}
		}
	}
	names := newNamer(l.rng)
	out := make([]demoPerson, 0, n)
	seen := map[string]bool{}
	for len(out) < n {
		c := counties[l.rng.IntN(len(counties))]
		birth := fmt.Sprintf("%04d%02d%02d", 1950+l.rng.IntN(55), 1+l.rng.IntN(12), 1+l.rng.IntN(28))
		seq := 1 + l.rng.IntN(998)
		first17 := c.Code + birth + fmt.Sprintf("%03d", seq)
		id := first17 + string(gbcode.CitizenIDCheck(first17))
		if seen[id] {
			continue
		}
		seen[id] = true
		pref, _ := divisions.Lookup(c.Code[:4] + "00")
		out = append(out, demoPerson{name: names.next(), id: id, division: c.Code, male: seq%2 == 1,
			address: pref.Name + c.Name + fmt.Sprintf("%s路%d号", []string{"解放", "人民", "建设", "和平", "团结", "胜利", "东方红", "民主"}[l.rng.IntN(8)], 1+l.rng.IntN(300))})
	}
	return out
}

func (l *certLoader) companies(n int, bosses []demoPerson) []demoCompany {
	prefs := divisions.Children(Province)
	trades := []string{"商贸", "建筑工程", "餐饮管理", "农业科技", "物流", "信息技术", "食品", "文化旅游", "建材", "医药"}
	marks := []string{"陇原", "丝路", "金城", "河西", "祁连", "敦煌", "黄河", "崆峒", "麦积", "莫高", "鸣沙", "伏羲", "飞天", "雪山", "马踏"}
	const alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	out := make([]demoCompany, 0, n)
	seenName, seenCode := map[string]bool{}, map[string]bool{}
	for len(out) < n {
		pref := prefs[l.rng.IntN(len(prefs))]
		counties := divisions.Children(pref.Code)
		div := pref.Code
		if len(counties) > 1 {
			if c := counties[l.rng.IntN(len(counties))]; c.Code[4] < '7' && !c.Placeholder() {
				div = c.Code
			}
		}
		body := []byte("MA7")
		for range 5 {
			body = append(body, alnum[l.rng.IntN(len(alnum))])
		}
		code := gbcode.MakeUSCC('9', '1', div, string(body))
		trade := trades[l.rng.IntN(len(trades))]
		name := strings.TrimSuffix(pref.Name, "市") + marks[l.rng.IntN(len(marks))] + trade + "有限公司"
		if seenName[name] {
			name = strings.TrimSuffix(pref.Name, "市") + marks[l.rng.IntN(len(marks))] + marks[l.rng.IntN(len(marks))] + trade + "有限责任公司"
		}
		if seenName[name] || seenCode[code] {
			continue
		}
		seenName[name], seenCode[code] = true, true
		d, _ := divisions.Lookup(div)
		out = append(out, demoCompany{name: name, code: code, division: div, boss: bosses[len(out)%len(bosses)].name,
			address: pref.Name + strings.TrimPrefix(d.Name, pref.Name) + fmt.Sprintf("%s大道%d号", []string{"滨河", "雁滩", "城关", "新区", "高新"}[l.rng.IntN(5)], 1+l.rng.IntN(500))})
	}
	return out
}

// batch collects rows per issuing department and issues them.
type batch map[string][]cert.BatchRow

func (b batch) add(d *huitong.Department, req huitong.IssueRequest) {
	b[d.Code] = append(b[d.Code], cert.BatchRow{Row: len(b[d.Code]) + 1, Req: req})
}

func (l *certLoader) issue(t *huitong.CertType, b batch) ([]string, error) {
	var ids []string
	for _, d := range l.depts { // department order: deterministic
		rows := b[d.Code]
		if len(rows) == 0 {
			continue
		}
		rep, err := l.certs.IssueBatch(l.staff[d.Code], t.Code, rows, cert.BatchOptions{Source: "demo"})
		if err != nil {
			return nil, fmt.Errorf("demo: issue %s at %s: %w", t.Name, d.Name, err)
		}
		if len(rep.Errors) > 0 {
			e := rep.Errors[0]
			return nil, fmt.Errorf("demo: issue %s at %s: row %d %s %s: %s", t.Name, d.Name, e.Row, e.Field, e.Rule, e.Message)
		}
		l.sum.Certificates += rep.Issued
		ids = append(ids, rep.IDs...)
	}
	return ids, nil
}

func (l *certLoader) date(fromYear, toYear int) string {
	return fmt.Sprintf("%04d-%02d-%02d", fromYear+l.rng.IntN(toYear-fromYear+1), 1+l.rng.IntN(12), 1+l.rng.IntN(28))
}

func (l *certLoader) issueAll(types map[string]*huitong.CertType) error {
	people := l.people(1600)
	companies := l.companies(700, people)
	l.sum.People, l.sum.Companies = len(people), len(companies)
	// people[0]: a social security card and a property title; companies[260]:
	// a licence and a construction permit.
	l.holders = []DemoHolder{{people[0].id, people[0].name}, {companies[260].code, companies[260].name}}

	licence := types["营业执照"]
	b := batch{}
	kinds := []string{"有限责任公司(自然人投资或控股)", "有限责任公司(自然人独资)", "股份有限公司(非上市)", "有限责任公司(国有独资)"}
	for _, c := range companies {
		b.add(l.issuerFor(licence, c.division), huitong.IssueRequest{HolderName: c.name, HolderID: c.code, ValidFrom: l.date(2015, 2025),
			Data: map[string]string{"lx": kinds[l.rng.IntN(len(kinds))], "fddbr": c.boss, "zczb": fmt.Sprintf("%d.00", 50*(1+l.rng.IntN(200))),
				"clrq": l.date(2005, 2024), "yyqx": "长期", "zs": c.address, "jyfw": "一般项目：日用百货销售；五金产品零售；信息咨询服务(不含许可类信息咨询服务)。(除依法须经批准的项目外，凭营业执照依法自主开展经营活动)"}})
	}
	licIDs, err := l.issue(licence, b)
	if err != nil {
		return err
	}

	food := types["食品经营许可证"]
	b = batch{}
	for _, c := range companies[:260] {
		d := l.issuerFor(food, c.division)
		b.add(d, huitong.IssueRequest{HolderName: c.name, HolderID: c.code, ValidFrom: l.date(2022, 2025),
			Data: map[string]string{"fzr": c.boss, "jycs": c.address, "ztyt": []string{"餐饮服务经营者", "食品销售经营者"}[l.rng.IntN(2)],
				"jyxm": "预包装食品销售(含冷藏冷冻食品)；热食类食品制售", "rcjg": d.Name}})
	}
	if _, err := l.issue(food, b); err != nil {
		return err
	}

	build := types["建筑施工企业安全生产许可证"]
	b = batch{}
	for _, c := range companies[260:340] {
		b.add(l.issuerFor(build, c.division), huitong.IssueRequest{HolderName: c.name, HolderID: c.code, ValidFrom: l.date(2024, 2025),
			Data: map[string]string{"zyfzr": c.boss, "dwdz": c.address, "jjlx": "有限责任公司", "xkfw": "建筑施工"}})
	}
	if _, err := l.issue(build, b); err != nil {
		return err
	}

	card := types["社会保障卡"]
	b = batch{}
	for i, p := range people {
		d := l.issuerFor(card, p.division)
		b.add(d, huitong.IssueRequest{HolderName: p.name, HolderID: p.id, ValidFrom: l.date(2018, 2025),
			Data: map[string]string{"shbzhm": p.id, "kh": fmt.Sprintf("J%08d", 10000000+i*7), "fkjg": d.Name[:strings.Index(d.Name, "人力资源")]}})
	}
	if _, err := l.issue(card, b); err != nil {
		return err
	}

	home := types["不动产权证书"]
	b = batch{}
	uses := []string{"城镇住宅用地/住宅", "城镇住宅用地/成套住宅", "商服用地/商业"}
	for _, p := range people[:500] {
		b.add(l.issuerFor(home, p.division), huitong.IssueRequest{HolderName: p.name, HolderID: p.id, ValidFrom: l.date(2010, 2025),
			Data: map[string]string{"gyqk": []string{"单独所有", "共同共有"}[l.rng.IntN(2)], "zl": p.address + fmt.Sprintf("%d单元%d室", 1+l.rng.IntN(4), 101+l.rng.IntN(20)*100),
				"bdcdyh": fmt.Sprintf("%s%06d GB%05d F%08d", p.division, 1+l.rng.IntN(999999), 1+l.rng.IntN(99999), 10000000+l.rng.IntN(9999999)),
				"qllx":   "国有建设用地使用权/房屋所有权", "yt": uses[l.rng.IntN(len(uses))], "mj": fmt.Sprintf("%d.%02d", 50+l.rng.IntN(120), l.rng.IntN(100)),
				"syqx": "2080年12月31日止"}})
	}
	if _, err := l.issue(home, b); err != nil {
		return err
	}

	// Couples among the people: each spouse holds a marriage certificate.
	marriage := types["结婚证"]
	b = batch{}
	var men, women []demoPerson
	for _, p := range people[500:] {
		if p.male {
			men = append(men, p)
		} else {
			women = append(women, p)
		}
	}
	for i := 0; i < min(len(men), len(women), 420); i++ {
		m, w := men[i], women[i]
		d := l.issuerFor(marriage, m.division)
		date := l.date(1998, 2025)
		no := fmt.Sprintf("J%s-%s-%06d", d.Jurisdiction, date[:4], i+1)
		b.add(d, huitong.IssueRequest{HolderName: m.name, HolderID: m.id, ValidFrom: date, Data: map[string]string{"djrq": date, "jhzzh": no, "poxm": w.name, "pozjhm": w.id}})
		b.add(d, huitong.IssueRequest{HolderName: w.name, HolderID: w.id, ValidFrom: date, Data: map[string]string{"djrq": date, "jhzzh": no, "poxm": m.name, "pozjhm": m.id}})
	}
	if _, err := l.issue(marriage, b); err != nil {
		return err
	}

	// A few licences revoked (companies deregistered), and one changed.
	for i, id := range licIDs[:6] {
		c, err := l.certs.Find(huitong.WithPrincipal(context.Background(), huitong.System), id)
		if err != nil {
			return err
		}
		ctx := l.staff[c.Issuer]
		if i == 0 {
			req := huitong.IssueRequest{Data: c.Data}
			req.Data["zczb"] = "1000.00"
			if _, err := l.certs.Reissue(ctx, id, &req); err != nil {
				return fmt.Errorf("demo: reissue %s: %w", id, err)
			}
			continue
		}
		if _, err := l.certs.Revoke(ctx, id, "企业申请注销登记，营业执照缴销"); err != nil {
			return fmt.Errorf("demo: revoke %s: %w", id, err)
		}
	}
	return nil
}

// registerLibrary registers the certificate library as a base resource
// (电子证照库, class 1 item 05) of the data authority and publishes it, so
// departments can later be granted queries by holder through the exchange.
func registerLibrary(ctx context.Context, cat *catalog.Service, sum *Summary, staffOf, byUser map[string]*huitong.Principal) (string, error) {
	var reviewer *huitong.Principal
	for _, a := range sum.Accounts {
		if p := byUser[a.Username]; p != nil && p.Has(huitong.RoleReviewer) {
			reviewer = p
		}
	}
	if reviewer == nil || staffOf[reviewer.Department] == nil {
		return "", huitong.Errorf(huitong.EINTERNAL, "演示数据中没有数据主管部门的工作人员或审核员")
	}
	authority, staff := reviewer.Department, staffOf[reviewer.Department]
	r := &huitong.Resource{
		Name:           "电子证照库",
		Abstract:       "全省各部门颁发的电子证照(GB/T 36901-36906)：证照标识、类型、颁发机构、持证主体、有效期和状态，均由颁发部门电子印章(SM2/SM3)签发。按持证主体(公民身份号码或统一社会信用代码)查询，用于办事材料“免提交”和亮证核验。",
		Classification: huitong.Classification{Class: huitong.ClassBase, Item: "05", Category: "001"},
		Provider:       authority,
		Format:         huitong.FormatService,
		ShareType:      huitong.ShareConditional,
		ShareCondition: "仅限办理政务服务事项时按持证主体查询本人(本单位)证照，须经授权；不得批量下载。",
		ShareMethods:   []huitong.ShareMethod{huitong.MethodQuery, huitong.MethodService},
		OpenType:       huitong.OpenClosed,
		UpdateCycle:    huitong.CycleRealtime,
		Keywords:       []string{"电子证照", "证照库", "免提交", "亮证"},
		Items:          slices.Clone(cert.LibraryItems),
		Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: cert.LibraryPath, Method: "GET", Comment: "平台内置的电子证照库接口，按持证主体(公民身份号码或统一社会信用代码)查询，每项按证照依次列出，以“；”分隔"},
	}
	sctx := huitong.WithPrincipal(ctx, staff)
	if err := cat.Create(sctx, r); err != nil {
		return "", fmt.Errorf("demo: register 电子证照库: %w", err)
	}
	if _, err := cat.Submit(sctx, r.Code); err != nil {
		return "", fmt.Errorf("demo: submit 电子证照库: %w", err)
	}
	if _, err := cat.Publish(huitong.WithPrincipal(ctx, reviewer), r.Code); err != nil {
		return "", fmt.Errorf("demo: publish 电子证照库: %w", err)
	}
	return r.Code, nil
}
