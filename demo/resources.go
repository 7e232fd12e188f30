package demo

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"huitong"
	"huitong/catalog"
)

// fate is the life an entry goes through before the demo hands over.
type fate int

const (
	fatePublished             fate = iota // created, submitted, published
	fateRejectedThenPublished             // rejected with a reason, fixed, published
	fateRevised                           // published, revised, version 2 published
	fateDraft                             // still a draft (saved twice)
	fateSubmitted                         // waiting for review
	fateRejected                          // rejected back to draft, not yet fixed
)

func (f fate) published() bool { return f <= fateRevised }

// planFates spreads n entries over the fates: round(n*share) end published
// (one in twelve of them after a rejection, one in twelve revised to a
// second version); of the rest a quarter are rejected, half of the
// remainder under review and the others drafts.
func planFates(rng *rand.Rand, n int, share float64) []fate {
	pub := int(math.Round(float64(n) * share))
	rest := n - pub
	rejected := (rest + 3) / 4
	submitted := (rest - rejected) / 2
	counts := []struct {
		f fate
		n int
	}{
		{fateRejectedThenPublished, pub / 12},
		{fateRevised, pub / 12},
		{fatePublished, pub - 2*(pub/12)},
		{fateRejected, rejected},
		{fateSubmitted, submitted},
		{fateDraft, rest - rejected - submitted},
	}
	out := make([]fate, 0, n)
	for _, c := range counts {
		for range c.n {
			out = append(out, c.f)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// loader registers the catalog entries.
type loader struct {
	cat      *catalog.Service
	rng      *rand.Rand
	depts    []*dept
	staff    map[string]*huitong.Principal
	reviewer *huitong.Principal

	order   map[*dept][]*template // templates in the order the department registers them
	used    map[*dept]int
	created []created // entries so far, for related codes
}

type created struct {
	code string
	key  huitong.KeyKind
}

// entry is what was decided for one catalog entry; resource builds a fresh
// copy of it each time, so versions never share slices.
type entry struct {
	d        *dept
	t        *template
	name     string
	share    huitong.ShareType
	cond     string
	legal    string
	methods  []huitong.ShareMethod
	open     huitong.OpenType
	openCond string
	format   huitong.Format
	mount    huitong.Mount
	related  []string
	keywords []string
}

// run registers n entries, share of them ending published, and returns how
// many did.
func (l *loader) run(ctx context.Context, n int, share float64) (int, error) {
	l.order, l.used = map[*dept][]*template{}, map[*dept]int{}
	all := domains()
	var provincial []*dept
	var total float64
	for _, d := range l.depts {
		dom, ok := all[d.domain]
		if !ok {
			return 0, fmt.Errorf("demo: department %s: no templates for domain %q", d.Name, d.domain)
		}
		ts := make([]*template, len(dom.templates))
		for i := range dom.templates {
			ts[i] = &dom.templates[i]
		}
		// The first template is the department's best-known resource and
		// comes first; the rest in a random order.
		l.rng.Shuffle(len(ts)-1, func(i, j int) { ts[i+1], ts[j+1] = ts[j+1], ts[i+1] })
		l.order[d] = ts
		if d.Level == huitong.LevelProvince {
			provincial = append(provincial, d)
		}
		total += d.weight
	}

	fates := planFates(l.rng, n, share)
	// Every provincial department first registers its best-known resource
	// (户籍人口基本信息, 企业登记注册信息 ...), and those are published, so
	// even a small demo has them in the catalog.
	lead := min(len(provincial), n)
	for i := range lead {
		if fates[i].published() {
			continue
		}
		for j := lead; j < n; j++ {
			if fates[j].published() {
				fates[i], fates[j] = fates[j], fates[i]
				break
			}
		}
	}

	published := 0
	for i := range n {
		var d *dept
		if i < lead {
			d = provincial[i]
		} else {
			x := l.rng.Float64() * total
			for _, c := range l.depts {
				if x -= c.weight; x < 0 {
					d = c
					break
				}
			}
			if d == nil {
				d = l.depts[len(l.depts)-1]
			}
		}
		e := l.plan(d)
		code, err := l.register(ctx, e, fates[i])
		if err != nil {
			return 0, fmt.Errorf("demo: entry %d %s of %s: %w", i+1, e.name, d.Name, err)
		}
		l.created = append(l.created, created{code: code, key: keyKind(keyName(e.t))})
		if fates[i].published() {
			published++
		}
	}
	return published, nil
}

// keyName is the name of a template's key item.
func keyName(t *template) string {
	for _, f := range strings.Fields(t.items) {
		if strings.HasPrefix(f, "*") {
			return f[1:]
		}
	}
	return ""
}

// historySuffixes name the further entries a department registers from a
// template whose name variants are used up.
func historySuffixes() []string {
	return []string{"（历史库）", "（变更记录）", "（归档数据）", "（专题库）"}
}

// plan decides every element of d's next entry.
func (l *loader) plan(d *dept) *entry {
	ts := l.order[d]
	k := l.used[d]
	l.used[d]++
	t, round := ts[k%len(ts)], k/len(ts)
	name := t.names[round%len(t.names)]
	if round >= len(t.names) {
		sfx := historySuffixes()
		name += sfx[(round-len(t.names))%len(sfx)]
	}
	e := &entry{d: d, t: t, name: d.prefix + name}
	rng := l.rng

	// Share type: about 55% unconditional, 38% conditional, 7% not shared
	// over the whole demo; data about people leans to conditional, data
	// whose abstract limits its users is never unconditional, and data the
	// abstract says is public is shared and opened.
	x := rng.Float64()
	uncond, cond := 0.71, 0.975
	switch {
	case t.limited:
		uncond, cond = 0, 0.7
	case t.announced():
		uncond, cond = 0.70, 1
	case t.kind == personal:
		uncond, cond = 0.45, 0.88
	}
	switch {
	case x < uncond:
		e.share = huitong.ShareUnconditional
	case x < cond:
		e.share = huitong.ShareConditional
		e.cond = pick(rng, shareConditions(t.kind == personal))
	default:
		e.share = huitong.ShareNone
		switch {
		case t.legal != "":
			e.legal = t.legal
		case t.kind == personal:
			e.legal = lawPIPL
		default:
			e.legal = lawDSL
		}
	}

	// Open type: never for data about people or data not shared at all.
	x = rng.Float64()
	e.open = huitong.OpenClosed
	switch {
	case e.share == huitong.ShareNone || t.kind == personal:
	case t.announced() && x < 0.65, t.kind == stats && x < 0.75:
		e.open = huitong.OpenOpen
	case t.announced(), t.kind == stats, t.kind == public && x < 0.5, t.kind == internal && x < 0.25:
		e.open = huitong.OpenConditional
		e.openCond = openCondition(t.kind)
	}

	// Mount: mostly a platform table, some the provider's API, some files;
	// statistics are more often files.
	x = rng.Float64()
	tableUpTo, apiUpTo := 0.70, 0.90
	if t.kind == stats {
		tableUpTo, apiUpTo = 0.40, 0.60
	}
	if t.cycle == huitong.CycleRealtime {
		apiUpTo = 1 // real-time data is not passed around in files
	}
	switch {
	case x < tableUpTo:
		e.format = huitong.FormatDatabase
		e.mount = huitong.Mount{Kind: huitong.MountTable, Comment: "由部门前置机" + huitong.Label("updateCycle", string(t.cycle)) + "同步至平台库表"}
		e.methods = pick(rng, [][]huitong.ShareMethod{
			{huitong.MethodSystem}, {huitong.MethodSystem, huitong.MethodQuery}, {huitong.MethodQuery}, {huitong.MethodSystem, huitong.MethodQuery, huitong.MethodDownload},
		})
	case x < apiUpTo:
		e.format = huitong.FormatService
		method := "GET"
		if t.kind == personal {
			method = "POST" // identifiers go in the body, not in URLs and logs
		}
		e.mount = huitong.Mount{Kind: huitong.MountAPI, URL: "https://api." + e.d.host + "/v1/" + t.slug, Method: method,
			Comment: "部门自建接口，经平台代理调用，按调用方身份鉴权并记录日志"}
		e.methods = pick(rng, [][]huitong.ShareMethod{{huitong.MethodService}, {huitong.MethodService, huitong.MethodQuery}})
	default:
		e.format = huitong.FormatSpreadsheet
		if rng.IntN(3) == 0 {
			e.format = huitong.FormatFile
		}
		e.mount = huitong.Mount{Kind: huitong.MountFile, Path: "/exchange/" + d.user + "/" + strings.ReplaceAll(t.slug, "/", "-") + "/",
			Comment: huitong.Label("updateCycle", string(t.cycle)) + "上传，Excel 或 CSV 文件"}
		e.methods = pick(rng, [][]huitong.ShareMethod{{huitong.MethodDownload}, {huitong.MethodDownload, huitong.MethodCopy}, {huitong.MethodBrowse, huitong.MethodDownload}})
	}
	if e.share == huitong.ShareNone {
		e.methods = nil
	}

	// A few entries relate to earlier ones with the same kind of key.
	if len(l.created) > 0 && rng.Float64() < 0.2 {
		key := keyKind(keyName(t))
		var same []string
		for _, c := range l.created {
			if c.key == key {
				same = append(same, c.code)
			}
		}
		for range 1 + rng.IntN(2) {
			if len(same) == 0 {
				break
			}
			i := rng.IntN(len(same))
			e.related = append(e.related, same[i])
			same = append(same[:i], same[i+1:]...)
		}
	}

	e.keywords = strings.Fields(t.keywords)
	if d.Level == huitong.LevelProvince {
		e.keywords = append(e.keywords, "甘肃省")
	} else {
		e.keywords = append(e.keywords, d.area)
	}
	return e
}

func pick[T any](rng *rand.Rand, from []T) T { return from[rng.IntN(len(from))] }

func shareConditions(personal bool) []string {
	if personal {
		return []string{
			"仅限因履行法定职责需要核验身份的政务部门申请使用，须说明用途并经提供方审核同意，不得用于其他目的。",
			"使用部门须通过共享平台提交申请，提供方在10个工作日内答复；仅提供与申请事项相关的信息项，敏感信息项脱敏后提供。",
			"仅在本人授权或依法办理相关政务服务事项时查询核验，按“最小必要”原则提供比对结果。",
			"限民政、人社、医保、住建等部门办理社会救助和待遇资格认证业务时使用，调用记录全程留痕备查。",
		}
	}
	return []string{
		"使用部门须通过共享平台申请，说明使用事项和依据，经提供方审核同意后按需调用。",
		"仅限行政审批、监管执法和信用评价使用，不得向第三方提供。",
		"签订数据共享使用协议，约定使用范围、安全责任和更新频率后提供。",
	}
}

func openCondition(k dataKind) string {
	switch k {
	case public:
		return "经实名注册的用户可在公共数据开放平台查询和下载，不得用于违法用途，使用时注明数据来源。"
	case stats:
		return "以汇总统计数据形式开放，使用时须注明数据来源，不得歪曲统计结果。"
	}
	return "仅开放脱敏汇总结果，科研机构和公益组织经申请审核后使用。"
}

// resource builds the entry as its provider means it.
func (e *entry) resource() *huitong.Resource {
	t := e.t
	c := t.cls
	return &huitong.Resource{
		Name:           e.name,
		Abstract:       strings.ReplaceAll(t.abstract, "{area}", e.d.area),
		Classification: huitong.Classification{Class: huitong.Class(c[:1]), Item: c[1:3], Category: c[3:6]},
		Provider:       e.d.Code,
		Format:         e.format,
		ShareType:      e.share,
		ShareCondition: e.cond,
		LegalBasis:     e.legal,
		ShareMethods:   append([]huitong.ShareMethod(nil), e.methods...),
		OpenType:       e.open,
		OpenCondition:  e.openCond,
		UpdateCycle:    t.cycle,
		Related:        append([]string(nil), e.related...),
		Keywords:       append([]string(nil), e.keywords...),
		Items:          itemList(t.items),
		Mount:          e.mount,
	}
}

// updatedItem is the item reviewers most often ask for, and revisions add.
const updatedItem = "数据更新时间"

func withUpdatedItem(r *huitong.Resource) {
	r.Items = append(r.Items, items()[updatedItem])
}

// flaw is what a reviewer sends an entry back for, with the fix.
type flaw struct {
	reason string
	spoil  func(r *huitong.Resource) // turns the good version into the one submitted
	fix    func(r *huitong.Resource) // turns the good version into the fixed one
}

// flaws lists the flaws that r, the good version, can be spoilt with.
func flaws(r *huitong.Resource) []flaw {
	all := []flaw{
		{
			reason: "信息资源摘要过于简略，请补充数据的用途和使用场景。",
			spoil:  func(r *huitong.Resource) { r.Abstract = firstSentence(r.Abstract) },
			fix:    func(*huitong.Resource) {},
		},
		{
			reason: "未填写关键词，请补充便于检索的关键词。",
			spoil:  func(r *huitong.Resource) { r.Keywords = nil },
			fix:    func(*huitong.Resource) {},
		},
		{
			reason: "更新周期填写为“不定期”，与数据实际更新频率不符，请按实际情况填写。",
			spoil:  func(r *huitong.Resource) { r.UpdateCycle = huitong.CycleIrregular },
			fix:    func(*huitong.Resource) {},
		},
		{
			reason: "缺少“数据更新时间”信息项，使用方无法判断数据时效，请补充。",
			spoil:  func(*huitong.Resource) {},
			fix:    withUpdatedItem,
		},
	}
	if r.UpdateCycle == huitong.CycleIrregular {
		all = append(all[:2], all[3:]...)
	}
	return all
}

func firstSentence(s string) string {
	if i := strings.Index(s, "。"); i >= 0 {
		return s[:i+len("。")]
	}
	return s
}

// revise turns version 1 into version 2: a new item, or a more frequent
// update cycle, with the abstract saying what changed.
func revise(rng *rand.Rand, r *huitong.Resource) {
	faster := map[huitong.UpdateCycle]huitong.UpdateCycle{
		huitong.CycleDaily: huitong.CycleRealtime, huitong.CycleWeekly: huitong.CycleDaily, huitong.CycleMonthly: huitong.CycleWeekly,
		huitong.CycleQuarterly: huitong.CycleMonthly, huitong.CycleYearly: huitong.CycleQuarterly, huitong.CycleIrregular: huitong.CycleMonthly,
	}
	if next, ok := faster[r.UpdateCycle]; ok && rng.IntN(2) == 0 {
		r.UpdateCycle = next
		r.Abstract += "2024年修订：更新周期调整为" + huitong.Label("updateCycle", string(next)) + "。"
		return
	}
	withUpdatedItem(r)
	r.Abstract += "2024年修订：增加“数据更新时间”信息项，便于使用方判断数据时效。"
}

// register takes one entry through its fate as real people would: the
// provider's staff create, edit and submit it, the reviewer rejects or
// publishes it. It returns the entry's code.
func (l *loader) register(ctx context.Context, e *entry, f fate) (string, error) {
	staffP, ok := l.staff[e.d.Code]
	if !ok {
		return "", huitong.Errorf(huitong.EINTERNAL, "部门 %s 没有工作人员账户", e.d.Name)
	}
	staff := huitong.WithPrincipal(ctx, staffP)
	review := huitong.WithPrincipal(ctx, l.reviewer)

	first := e.resource()
	var fl flaw
	switch f {
	case fateRejectedThenPublished, fateRejected:
		fl = pick(l.rng, flaws(first))
		fl.spoil(first)
	case fateDraft:
		first.Abstract = firstSentence(first.Abstract)
	}
	if err := l.cat.Create(staff, first); err != nil {
		return "", err
	}
	code := first.Code
	steps := []func() error{}
	submit := func() error { _, err := l.cat.Submit(staff, code); return err }
	publish := func() error { _, err := l.cat.Publish(review, code); return err }
	update := func(r *huitong.Resource) func() error {
		return func() error { _, err := l.cat.Update(staff, code, r); return err }
	}
	switch f {
	case fatePublished:
		steps = append(steps, submit, publish)
	case fateRejectedThenPublished:
		fixed := e.resource()
		fl.fix(fixed)
		steps = append(steps, submit, func() error { _, err := l.cat.Reject(review, code, fl.reason); return err },
			update(fixed), submit, publish)
	case fateRevised:
		v2 := e.resource()
		revise(l.rng, v2)
		steps = append(steps, submit, publish, update(v2), submit, publish)
	case fateDraft:
		steps = append(steps, update(e.resource()))
	case fateSubmitted:
		steps = append(steps, submit)
	case fateRejected:
		steps = append(steps, submit, func() error { _, err := l.cat.Reject(review, code, fl.reason); return err })
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return "", err
		}
	}
	return code, nil
}
