// Package divisions is China's administrative division tree (行政区划):
// provinces, prefectures, counties (GB/T 2260 codes) and townships, from the
// National Bureau of Statistics' statistical division codes embedded in the
// binary. It is the platform's jurisdiction tree and the reference for the
// address part of citizen ID numbers and unified social credit codes.
//
// The data is parsed once, on first use, and is read-only afterwards; every
// function is safe for concurrent use. Functions that return slices return
// fresh slices the caller may modify.
//
// Quirks of the source kept on purpose:
//   - Municipalities and province-administered counties have statistical
//     placeholder prefectures (北京市 > 市辖区 110100, 重庆市 > 县 500200,
//     河南省 > 省直辖县级行政区划 419000). They are divisions here, at
//     prefecture level, and FullName leaves their names out.
//   - Prefecture-level cities without counties (东莞市 441900, 中山市 442000,
//     儋州市 460400) are listed by the source both as a prefecture and as a
//     county with the same GB/T 2260 code. They are one prefecture here; their
//     townships are its direct children.
package divisions

import (
	"slices"
	"strconv"
	"strings"
)

// Level is the tier of a division in the tree.
type Level int

// The four levels of the tree, from the top.
const (
	Province   Level = 1 // 省级: province, autonomous region, municipality
	Prefecture Level = 2 // 地级: prefecture-level city, league, placeholder groups
	County     Level = 3 // 县级: county, district, county-level city, banner
	Township   Level = 4 // 乡级: township, town, street office
)

// String returns "province", "prefecture", "county" or "township", and
// "Level(n)" for any other value.
func (l Level) String() string {
	switch l {
	case Province:
		return "province"
	case Prefecture:
		return "prefecture"
	case County:
		return "county"
	case Township:
		return "township"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// Division is one node of the tree.
type Division struct {
	// Code is the GB/T 2260 6-digit code for levels 1-3 ("620000",
	// "620100", "620102") and the 9-digit statistical code for townships
	// ("620102001").
	Code string
	// Name is the official name, e.g. "城关区".
	Name string
	// Level is the tier of the division.
	Level Level
	// Parent is the Code of the enclosing division, "" for provinces. A
	// township's parent is a county, or a prefecture for the few
	// prefecture-level cities without counties (441900, 442000, 460400).
	Parent string
}

// placeholderNames are the names the statistical list gives to groups that
// are not a government of their own.
var placeholderNames = map[string]bool{
	"市辖区":         true,
	"县":           true,
	"省直辖县级行政区划":   true,
	"自治区直辖县级行政区划": true,
}

// Placeholder reports whether d is a statistical grouping rather than a
// government of its own: the prefectures named 市辖区, 县, 省直辖县级行政区划
// and 自治区直辖县级行政区划.
func (d Division) Placeholder() bool {
	return d.Level == Prefecture && placeholderNames[d.Name]
}

// canonical turns an accepted input form into the key used in the tree:
// 2 digits (province) and 4 digits (prefecture) are padded to 6 digits;
// 6-digit and 9-digit codes are used as given. Anything else is malformed.
func canonical(code string) (string, bool) {
	switch len(code) {
	case 2, 4, 6, 9:
	default:
		return "", false
	}
	if !digits(code, len(code)) {
		return "", false
	}
	switch len(code) {
	case 2:
		return code + "0000", true
	case 4:
		return code + "00", true
	}
	return code, true
}

// find returns the index of code in t, or -1 when code is malformed or not
// in the list.
func (t *table) find(code string) int32 {
	key, ok := canonical(code)
	if !ok {
		return -1
	}
	i, ok := t.index[key]
	if !ok {
		return -1
	}
	return i
}

// collect returns the divisions at the given indexes, in order.
func (t *table) collect(idx []int32) []Division {
	if len(idx) == 0 {
		return nil
	}
	out := make([]Division, len(idx))
	for i, j := range idx {
		out[i] = t.nodes[j]
	}
	return out
}

// Lookup returns the division with the given code. It accepts the 2-digit
// province form ("62"), the 4-digit prefecture form ("6201"), the 6-digit
// GB/T 2260 form of any level ("620000", "620100", "620102") and 9-digit
// township codes. ok is false for malformed input (other lengths, anything
// but ASCII digits, surrounding spaces) and for codes not in the list.
func Lookup(code string) (d Division, ok bool) {
	t := loadTable()
	i := t.find(code)
	if i < 0 {
		return Division{}, false
	}
	return t.nodes[i], true
}

// Known reports whether Lookup finds code.
func Known(code string) bool {
	_, ok := Lookup(code)
	return ok
}

// Children returns the direct children of code sorted by code: prefectures
// of a province, counties of a prefecture, townships of a county. It returns
// nil for a township and for unknown or malformed codes.
func Children(code string) []Division {
	t := loadTable()
	i := t.find(code)
	if i < 0 {
		return nil
	}
	return t.collect(t.kids[i])
}

// Path returns the chain of divisions from the province down to and
// including code, e.g. 甘肃省, 兰州市, 城关区 for "620102". It returns nil for
// unknown or malformed codes.
func Path(code string) []Division {
	t := loadTable()
	i := t.find(code)
	if i < 0 {
		return nil
	}
	var rev []Division
	for {
		d := t.nodes[i]
		rev = append(rev, d)
		if d.Parent == "" {
			break
		}
		i = t.index[d.Parent]
	}
	slices.Reverse(rev)
	return rev
}

// Under returns every descendant of code at province, prefecture or county
// level (townships are left out), sorted by code; code itself is not
// included. Under("620000") is Gansu's 14 prefectures and 88 county-level
// divisions. It returns nil for a county, a township, and unknown or
// malformed codes.
func Under(code string) []Division {
	t := loadTable()
	i := t.find(code)
	if i < 0 {
		return nil
	}
	var out []Division
	stack := []int32{i}
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range t.kids[n] {
			if t.nodes[k].Level > County {
				continue
			}
			out = append(out, t.nodes[k])
			stack = append(stack, k)
		}
	}
	slices.SortFunc(out, func(a, b Division) int { return strings.Compare(a.Code, b.Code) })
	return out
}

// FullName returns the names along Path joined without separators, e.g.
// "甘肃省兰州市城关区" for "620102" and "北京市朝阳区" for "110105": the
// placeholder prefectures (see Division.Placeholder) are left out. It
// returns "" for unknown or malformed codes.
func FullName(code string) string {
	var b strings.Builder
	for _, d := range Path(code) {
		if d.Placeholder() {
			continue
		}
		b.WriteString(d.Name)
	}
	return b.String()
}

// Contains reports whether code is ancestor itself or lies inside it in the
// tree. It follows parent links rather than comparing code prefixes, so it
// is right where the two disagree (the townships of 东莞市 hang from
// prefecture 441900). It is false when either code is unknown or malformed.
func Contains(ancestor, code string) bool {
	t := loadTable()
	a, i := t.find(ancestor), t.find(code)
	if a < 0 || i < 0 {
		return false
	}
	for {
		if i == a {
			return true
		}
		p := t.nodes[i].Parent
		if p == "" {
			return false
		}
		i = t.index[p]
	}
}

// Provinces returns the 31 province-level divisions of the mainland sorted
// by code.
func Provinces() []Division {
	t := loadTable()
	return t.collect(t.provinces)
}
