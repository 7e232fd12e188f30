package search_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"huitong/search"
)

// Vocabulary of synthetic catalog entries, from real catalog titles.
var (
	nameWords = []string{
		"人口", "户籍", "社保", "参保", "营业执照", "企业", "登记", "婚姻", "不动产", "医疗",
		"教育", "公积金", "信用", "处罚", "许可", "法人", "纳税", "车辆", "驾驶证", "房屋",
		"交易", "学籍", "就业", "失业", "养老", "低保", "残疾人", "出生", "死亡", "迁移",
		"缴存", "贷款", "行政", "检查", "环境", "监测", "食品", "药品", "生产", "经营",
	}
	nameSuffixes = []string{"信息", "数据", "名单", "登记表", "情况", "目录", "信息库", "统计"}
	areas        = []string{"省", "市", "县", "全省", "本级"}
	itemWords    = []string{
		"姓名", "公民身份号码", "性别", "民族", "出生日期", "户籍地址", "户籍类别", "统一社会信用代码",
		"企业名称", "法定代表人", "注册资本", "成立日期", "参保状态", "缴费基数", "单位名称", "联系电话",
		"证照编号", "发证机关", "有效期限", "处罚决定书文号", "许可证号", "不动产单元号", "房屋坐落",
		"婚姻状况", "登记日期", "学校名称", "医疗机构名称", "营业期限", "经营范围", "社保卡号",
	}
	depts      = []string{"公安厅", "人力资源和社会保障厅", "市场监督管理局", "民政厅", "自然资源厅", "卫生健康委员会", "教育厅", "住房和城乡建设厅", "税务局", "生态环境厅"}
	purposes   = []string{"政务服务事项办理", "身份核验", "信用监管", "统计分析", "社会保障待遇发放", "行政审批"}
	shareTypes = []string{"unconditional", "conditional", "conditional", "none"}
	formats    = []string{"数据库", "电子表格", "服务接口"}
)

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

// catalogDoc builds the i-th synthetic catalog entry.
func catalogDoc(r *rand.Rand, i int) search.Doc {
	var name strings.Builder
	if r.IntN(3) == 0 {
		name.WriteString(pick(r, areas))
	}
	for range 1 + r.IntN(3) {
		name.WriteString(pick(r, nameWords))
	}
	name.WriteString(pick(r, nameSuffixes))
	items := make([]string, 4+r.IntN(8))
	for j := range items {
		items[j] = pick(r, itemWords)
	}
	dept := pick(r, depts)
	abstract := fmt.Sprintf("本资源包含%s相关的%s、%s信息，由%s提供，用于%s。",
		name.String(), pick(r, nameWords), pick(r, nameWords), dept, pick(r, purposes))
	visible := "public"
	if r.IntN(4) == 0 {
		visible = "internal"
	}
	return search.Doc{
		ID: fmt.Sprintf("R%07d", i),
		Fields: []search.Field{
			{Name: "name", Text: name.String(), Weight: 5},
			{Name: "items", Text: strings.Join(items, "、"), Weight: 2},
			{Name: "abstract", Text: abstract, Weight: 1},
		},
		Facets: map[string][]string{
			"provider":  {fmt.Sprintf("11620000%03dX", r.IntN(300))},
			"shareType": {pick(r, shareTypes)},
			"visible":   {visible},
			"format":    {pick(r, formats)},
		},
	}
}

// catalogIndex indexes n synthetic catalog entries.
func catalogIndex(n int) *search.Index {
	r := rand.New(rand.NewPCG(1, 2))
	ix := search.New()
	for i := range n {
		ix.Put(catalogDoc(r, i))
	}
	return ix
}
