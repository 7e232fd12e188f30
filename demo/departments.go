package demo

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"huitong"
	"huitong/divisions"
	"huitong/gbcode"
)

// Province is the GB/T 2260 code of the demo province, 甘肃省.
const Province = "620000"

// dept is one department of the demo with its accounts and what it
// registers.
type dept struct {
	huitong.Department
	user   string  // staff username; the department admin is user + "-admin"
	domain string  // key into domains()
	area   string  // where it serves, for abstracts: 全省, 兰州市, 城关区
	prefix string  // put before entry names: "" for provincial bodies, else the place
	host   string  // host and path prefix of its API: gat.gansu.gov.cn, lz.gansu.gov.cn/ga
	weight float64 // share of the catalog entries it registers
}

// provincialSpec describes one provincial department.
type provincialSpec struct {
	name, short, user, domain string
	authority, institution    bool
}

// provincial lists the provincial departments: name, short name, username,
// domain, and whether it is the data authority. 社会信用中心 is a public
// institution under 发展和改革委员会; every other one is a government body.
func provincial() []provincialSpec {
	return []provincialSpec{
		{name: "甘肃省公安厅", short: "省公安厅", user: "gat", domain: "ga"},
		{name: "甘肃省人力资源和社会保障厅", short: "省人社厅", user: "rst", domain: "rs"},
		{name: "甘肃省市场监督管理局", short: "省市场监管局", user: "scjg", domain: "scjg"},
		{name: "国家税务总局甘肃省税务局", short: "省税务局", user: "sw", domain: "sw"},
		{name: "甘肃省民政厅", short: "省民政厅", user: "mzt", domain: "mz"},
		{name: "甘肃省自然资源厅", short: "省自然资源厅", user: "zrzyt", domain: "zrzy"},
		{name: "甘肃省卫生健康委员会", short: "省卫生健康委", user: "wjw", domain: "wjw"},
		{name: "甘肃省教育厅", short: "省教育厅", user: "jyt", domain: "jy"},
		{name: "甘肃省住房和城乡建设厅", short: "省住建厅", user: "zjt", domain: "zj"},
		{name: "甘肃省发展和改革委员会", short: "省发展改革委", user: "fgw", domain: "fgw"},
		{name: "甘肃省社会信用中心", short: "省信用中心", user: "xyzx", domain: "xy", institution: true},
		{name: "甘肃省大数据管理局", short: "省大数据局", user: "dsj", domain: "dsj", authority: true},
		{name: "甘肃省交通运输厅", short: "省交通运输厅", user: "jtt", domain: "jt"},
		{name: "甘肃省农业农村厅", short: "省农业农村厅", user: "nynct", domain: "nync"},
		{name: "甘肃省生态环境厅", short: "省生态环境厅", user: "sthjt", domain: "sthj"},
		{name: "甘肃省司法厅", short: "省司法厅", user: "sft", domain: "sf"},
		{name: "甘肃省财政厅", short: "省财政厅", user: "czt", domain: "cz"},
		{name: "甘肃省医疗保障局", short: "省医保局", user: "ybj", domain: "yb"},
		{name: "甘肃省应急管理厅", short: "省应急管理厅", user: "yjt", domain: "yj"},
		{name: "甘肃省文化和旅游厅", short: "省文化和旅游厅", user: "wlt", domain: "wl"},
		{name: "甘肃省退役军人事务厅", short: "省退役军人事务厅", user: "tyjrt", domain: "tyjr"},
		{name: "甘肃省统计局", short: "省统计局", user: "tjj", domain: "tj"},
		{name: "甘肃省水利厅", short: "省水利厅", user: "slt", domain: "sl"},
		{name: "甘肃省林业和草原局", short: "省林草局", user: "lcj", domain: "lc"},
	}
}

// weightOf is how much more than others a domain's departments register:
// population, legal persons, social security, civil affairs and health
// hold most of the shared data.
func weightOf(domain string) float64 {
	switch domain {
	case "ga":
		return 1.6
	case "scjg", "rs":
		return 1.5
	case "mz":
		return 1.3
	case "wjw":
		return 1.2
	case "zj":
		return 1.1
	}
	return 1
}

// bureau is one kind of prefecture or county bureau.
type bureau struct {
	suffix string // 公安局
	user   string // ga
	domain string
}

// prefectureBureaus are the bureaus every prefecture gets.
func prefectureBureaus() []bureau {
	return []bureau{
		{"公安局", "ga", "ga"},
		{"市场监督管理局", "scjg", "scjg"},
		{"人力资源和社会保障局", "rs", "rs"},
		{"民政局", "mz", "mz"},
		{"卫生健康委员会", "wjw", "wjw"},
		{"数据局", "sj", "dsj"},
	}
}

// countyBureaus are the bureaus of each selected county.
func countyBureaus() []bureau {
	return []bureau{
		{"公安局", "ga", "ga"},
		{"市场监督管理局", "scjg", "scjg"},
		{"人力资源和社会保障局", "rs", "rs"},
	}
}

// prefectureAbbr gives the username abbreviation (pinyin initials) of each
// prefecture of 甘肃省.
func prefectureAbbr() map[string]string {
	return map[string]string{
		"620100": "lz", "620200": "jyg", "620300": "jc", "620400": "by", "620500": "tsh",
		"620600": "ww", "620700": "zy", "620800": "pl", "620900": "jq", "621000": "qy",
		"621100": "dx", "621200": "ln", "622900": "lx", "623000": "gn",
	}
}

// countyAbbr gives the username abbreviation of each county the demo gives
// bureaus to; unique within its prefecture.
func countyAbbr() map[string]string {
	return map[string]string{
		"620102": "cg", "620103": "qlh", "620302": "jch", "620321": "yc", "620402": "by",
		"620403": "pc", "620502": "qz", "620503": "mj", "620602": "lz", "620621": "mq",
		"620702": "gz", "620721": "sn", "620802": "kt", "620821": "jc", "620902": "sz",
		"620921": "jt", "621002": "xf", "621021": "qc", "621102": "ad", "621121": "tw",
		"621202": "wd", "621221": "cx", "622901": "lxs", "622921": "lxx", "623001": "hz",
		"623021": "lt",
	}
}

// countiesPerPrefecture is how many counties of each prefecture get bureaus.
const countiesPerPrefecture = 2

// demoCounties returns the first counties of a prefecture that are
// governments of their own: not the prefecture itself listed again as a
// county (嘉峪关市 620201) and not a development zone (codes 7x, 兰州新区).
func demoCounties(pref divisions.Division) []divisions.Division {
	var out []divisions.Division
	for _, c := range divisions.Children(pref.Code) {
		if c.Name == pref.Name || c.Name == "市辖区" || c.Code[4] >= '7' {
			continue
		}
		out = append(out, c)
		if len(out) == countiesPerPrefecture {
			break
		}
	}
	return out
}

// countyBureauName names a county bureau the way Gansu does: a district's
// police is a branch of the city's bureau (兰州市公安局城关分局), other
// district bureaus carry the city's name (兰州市城关区市场监督管理局), and a
// county or county-level city's bureaus its own (永昌县公安局).
func countyBureauName(pref, county divisions.Division, b bureau) string {
	if !strings.HasSuffix(county.Name, "区") {
		return county.Name + b.suffix
	}
	if b.user == "ga" {
		return pref.Name + "公安局" + strings.TrimSuffix(county.Name, "区") + "分局"
	}
	return pref.Name + county.Name + b.suffix
}

// planDepartments lays out every department with a unified social credit
// code drawn from rng. Codes follow GB 32100-2015: registration authority
// 1 (机构编制), organisation type 1 (机关) or 2 (事业单位), the division of
// the jurisdiction, and an organisation code body (GB 11714-1997).
func planDepartments(rng *rand.Rand) ([]*dept, error) {
	var out []*dept
	seenCode, seenName, seenUser := map[string]bool{}, map[string]bool{}, map[string]bool{}
	add := func(d *dept, kind byte) error {
		for {
			body := fmt.Sprintf("%08d", rng.IntN(1e7)) // leading 0: codes of bodies set up by the state
			d.Code = gbcode.MakeUSCC('1', kind, d.Jurisdiction, body)
			if !seenCode[d.Code] {
				break
			}
		}
		if seenName[d.Name] {
			return fmt.Errorf("demo: department name %s twice", d.Name)
		}
		if seenUser[d.user] {
			return fmt.Errorf("demo: username %s twice", d.user)
		}
		seenCode[d.Code], seenName[d.Name], seenUser[d.user] = true, true, true
		out = append(out, d)
		return nil
	}

	for _, p := range provincial() {
		d := &dept{
			Department: huitong.Department{Name: p.name, ShortName: p.short, Jurisdiction: Province, Level: huitong.LevelProvince, Authority: p.authority},
			user:       p.user, domain: p.domain, area: "全省", host: p.user + ".gansu.gov.cn",
			weight: 8 * weightOf(p.domain),
		}
		kind := byte('1')
		if p.institution {
			kind = '2'
		}
		if err := add(d, kind); err != nil {
			return nil, err
		}
	}

	prefAbbr, cntyAbbr := prefectureAbbr(), countyAbbr()
	prefs := divisions.Children(Province)
	for _, pref := range prefs {
		pa, ok := prefAbbr[pref.Code]
		if !ok {
			return nil, fmt.Errorf("demo: no username abbreviation for prefecture %s %s", pref.Code, pref.Name)
		}
		for _, b := range prefectureBureaus() {
			d := &dept{
				Department: huitong.Department{Name: pref.Name + b.suffix, Jurisdiction: pref.Code, Level: huitong.LevelPrefecture},
				user:       pa + "-" + b.user, domain: b.domain, area: pref.Name, prefix: pref.Name,
				host: pa + ".gansu.gov.cn/" + b.user, weight: 1.2 * weightOf(b.domain),
			}
			if err := add(d, '1'); err != nil {
				return nil, err
			}
		}
		for i, c := range demoCounties(pref) {
			ca, ok := cntyAbbr[c.Code]
			if !ok {
				ca = fmt.Sprintf("x%d", i+1)
			}
			prefix := c.Name
			if strings.HasSuffix(c.Name, "区") {
				prefix = pref.Name + c.Name
			}
			for _, b := range countyBureaus() {
				d := &dept{
					Department: huitong.Department{Name: countyBureauName(pref, c, b), Jurisdiction: c.Code, Level: huitong.LevelCounty},
					user:       pa + "-" + ca + "-" + b.user, domain: b.domain, area: c.Name, prefix: prefix,
					host: pa + ".gansu.gov.cn/" + ca + "-" + b.user, weight: 0.4 * weightOf(b.domain),
				}
				if err := add(d, '1'); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}
