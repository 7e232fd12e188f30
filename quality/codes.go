package quality

import (
	"slices"
	"strings"
)

// RuleCodePrefix starts a rule naming a national code table: "code:GB/T
// 3304" accepts the codes of GB/T 3304 and no others, and pages show a
// value with its name in the table ("回族(03)").
const RuleCodePrefix = "code:"

// A CodeTable is a national standard's code table (代码表).
type CodeTable struct {
	ID    string `json:"id"`    // the standard, as a rule names it: "GB/T 3304"
	Title string `json:"title"` // the standard's number, year and title
	Codes []Code `json:"codes"` // in the standard's order
	index map[string]string
}

// A Code is one entry of a code table.
type Code struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Name returns the name of code in the table, or "".
func (t *CodeTable) Name(code string) string { return t.index[code] }

// Values returns the table's codes in order.
func (t *CodeTable) Values() []string {
	out := make([]string, len(t.Codes))
	for i, c := range t.Codes {
		out[i] = c.Code
	}
	return out
}

var codeTables = []*CodeTable{
	{ID: "GB/T 2261.1", Title: "GB/T 2261.1-2003 个人基本信息分类与代码 第1部分：人的性别代码", Codes: []Code{
		{"0", "未知的性别"}, {"1", "男"}, {"2", "女"}, {"9", "未说明的性别"},
	}},
	{ID: "GB/T 2261.2", Title: "GB/T 2261.2-2003 个人基本信息分类与代码 第2部分：婚姻状况代码", Codes: []Code{
		{"10", "未婚"}, {"20", "已婚"}, {"21", "初婚"}, {"22", "再婚"}, {"23", "复婚"}, {"30", "丧偶"}, {"40", "离婚"}, {"90", "未说明的婚姻状况"},
	}},
	{ID: "GB/T 3304", Title: "GB/T 3304-1991 中国各民族名称的罗马字母拼写法和代码", Codes: nations()},
}

// nations are GB/T 3304's 56 nationalities in code order, then 97 (其他,
// for people of a nationality not yet identified) and 98 (外国血统中国籍人士).
func nations() []Code {
	names := strings.Fields(`汉族 蒙古族 回族 藏族 维吾尔族 苗族 彝族 壮族 布依族 朝鲜族 满族 侗族 瑶族 白族
		土家族 哈尼族 哈萨克族 傣族 黎族 傈僳族 佤族 畲族 高山族 拉祜族 水族 东乡族 纳西族 景颇族 柯尔克孜族
		土族 达斡尔族 仫佬族 羌族 布朗族 撒拉族 毛南族 仡佬族 锡伯族 阿昌族 普米族 塔吉克族 怒族 乌孜别克族
		俄罗斯族 鄂温克族 德昂族 保安族 裕固族 京族 塔塔尔族 独龙族 鄂伦春族 赫哲族 门巴族 珞巴族 基诺族`)
	out := make([]Code, 0, len(names)+2)
	for i, n := range names {
		out = append(out, Code{string(rune('0'+(i+1)/10)) + string(rune('0'+(i+1)%10)), n})
	}
	return append(out, Code{"97", "其他"}, Code{"98", "外国血统中国籍人士"})
}

func init() {
	for _, t := range codeTables {
		t.index = make(map[string]string, len(t.Codes))
		for _, c := range t.Codes {
			t.index[c.Code] = c.Name
		}
	}
}

// CodeTables returns the national code tables a rule can name.
func CodeTables() []*CodeTable { return slices.Clone(codeTables) }

// CodeTableOf returns the table a "code:" rule names, or nil.
func CodeTableOf(rule string) *CodeTable {
	id, ok := strings.CutPrefix(rule, RuleCodePrefix)
	if !ok {
		return nil
	}
	id = strings.TrimSpace(id)
	for _, t := range codeTables {
		if strings.EqualFold(t.ID, id) {
			return t
		}
	}
	return nil
}

// CodeLabel returns the name of value in the code table of an element with
// rule and role, or "" when it has none or the value is not in it: people
// comparing two departments' values should read 女, not 2. An element with
// role sex and no code rule reads its values in GB/T 2261.1.
func CodeLabel(rule, role, value string) string {
	t := CodeTableOf(rule)
	if t == nil && role == RoleSex {
		t = CodeTableOf(RuleCodePrefix + "GB/T 2261.1")
	}
	if t == nil {
		return ""
	}
	return t.Name(strings.TrimSpace(value))
}

func codeTableIDs() []string {
	out := make([]string, len(codeTables))
	for i, t := range codeTables {
		out[i] = t.ID
	}
	return out
}
