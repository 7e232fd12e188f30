package quality

import (
	"regexp"
	"slices"
	"strings"

	"huitong"
)

// Rules an item's values are checked against, by name. An item declares
// its rule in one of three ways, first match wins:
//
//  1. a key item's KeyKind: citizen_id or uscc;
//  2. the item's DataElement, when it is a rule expression itself
//     ("citizen_id", "uscc", "division", "mobile", "phone", "date",
//     "datetime", "enum:男,女", "code:GB/T 3304");
//  3. the rule of the data element the item refers to (see
//     Registry.ForItem): its DataElement naming an element code, else its
//     code, else its name, matched against the register's codes and aliases.
//
// Type-based checks (numbers, dates, booleans, length) apply to every item
// whatever its rule.
const (
	RuleCitizenID  = "citizen_id" // GB 11643-1999, with birth date and a real county code
	RuleUSCC       = "uscc"       // GB 32100-2015
	RuleDivision   = "division"   // GB/T 2260, a known 6-digit code
	RuleMobile     = "mobile"     // mainland mobile number
	RulePhone      = "phone"      // mobile or fixed-line number
	RuleDate       = "date"
	RuleDateTime   = "datetime"
	RuleEnumPrefix = "enum:" // enum:a,b,c: one of the listed values
	// RuleCodePrefix (codes.go): code:GB/T 3304, a code of a national table
)

// Roles of data elements.
const (
	RoleName      = "name"      // the subject's name: near duplicates share it
	RoleBirthdate = "birthdate" // birth or founding date: near duplicates share it, and it must agree with an ID number
	RoleSex       = "sex"       // GB/T 2261.1 code: must agree with an ID number's 17th digit
)

// ValidRule reports whether s is a rule expression.
func ValidRule(s string) bool {
	switch s {
	case RuleCitizenID, RuleUSCC, RuleDivision, RuleMobile, RulePhone, RuleDate, RuleDateTime:
		return true
	}
	if v, ok := strings.CutPrefix(s, RuleEnumPrefix); ok {
		return len(EnumValues(s)) > 0 && !strings.Contains(v, ",,")
	}
	return CodeTableOf(s) != nil
}

// EnumValues returns the values of an enum rule ("enum:男,女"), trimmed,
// or nil when s is not one.
func EnumValues(s string) []string {
	v, ok := strings.CutPrefix(s, RuleEnumPrefix)
	if !ok {
		return nil
	}
	var out []string
	for _, x := range strings.Split(v, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

var elementCode = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)

// ValidateElement checks a register entry: a code of letters, digits and
// underscores starting with a letter, a name, a known rule and role.
func ValidateElement(e *huitong.DataElement) error {
	var v huitong.Validation
	if !elementCode.MatchString(e.Code) {
		v.Add("code", "format", "数据元代码应以字母开头，由字母、数字和下划线组成，最长40位")
	}
	if strings.TrimSpace(e.Name) == "" {
		v.Add("name", "required", "数据元名称不能为空")
	}
	if e.Rule != "" && !ValidRule(e.Rule) {
		v.Add("rule", "enum", "校验规则“%s”无效，应为 citizen_id、uscc、division、mobile、phone、date、datetime、enum:值1,值2 或 code:国家标准代码表(%s)", e.Rule, strings.Join(codeTableIDs(), "、"))
	}
	switch e.Role {
	case "", RoleName, RoleBirthdate, RoleSex:
	default:
		v.Add("role", "enum", "角色“%s”无效，应为 name、birthdate、sex 或空", e.Role)
	}
	for _, a := range e.Aliases {
		if strings.TrimSpace(a) == "" {
			v.Add("aliases", "required", "别名不能为空字符串")
			break
		}
	}
	return v.Err()
}

// Registry is a read-only snapshot of the data element register with an
// index by code and alias (codes compared case-insensitively).
type Registry struct {
	elems []*huitong.DataElement
	by    map[string]*huitong.DataElement
}

// NewRegistry indexes elems. An alias never shadows another element's code.
func NewRegistry(elems []*huitong.DataElement) *Registry {
	r := &Registry{elems: elems, by: map[string]*huitong.DataElement{}}
	for _, e := range elems {
		r.by[strings.ToUpper(e.Code)] = e
	}
	for _, e := range elems {
		for _, a := range e.Aliases {
			if _, taken := r.by[strings.ToUpper(a)]; !taken {
				r.by[strings.ToUpper(a)] = e
			}
		}
		if _, taken := r.by[strings.ToUpper(e.Name)]; !taken {
			r.by[strings.ToUpper(e.Name)] = e
		}
	}
	return r
}

// Elements returns the register's entries.
func (r *Registry) Elements() []*huitong.DataElement { return r.elems }

// Element returns the entry with code, or nil.
func (r *Registry) Element(code string) *huitong.DataElement {
	for _, e := range r.elems {
		if strings.EqualFold(e.Code, code) {
			return e
		}
	}
	return nil
}

// ForItem returns the element it refers to: its DataElement when that is
// not a rule expression, else its code, else its name, each matched against
// the codes, aliases and names of the register. nil when none matches.
func (r *Registry) ForItem(it *huitong.Item) *huitong.DataElement {
	if r == nil {
		return nil
	}
	for _, ref := range []string{it.DataElement, it.Code, it.Name} {
		if ref == "" || ValidRule(ref) {
			continue
		}
		if e, ok := r.by[strings.ToUpper(ref)]; ok {
			return e
		}
	}
	return nil
}

// RuleOf returns the rule that applies to it (see the package comment), or "".
func (r *Registry) RuleOf(it *huitong.Item) string {
	if it.Key {
		switch it.KeyKind {
		case huitong.KeyCitizenID:
			return RuleCitizenID
		case huitong.KeyUSCC:
			return RuleUSCC
		}
	}
	if ValidRule(it.DataElement) {
		return it.DataElement
	}
	if e := r.ForItem(it); e != nil {
		return e.Rule
	}
	return ""
}

// RoleOf returns the role of the element it refers to, or "".
func (r *Registry) RoleOf(it *huitong.Item) string {
	if e := r.ForItem(it); e != nil {
		return e.Role
	}
	return ""
}

// DataKey is the key under which an item's values are stored in a record's
// data: its code, or its name when it has none.
func DataKey(it *huitong.Item) string {
	if it.Code != "" {
		return it.Code
	}
	return it.Name
}

// governed is one item of a resource whose element has an authoritative
// department.
type governed struct {
	elem *huitong.DataElement
	key  string // data key of the item
}

// governedItems lists the items of res whose element has an authority.
func (r *Registry) governedItems(res *huitong.Resource) []governed {
	var out []governed
	for i := range res.Items {
		it := &res.Items[i]
		if it.Key {
			continue
		}
		if e := r.ForItem(it); e != nil && e.Authority != "" && !slices.ContainsFunc(out, func(g governed) bool { return g.elem == e }) {
			out = append(out, governed{elem: e, key: DataKey(it)})
		}
	}
	return out
}
