package catalog

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"huitong"
)

var (
	itemCodeRE     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
	digitsRE       = regexp.MustCompile(`^[0-9]+$`)
	resourceCodeRE = regexp.MustCompile(`^[1-3][0-9]{5,11}/[0-9]{6}$`)
)

// Limits on what one entry may hold.
const (
	MaxItems    = 500
	maxName     = 200
	maxAbstract = 4000
	maxText     = 2000
)

// ValidCode reports whether s has the form of a resource code.
func ValidCode(s string) bool { return resourceCodeRE.MatchString(s) }

// clean trims s and reports whether it holds control characters, which no
// catalog text may contain (they break exports and hide content).
func clean(s string) (string, bool) {
	s = strings.TrimSpace(s)
	for _, r := range s {
		if r == '\n' || r == '\t' {
			continue
		}
		if unicode.IsControl(r) || r == utf8.RuneError || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069) {
			return s, false
		}
	}
	return s, true
}

func text(v *huitong.Validation, field string, s *string, required bool, max int, what string) {
	var ok bool
	*s, ok = clean(*s)
	switch {
	case !ok:
		v.Add(field, "charset", "%s含有控制字符或方向控制符", what)
	case required && *s == "":
		v.Add(field, "required", "%s必填", what)
	case utf8.RuneCountInString(*s) > max:
		v.Add(field, "length", "%s不能超过 %d 个字符(现为 %d)", what, max, utf8.RuneCountInString(*s))
	}
}

func enum(v *huitong.Validation, field, name, value string, required bool, what string) {
	if value == "" {
		if required {
			v.Add(field, "required", "%s必填", what)
		}
		return
	}
	if !huitong.Valid(name, value) {
		v.Add(field, "enum", "%s取值 %q 无效，应为 %s 之一", what, value, strings.Join(huitong.Values(name), " / "))
	}
}

// Validate checks every catalog element of r against the rules of
// 《政务信息资源目录编制指南(试行)》 and the platform's limits, normalising
// whitespace as it goes. It returns an EINVALID error naming every field
// that breaks a rule, or nil.
func Validate(r *huitong.Resource) error {
	var v huitong.Validation
	text(&v, "name", &r.Name, true, maxName, "信息资源名称")
	text(&v, "abstract", &r.Abstract, true, maxAbstract, "信息资源摘要")
	text(&v, "shareCondition", &r.ShareCondition, false, maxText, "共享条件")
	text(&v, "legalBasis", &r.LegalBasis, false, maxText, "不予共享依据")
	text(&v, "openCondition", &r.OpenCondition, false, maxText, "开放条件")

	c := &r.Classification
	if !huitong.Valid("class", string(c.Class)) {
		v.Add("classification.class", "enum", "信息资源分类“类”应为 1(基础)、2(主题) 或 3(部门)")
	}
	if len(c.Item) != 2 || !digitsRE.MatchString(c.Item) {
		v.Add("classification.item", "format", "信息资源分类“项”应为 2 位数字")
	}
	if len(c.Category) != 3 || !digitsRE.MatchString(c.Category) {
		v.Add("classification.category", "format", "信息资源分类“目”应为 3 位数字")
	}
	if c.Detail != "" && (len(c.Detail) > 6 || !digitsRE.MatchString(c.Detail)) {
		v.Add("classification.detail", "format", "信息资源分类“细目”应为 1-6 位数字")
	}

	enum(&v, "format", "format", string(r.Format), true, "信息资源格式")
	enum(&v, "shareType", "shareType", string(r.ShareType), true, "共享类型")
	enum(&v, "openType", "openType", string(r.OpenType), true, "开放类型")
	enum(&v, "updateCycle", "updateCycle", string(r.UpdateCycle), true, "更新周期")
	switch r.ShareType {
	case huitong.ShareConditional:
		if r.ShareCondition == "" {
			v.Add("shareCondition", "required", "有条件共享须填写共享条件")
		}
	case huitong.ShareNone:
		if r.LegalBasis == "" {
			v.Add("legalBasis", "required", "不予共享须注明法律、行政法规或国家政策依据")
		}
		if r.OpenType != "" && r.OpenType != huitong.OpenClosed {
			v.Add("openType", "consistency", "不予共享的资源不能向社会开放")
		}
	}
	if r.OpenType == huitong.OpenConditional && r.OpenCondition == "" {
		v.Add("openCondition", "required", "有条件开放须填写开放条件")
	}
	if r.ShareType != huitong.ShareNone && len(r.ShareMethods) == 0 {
		v.Add("shareMethods", "required", "须至少选择一种共享方式")
	}
	seenMethod := map[huitong.ShareMethod]bool{}
	methods := r.ShareMethods[:0]
	for _, m := range r.ShareMethods {
		enum(&v, "shareMethods", "shareMethod", string(m), true, "共享方式")
		if !seenMethod[m] {
			methods = append(methods, m)
			seenMethod[m] = true
		}
	}
	r.ShareMethods = methods

	validateItems(&v, r)
	validateMount(&v, r)

	if len(r.Related) > 50 {
		v.Add("related", "length", "关联资源不能超过 50 个")
	}
	for i, code := range r.Related {
		r.Related[i] = strings.TrimSpace(code)
		if !ValidCode(r.Related[i]) {
			v.Add("related", "format", "关联资源代码 %q 格式应为“分类码/6 位顺序码”", code)
		}
	}
	if len(r.Keywords) > 20 {
		v.Add("keywords", "length", "关键词不能超过 20 个")
	}
	for i := range r.Keywords {
		text(&v, "keywords", &r.Keywords[i], true, 30, "关键词")
	}
	return v.Err()
}

func validateItems(v *huitong.Validation, r *huitong.Resource) {
	if len(r.Items) == 0 {
		v.Add("items", "required", "须至少登记一个信息项")
		return
	}
	if len(r.Items) > MaxItems {
		v.Add("items", "length", "信息项不能超过 %d 个", MaxItems)
		return
	}
	names, codes, keys := map[string]int{}, map[string]int{}, 0
	for i := range r.Items {
		it := &r.Items[i]
		f := func(name string) string { return "items[" + strconv.Itoa(i) + "]." + name }
		text(v, f("name"), &it.Name, true, 100, "信息项名称")
		text(v, f("description"), &it.Description, false, 500, "信息项说明")
		it.Code = strings.TrimSpace(it.Code)
		if it.Code != "" {
			if !itemCodeRE.MatchString(it.Code) {
				v.Add(f("code"), "format", "信息项代码 %q 须以字母开头，只含字母、数字和下划线，最长 64 位", it.Code)
			} else if j, dup := codes[strings.ToLower(it.Code)]; dup {
				v.Add(f("code"), "unique", "信息项代码 %q 与第 %d 项重复", it.Code, j+1)
			}
			codes[strings.ToLower(it.Code)] = i
		}
		if j, dup := names[it.Name]; dup && it.Name != "" {
			v.Add(f("name"), "unique", "信息项名称 %q 与第 %d 项重复", it.Name, j+1)
		}
		names[it.Name] = i
		enum(v, f("type"), "itemType", string(it.Type), true, "数据类型")
		if it.Length < 0 || it.Length > 100000 {
			v.Add(f("length"), "range", "数据长度应在 0 到 100000 之间")
		}
		enum(v, f("shareType"), "shareType", string(it.ShareType), false, "信息项共享类型")
		enum(v, f("openType"), "openType", string(it.OpenType), false, "信息项开放类型")
		if it.Key {
			keys++
			it.Required = true
			if it.KeyKind == "" {
				it.KeyKind = huitong.KeyOther
			}
			enum(v, f("keyKind"), "keyKind", string(it.KeyKind), true, "主键类型")
			if it.KeyKind == huitong.KeyCitizenID {
				it.Sensitive = true
			}
		} else {
			it.KeyKind = ""
		}
		text(v, f("dataElement"), &it.DataElement, false, 64, "数据元标识")
	}
	if keys > 1 {
		v.Add("items", "key", "只能有一个主键信息项(现有 %d 个)", keys)
	}
	if keys == 0 && r.Mount.Kind == huitong.MountTable {
		v.Add("items", "key", "挂接平台库表的资源须指定一个主键信息项(如公民身份号码或统一社会信用代码)")
	}
}

func validateMount(v *huitong.Validation, r *huitong.Resource) {
	m := &r.Mount
	enum(v, "mount.kind", "mount", string(m.Kind), true, "挂接方式")
	text(v, "mount.comment", &m.Comment, false, 500, "挂接说明")
	switch m.Kind {
	case huitong.MountAPI:
		raw := strings.TrimSpace(m.URL)
		u, err := url.Parse(raw)
		switch {
		case strings.HasPrefix(raw, "/"):
			if _, ok := huitong.PlatformSources[raw]; !ok {
				v.Add("mount.url", "url", "平台内置接口只有 %s，“%s”不是其中之一；部门接口须为 http(s):// 开头的完整地址", platformSourceList(), m.URL)
			} else {
				m.URL = raw
			}
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
			v.Add("mount.url", "url", "部门接口地址须为 http(s):// 开头的完整地址，且不含用户名密码")
		default:
			m.URL = u.String()
		}
		m.Method = strings.ToUpper(strings.TrimSpace(m.Method))
		if m.Method == "" {
			m.Method = "GET"
		}
		if m.Method != "GET" && m.Method != "POST" {
			v.Add("mount.method", "enum", "接口方法应为 GET 或 POST")
		}
		m.Table, m.Path = "", ""
	case huitong.MountFile:
		text(v, "mount.path", &m.Path, false, 500, "文件位置")
		m.Table, m.URL, m.Method = "", "", ""
	case huitong.MountTable:
		m.URL, m.Method, m.Path = "", "", ""
	}
}

// platformSourceList names the platform's own APIs for a message.
func platformSourceList() string {
	var out []string
	for path, name := range huitong.PlatformSources {
		out = append(out, path+"("+name+")")
	}
	slices.Sort(out)
	return strings.Join(out, "、")
}
