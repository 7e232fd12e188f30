package demo

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"

	"huitong"
	"huitong/catalog"
	"huitong/divisions"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/ingest"
)

// DataOptions shape the data the demo delivers. Zero fields take the
// defaults.
type DataOptions struct {
	// People is the number of synthetic residents. Default: 500 per
	// catalog entry of the demo (200,000 for the default 400 entries), or
	// HUITONG_DEMO_PEOPLE read through Getenv.
	People int
	// Resources is the demo's number of catalog entries, for the default.
	Resources int
	// Getenv reads HUITONG_DEMO_PEOPLE; nil reads nothing.
	Getenv func(string) string
	// Seed makes the data deterministic (default 1).
	Seed int64
	// Now is when the last delivery happens (default: the current time);
	// the earlier ones are replayed over the four weeks before.
	Now time.Time
}

// DataSummary is what LoadData delivered.
type DataSummary struct {
	People, Companies int
	Batches           int
	Received          int
	Accepted          int
	Rejected          int
	Disputes          int
	Resources         []string // codes that received data
	Notes             []string // resources the catalog lacked, and similar
}

// LoadData delivers realistic data for 甘肃省 through the real pipeline:
// residents with valid ID numbers built from Gansu's real county codes into
// 公安厅's 户籍人口基本信息 (the authoritative source of names, sex and
// birth dates), social insurance enrolment of most of them into 人社厅's
// 社会保险参保信息 (a GBK file), companies with valid credit codes into
// 市场监管局's 企业登记注册信息, and tax records of most companies into a
// 税务局 resource (GBK). The files are CSV generated as they are read,
// never held whole, and carry deliberate errors (bad check digits,
// impossible dates, unknown county codes, missing names, bad codes, a
// 15-digit ID, lines in the wrong encoding), light cleaning to do
// (spaces, full-width digits, lower-case x), repeated keys, people
// registered twice under different ID numbers, and values that disagree
// with the authoritative department, so the quality pages and the dispute
// queue show something real. The first deliveries are replayed four weeks
// back and later ones correct some rejects and change some records, so
// the scores have a trend and records have history.
//
// It seeds the authoritative departments of the data elements (一数一源)
// and answers a few disputes as the authority would. Resources the demo
// catalog lacks (a small demo may not have them all) are skipped with a
// note.
func LoadData(ctx context.Context, ids *identity.Service, cat *catalog.Service, ing *ingest.Service, opt DataOptions) (*DataSummary, error) {
	if opt.Seed == 0 {
		opt.Seed = DefaultSeed
	}
	if opt.People == 0 && opt.Getenv != nil {
		if v := opt.Getenv("HUITONG_DEMO_PEOPLE"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 10000000 {
				return nil, fmt.Errorf("HUITONG_DEMO_PEOPLE: want 0 to 10000000, got %q", v)
			}
			opt.People = n
		}
	}
	if opt.People == 0 {
		res := opt.Resources
		if res == 0 {
			res = DefaultResources
		}
		opt.People = 500 * res
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	l := &dataLoader{ing: ing, rng: rand.New(rand.NewPCG(uint64(opt.Seed), 11)), now: opt.Now, sum: &DataSummary{}}
	depts, err := ids.Departments(sys, huitong.DepartmentFilter{Jurisdiction: Province})
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, d := range depts {
		byName[d.Name] = d.Code
	}
	ga, rs, scjg, sw := byName["甘肃省公安厅"], byName["甘肃省人力资源和社会保障厅"], byName["甘肃省市场监督管理局"], byName["国家税务总局甘肃省税务局"]
	if ga == "" || scjg == "" {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "演示数据需要甘肃省公安厅和甘肃省市场监督管理局；请先载入演示目录(demo.Load)")
	}

	// One source per data element: who is authoritative for what.
	for code, auth := range map[string]string{"XM": ga, "XBDM": ga, "CSRQ": ga, "MZDM": ga, "QYMC": scjg, "FDDBR": scjg, "ZCZB": scjg, "CLRQ": scjg, "XYDJ": sw} {
		if auth == "" {
			continue
		}
		els, err := ing.Quality.Elements(sys)
		if err != nil {
			return nil, err
		}
		for _, e := range els {
			if e.Code == code {
				e.Authority = auth
				if err := ing.Quality.SetElement(sys, e); err != nil {
					return nil, fmt.Errorf("demo: element %s: %w", code, err)
				}
			}
		}
	}

	find := func(provider string, kind huitong.KeyKind, names ...string) *huitong.Resource {
		if provider == "" {
			return nil
		}
		r, err := findTable(sys, cat, provider, kind, names)
		if err != nil {
			l.sum.Notes = append(l.sum.Notes, err.Error())
		}
		return r
	}
	people := find(ga, huitong.KeyCitizenID, "户籍人口基本信息", "常住户籍人口登记信息")
	insured := find(rs, huitong.KeyCitizenID, "社会保险参保信息", "职工社会保险参保登记信息")
	companies := find(scjg, huitong.KeyUSCC, "企业登记注册信息", "市场主体登记信息", "电子营业执照信息", "营业执照信息")
	tax := find(sw, huitong.KeyUSCC, "纳税人登记信息", "纳税信用等级信息", "纳税信用A级纳税人名单")

	l.people = l.makePeople(opt.People)
	l.companies = l.makeCompanies(max(opt.People/10, 10))
	l.sum.People, l.sum.Companies = len(l.people), len(l.companies)
	day := 24 * time.Hour
	if people != nil {
		// A full delivery four weeks ago with its errors, then weekly
		// increments that correct rejects and change some records.
		if err := l.deliver(people, "户籍人口基本信息.csv", false, huitong.ModeFull, 29*day, l.personRows(people, l.people, personErrors, false)); err != nil {
			return nil, err
		}
		for i, ago := range []time.Duration{22 * day, 15 * day, 8 * day, 1 * day} {
			rows := l.personUpdates(people, i)
			if err := l.deliver(people, fmt.Sprintf("户籍人口变更-%d.csv", i+1), false, huitong.ModeIncremental, ago, rows); err != nil {
				return nil, err
			}
		}
	}
	if insured != nil {
		enrolled := l.people[:len(l.people)*6/10]
		if err := l.deliver(insured, "社会保险参保信息.csv", true, huitong.ModeFull, 27*day, l.personRows(insured, enrolled, insuredErrors, true)); err != nil {
			return nil, err
		}
		if err := l.deliver(insured, "社会保险参保变更.csv", true, huitong.ModeIncremental, 3*day, l.personRows(insured, enrolled[:len(enrolled)/50], nil, true)); err != nil {
			return nil, err
		}
	}
	if companies != nil {
		if err := l.deliver(companies, "企业登记注册信息.csv", false, huitong.ModeFull, 26*day, l.companyRows(companies, l.companies, companyErrors)); err != nil {
			return nil, err
		}
		if err := l.deliver(companies, "企业登记变更.csv", false, huitong.ModeIncremental, 2*day, l.companyRows(companies, l.companies[:len(l.companies)/40], nil)); err != nil {
			return nil, err
		}
	}
	if tax != nil {
		if err := l.deliver(tax, "纳税人信息.csv", true, huitong.ModeFull, 25*day, l.companyRows(tax, l.companies[:len(l.companies)*8/10], taxErrors)); err != nil {
			return nil, err
		}
	}
	if err := l.answerDisputes(ctx, ga, scjg); err != nil {
		return nil, err
	}
	return l.sum, nil
}

// findTable returns the provider's published, table-mounted resource with
// the first of names (or any with the key kind).
func findTable(ctx context.Context, cat *catalog.Service, provider string, kind huitong.KeyKind, names []string) (*huitong.Resource, error) {
	var candidates []*huitong.Resource
	for offset := 0; ; offset += 200 {
		list, err := cat.Search(ctx, huitong.ResourceFilter{Provider: provider, Offset: offset, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, r := range list.Items {
			p, err := cat.Published(ctx, r.Code)
			if err != nil || p.Mount.Kind != huitong.MountTable || p.KeyItem() == nil || p.KeyItem().KeyKind != kind {
				continue
			}
			candidates = append(candidates, p)
		}
		if len(list.Items) < 200 {
			break
		}
	}
	for _, n := range names {
		for _, r := range candidates {
			if r.Name == n {
				return r, nil
			}
		}
	}
	if len(candidates) > 0 {
		return candidates[0], nil
	}
	return nil, fmt.Errorf("演示目录中没有 %s 的已发布、挂接平台库表的“%s”，未交付该部分演示数据", provider, names[0])
}

// dataLoader generates and delivers the demo data.
type dataLoader struct {
	ing       *ingest.Service
	rng       *rand.Rand
	now       time.Time
	sum       *DataSummary
	people    []*person
	companies []*company
	fixed     map[string][]int // resource -> indexes whose first delivery was spoilt, to correct later
}

type person struct {
	id, name, sex, birth, nation, county, address, phone string
	marital, education, relation                         string
	household                                            string
}

type company struct {
	uscc, name, kind, legal, capital, founded, county, address, scope, status string
}

// makePeople generates n residents with distinct valid ID numbers
// (GB 11643) from Gansu's county codes, and a few registered twice under
// another ID number (near duplicates).
func (l *dataLoader) makePeople(n int) []*person {
	var counties []divisions.Division
	for _, d := range divisions.Under(Province) {
		if d.Level == divisions.County {
			counties = append(counties, d)
		}
	}
	seen := make(map[string]bool, n)
	out := make([]*person, 0, n)
	sur, giv := []rune(surnames), givenNames()
	nations := []string{"01", "01", "01", "01", "01", "01", "01", "01", "03", "03", "04", "34", "35", "47", "48"}
	for len(out) < n {
		c := counties[l.rng.IntN(len(counties))]
		birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, l.rng.IntN(84*365))
		first := fmt.Sprintf("%s%s%03d", c.Code, birth.Format("20060102"), l.rng.IntN(1000))
		id := first + string(gbcode.CitizenIDCheck(first))
		if seen[id] {
			continue
		}
		seen[id] = true
		p := &person{id: id, name: string(sur[l.rng.IntN(len(sur))]) + giv[l.rng.IntN(len(giv))], birth: birth.Format(time.DateOnly),
			nation: nations[l.rng.IntN(len(nations))], county: c.Code,
			address:   divisions.FullName(c.Code) + pick(l.rng, []string{"建设路", "解放路", "人民路", "滨河路", "民主街", "新华路", "团结巷"}) + strconv.Itoa(1+l.rng.IntN(300)) + "号",
			phone:     fmt.Sprintf("1%d%09d", 3+l.rng.IntN(7), l.rng.IntN(1000000000)),
			marital:   pick(l.rng, []string{"10", "20", "20", "20", "21", "22", "30", "40"}),
			education: pick(l.rng, []string{"10", "20", "30", "40", "60", "70", "80"}),
			relation:  pick(l.rng, []string{"02", "10", "20", "21", "22", "30"}),
			household: c.Code + fmt.Sprintf("%08d", l.rng.IntN(100000000))}
		p.sex = "2"
		if (id[16]-'0')%2 == 1 {
			p.sex = "1"
		}
		out = append(out, p)
	}
	// About one in 2,000 is registered again under an ID number of another
	// county: same name and birth date, different key.
	for i := 0; i < n/2000; i++ {
		p := *out[l.rng.IntN(len(out))]
		c := counties[l.rng.IntN(len(counties))]
		first := c.Code + p.id[6:14] + fmt.Sprintf("%03d", l.rng.IntN(1000))
		p.id = first + string(gbcode.CitizenIDCheck(first))
		if (p.id[16]-'0')%2 == 1 != (p.sex == "1") || seen[p.id] {
			continue
		}
		seen[p.id] = true
		p.county = c.Code
		out = append(out, &p)
	}
	l.rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

var companyWords = [...]string{"陇原", "金城", "祁连", "敦煌", "河西", "丝路", "黄河", "崆峒", "麦积", "陇南", "天马", "飞天", "雪山", "大漠", "兰铁", "西固", "七里河", "榆中", "皋兰", "永登"}
var companyTrades = [...]string{"商贸", "建筑工程", "农业科技", "牛肉拉面餐饮", "物流", "电子科技", "文化旅游", "中药材", "新能源", "装饰工程", "果业", "畜牧", "信息技术", "机械制造", "酒店管理"}

func (l *dataLoader) makeCompanies(n int) []*company {
	var counties []divisions.Division
	for _, d := range divisions.Under(Province) {
		if d.Level == divisions.County {
			counties = append(counties, d)
		}
	}
	out := make([]*company, 0, n)
	seenName := map[string]bool{}
	for i := 0; len(out) < n; i++ {
		c := counties[l.rng.IntN(len(counties))]
		city := divisions.Path(c.Code)
		place := strings.TrimSuffix(strings.TrimSuffix(city[len(city)-2].Name, "市"), "州")
		name := place + companyWords[l.rng.IntN(len(companyWords))] + companyTrades[l.rng.IntN(len(companyTrades))] + pick(l.rng, []string{"有限公司", "有限责任公司", "股份有限公司"})
		if seenName[name] {
			name = strings.Replace(name, "有限", strconv.Itoa(i%97)+"号有限", 1)
			if seenName[name] {
				continue
			}
		}
		seenName[name] = true
		body := fmt.Sprintf("%s%07d", string("MAQRTUWXY"[l.rng.IntN(9)]), i)
		founded := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, l.rng.IntN(30*365))
		legal := "张伟"
		if len(l.people) > 0 {
			legal = l.people[l.rng.IntN(len(l.people))].name
		}
		out = append(out, &company{uscc: gbcode.MakeUSCC('9', '1', c.Code, body), name: name, kind: pick(l.rng, []string{"1100", "1130", "1150", "1190", "4100"}),
			legal: legal, capital: strconv.Itoa(pick(l.rng, []int{10, 50, 100, 200, 500, 1000, 3000, 5000})), founded: founded.Format(time.DateOnly), county: c.Code,
			address: divisions.FullName(c.Code) + pick(l.rng, []string{"东岗西路", "庆阳路", "张掖路", "北滨河路", "天水南路"}) + strconv.Itoa(1+l.rng.IntN(800)) + "号",
			scope:   "一般项目：" + companyTrades[l.rng.IntN(len(companyTrades))] + "服务；技术咨询；货物进出口(依法须经批准的项目，经相关部门批准后方可开展经营活动)",
			status:  pick(l.rng, []string{"存续", "存续", "存续", "存续", "在业", "吊销", "注销"})})
	}
	return out
}

// rows is a delivery file as rows of cells, first the header.
type rows [][]string

// deliver writes rows as CSV (GBK when gbk) through a pipe into the
// pipeline, as the platform replaying a delivery made ago before now.
func (l *dataLoader) deliver(res *huitong.Resource, name string, gbk bool, mode huitong.DeliveryMode, ago time.Duration, data rows) error {
	pr, pw := io.Pipe()
	go func() {
		var w io.Writer = pw
		if gbk {
			w = transform.NewWriter(pw, simplifiedchinese.GB18030.NewEncoder())
		} else {
			io.WriteString(pw, "\uFEFF") // Excel's UTF-8 CSV starts with a BOM
		}
		cw := csv.NewWriter(w)
		cw.UseCRLF = true
		for _, r := range data {
			if err := cw.Write(r); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		cw.Flush()
		if c, ok := w.(io.Closer); ok && gbk {
			c.Close()
		}
		pw.CloseWithError(cw.Error())
	}()
	ctx := huitong.WithPrincipal(context.Background(), huitong.System)
	b, err := l.ing.Deliver(ctx, res.Code, pr, ingest.Options{Format: ingest.FormatCSV, Mode: mode, FileName: name, Source: "demo", At: l.now.Add(-ago)})
	pr.Close()
	if err != nil {
		return fmt.Errorf("demo: deliver %s to %s: %w", name, res.Name, err)
	}
	l.sum.Batches++
	l.sum.Received += b.Received
	l.sum.Accepted += b.Accepted
	l.sum.Rejected += b.Rejected
	l.sum.Disputes += b.Report.Disputes
	if !slices.Contains(l.sum.Resources, res.Code) {
		l.sum.Resources = append(l.sum.Resources, res.Code)
	}
	return nil
}

// header names the columns: item names, or codes for every other item of
// GBK files (both are accepted).
func header(res *huitong.Resource, codes bool) []string {
	out := make([]string, len(res.Items))
	for i, it := range res.Items {
		out[i] = it.Name
		if codes && i%2 == 1 && it.Code != "" {
			out[i] = it.Code
		}
	}
	return out
}

// spoiler damages some rows of a first delivery.
type spoiler func(l *dataLoader, i int, cells map[string]string, res *huitong.Resource) bool

// personRows is a file of people for res, spoilt by spoil (nil for none);
// codes names every other column by item code.
func (l *dataLoader) personRows(res *huitong.Resource, people []*person, spoil spoiler, codes bool) rows {
	out := rows{header(res, codes)}
	for i, p := range people {
		cells := l.personCells(res, p)
		if spoil != nil && spoil(l, i, cells, res) {
			if l.fixed == nil {
				l.fixed = map[string][]int{}
			}
			l.fixed[res.Code] = append(l.fixed[res.Code], i)
		}
		out = append(out, row(res, cells))
		// About one in 1,000 rows is delivered twice.
		if spoil != nil && i%997 == 5 {
			out = append(out, row(res, cells))
		}
	}
	return out
}

// personUpdates is the i-th weekly increment of 户籍: corrections of some
// rows the first delivery had wrong, and changes of address, phone and
// marital status of about 0.5% of residents.
func (l *dataLoader) personUpdates(res *huitong.Resource, i int) rows {
	out := rows{header(res, false)}
	fixed := l.fixed[res.Code]
	part := len(fixed) / 5
	for _, k := range fixed[i*part : (i+1)*part] {
		out = append(out, row(res, l.personCells(res, l.people[k])))
	}
	for range len(l.people) / 200 {
		p := l.people[l.rng.IntN(len(l.people))]
		p.address = divisions.FullName(p.county) + pick(l.rng, []string{"幸福路", "和平路", "西津路"}) + strconv.Itoa(1+l.rng.IntN(300)) + "号"
		p.phone = fmt.Sprintf("1%d%09d", 3+l.rng.IntN(7), l.rng.IntN(1000000000))
		if p.marital == "10" {
			p.marital = "20"
		}
		out = append(out, row(res, l.personCells(res, p)))
	}
	return out
}

func row(res *huitong.Resource, cells map[string]string) []string {
	out := make([]string, len(res.Items))
	for i, it := range res.Items {
		out[i] = cells[dataKey(&it)]
	}
	return out
}

func dataKey(it *huitong.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return it.Name
}

// personCells fills every item of res for p, by item code.
func (l *dataLoader) personCells(res *huitong.Resource, p *person) map[string]string {
	cells := map[string]string{}
	birth, _ := time.Parse(time.DateOnly, p.birth)
	for _, it := range res.Items {
		var v string
		switch it.Code {
		case "GMSFHM":
			v = p.id
		case "XM":
			v = p.name
		case "XBDM":
			v = p.sex
		case "CSRQ":
			v = p.birth
		case "MZDM":
			v = p.nation
		case "CSD":
			v = divisions.FullName(p.county)
		case "HH":
			v = p.household
		case "YHZGXDM":
			v = p.relation
		case "HJDZ", "JZDZ":
			v = p.address
		case "WHCDDM":
			v = p.education
		case "HYZKDM":
			v = p.marital
		case "LXDH", "SJHM":
			v = p.phone
		case "GRBH":
			v = "62" + p.id[8:16]
		case "CBDWMC":
			if len(l.companies) > 0 {
				v = l.companies[int(p.id[14]-'0')*len(l.companies)/10].name
			}
		case "XZLX":
			v = "110"
		case "CBZT":
			v = "1"
		case "JFJS":
			v = fmt.Sprintf("%d.00", 3000+int(p.id[13]-'0')*1500)
		case "CBDXZQHDM":
			v = p.county
		default:
			v = l.filler(&it, birth)
		}
		cells[dataKey(&it)] = v
	}
	return cells
}

// filler gives a plausible value for an item the generator does not know.
func (l *dataLoader) filler(it *huitong.Item, after time.Time) string {
	switch it.Type {
	case huitong.TypeDate:
		if after.Year() < 1990 {
			after = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		return after.AddDate(0, 0, l.rng.IntN(max(1, int(l.now.Sub(after).Hours()/24)))).Format(time.DateOnly)
	case huitong.TypeDateTime:
		return l.now.Add(-time.Duration(l.rng.IntN(30*24)) * time.Hour).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02 15:04:05")
	case huitong.TypeNumber, huitong.TypeMoney, huitong.TypeDouble, huitong.TypeFloat:
		return strconv.Itoa(1 + l.rng.IntN(999))
	case huitong.TypeInteger:
		return strconv.Itoa(1 + l.rng.IntN(9))
	case huitong.TypeBool:
		return pick(l.rng, []string{"是", "否"})
	}
	if it.Required {
		return it.Name + strconv.Itoa(l.rng.IntN(1000))
	}
	return ""
}

// personErrors spoils about 2% of the 户籍 rows the ways real files are
// wrong, and lightly soils some more (cleaning, not rejects).
func personErrors(l *dataLoader, i int, c map[string]string, res *huitong.Resource) bool {
	id := c["GMSFHM"]
	switch i % 500 {
	case 1, 2: // wrong check digit
		c["GMSFHM"] = id[:17] + string("0123456789X"[(strings.IndexByte("0123456789X", id[17])+1)%11])
	case 3: // a day that does not exist, with a right check digit
		first := id[:10] + "0230" + id[14:17]
		c["GMSFHM"] = first + string(gbcode.CitizenIDCheck(first))
	case 4: // a county code that does not exist
		first := "629999" + id[6:17]
		c["GMSFHM"] = first + string(gbcode.CitizenIDCheck(first))
	case 5: // the first-generation 15-digit number
		c["GMSFHM"] = id[:6] + id[8:17]
	case 6: // no name
		c["XM"] = ""
	case 7: // a sex code outside GB/T 2261.1
		if _, ok := c["XBDM"]; ok {
			c["XBDM"] = "3"
		}
	case 8: // a birth date that disagrees with the ID number: a warning
		if _, ok := c["CSRQ"]; ok {
			c["CSRQ"] = "1900-01-01"
		}
		return false
	case 9: // a nationality code outside GB/T 3304
		if _, ok := c["MZDM"]; ok {
			c["MZDM"] = "66"
		}
	default:
		switch i % 97 {
		case 11:
			c["XM"] = " " + c["XM"] + "　" // spaces, one of them full-width
		case 12:
			c["GMSFHM"] = toFullWidth(id)
		}
		if id[17] == 'X' && i%3 == 0 {
			c["GMSFHM"] = id[:17] + "x"
		}
		return false
	}
	return true
}

// insuredErrors makes about 1% of names and 0.5% of sexes disagree with
// 公安厅 (disputes), and spoils a few rows.
func insuredErrors(l *dataLoader, i int, c map[string]string, res *huitong.Resource) bool {
	switch {
	case i%100 == 17:
		r := []rune(c["XM"])
		r[len(r)-1] = []rune("玮娟芬俊斌")[i%5]
		c["XM"] = string(r)
		return false
	case i%200 == 31:
		if c["XBDM"] == "1" {
			c["XBDM"] = "2"
		} else if c["XBDM"] == "2" {
			c["XBDM"] = "1"
		}
		return false
	case i%400 == 3:
		if _, ok := c["CBDXZQHDM"]; ok {
			c["CBDXZQHDM"] = "629901"
			return true
		}
	case i%400 == 5:
		if _, ok := c["JFJS"]; ok {
			c["JFJS"] = "五千元"
			return true
		}
	case i%150 == 9:
		if _, ok := c["JFJS"]; ok {
			c["JFJS"] = "5,000.00"
		}
	}
	return false
}

func (l *dataLoader) companyRows(res *huitong.Resource, cs []*company, spoil func(i int, cells map[string]string) bool) rows {
	out := rows{header(res, spoil != nil && res.Items[0].Code != "")}
	for i, c := range cs {
		cells := l.companyCells(res, c)
		if spoil != nil {
			spoil(i, cells)
		}
		out = append(out, row(res, cells))
	}
	return out
}

func (l *dataLoader) companyCells(res *huitong.Resource, c *company) map[string]string {
	cells := map[string]string{}
	founded, _ := time.Parse(time.DateOnly, c.founded)
	city := divisions.Path(c.county)
	for _, it := range res.Items {
		var v string
		switch it.Code {
		case "TYSHXYDM":
			v = c.uscc
		case "QYMC", "NSRMC", "DSRMC", "DWMC":
			v = c.name
		case "QYLXDM":
			v = c.kind
		case "FDDBR":
			v = c.legal
		case "ZCZB":
			v = c.capital
		case "CLRQ":
			v = c.founded
		case "ZS", "SCJYDZ", "JYDZ":
			v = c.address
		case "JYFW":
			v = c.scope
		case "DJJG":
			v = city[len(city)-2].Name + "市场监督管理局"
		case "DJZT":
			v = c.status
		case "NSRZT":
			v = map[string]string{"吊销": "停业", "注销": "注销"}[c.status]
			if v == "" {
				v = "正常"
			}
		case "DJZCLX":
			v = "173"
		case "HYDM":
			v = pick(l.rng, []string{"5179", "4710", "6513", "0141", "5411", "6110"})
		case "ZGSWJG":
			v = "国家税务总局" + divisions.FullName(c.county)[len("甘肃省"):] + "税务局"
		case "PJND":
			v = "2024"
		case "XYDJ":
			v = pick(l.rng, []string{"A", "A", "B", "B", "B", "M", "C", "D"})
		case "PJRQ":
			v = "2025-04-20"
		case "HZRQ":
			v = founded.AddDate(0, 0, 3).Format(time.DateOnly)
		case "YYQXZ":
			v = founded.AddDate(30, 0, 0).Format(time.DateOnly)
		default:
			v = l.filler(&it, founded)
		}
		cells[dataKey(&it)] = v
	}
	return cells
}

// companyErrors spoils some rows of 企业登记: bad check digits, capital
// written with its unit, lower-case letters (cleaned).
func companyErrors(i int, c map[string]string) bool {
	code := c["TYSHXYDM"]
	switch {
	case i%250 == 7:
		c["TYSHXYDM"] = code[:17] + map[bool]string{true: "1", false: "0"}[code[17] == '0']
	case i%300 == 8:
		if _, ok := c["ZCZB"]; ok {
			c["ZCZB"] = c["ZCZB"] + "万元"
		}
	case i%60 == 9:
		c["TYSHXYDM"] = strings.ToLower(code)
	default:
		return false
	}
	return true
}

// taxErrors makes about 1% of company names and 0.5% of legal
// representatives disagree with 市场监管局 (disputes).
func taxErrors(i int, c map[string]string) bool {
	switch {
	case i%100 == 23:
		for _, k := range []string{"NSRMC", "QYMC"} {
			if v, ok := c[k]; ok {
				c[k] = strings.Replace(strings.Replace(v, "有限责任公司", "有限公司", 1), "股份有限公司", "股份公司", 1)
				if c[k] == v {
					c[k] = strings.Replace(v, "有限公司", "有限责任公司", 1)
				}
			}
		}
	case i%200 == 41:
		if v, ok := c["FDDBR"]; ok {
			r := []rune(v)
			r[0] = []rune("王李张刘陈")[i%5]
			c["FDDBR"] = string(r)
		}
	}
	return false
}

func toFullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r + 0xFEE0
		}
		return r
	}, s)
}

// answerDisputes has the authorities answer some of the disputes the
// deliveries opened: 公安厅 confirms a few names and corrects one,
// 市场监管局 confirms a few company names.
func (l *dataLoader) answerDisputes(ctx context.Context, ga, scjg string) error {
	for _, auth := range []string{ga, scjg} {
		actor := huitong.WithPrincipal(ctx, &huitong.Principal{Username: "demo", Department: auth, Roles: []huitong.Role{huitong.RoleStaff}})
		list, _, err := l.ing.Quality.Disputes(actor, huitong.DisputeFilter{Authority: auth, Status: huitong.DisputeOpen, Limit: 6})
		if err != nil {
			return err
		}
		for i, d := range list {
			var err error
			switch {
			case i < 3:
				_, err = l.ing.Quality.Answer(actor, d.ID, "confirm", "经核查户籍(登记)档案，本部门登记信息无误，请数据提供部门更正。", "")
			case i == 3:
				_, err = l.ing.Quality.Answer(actor, d.ID, "correct", "经核查，本部门登记有误，已在业务系统中更正，将随下次交付更新。", d.Value)
			}
			if err != nil {
				return fmt.Errorf("demo: answer dispute %d: %w", d.ID, err)
			}
		}
	}
	return nil
}
