package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math/bits"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"huitong"
	"huitong/gbcode"
	"huitong/quality"
)

// Light cleaning, as bits of a mask per value. Each leaves the meaning of
// the value unchanged; each is counted per item in the batch report.
const (
	cleanTrim = 1 << iota
	cleanFullwidth
	cleanUpperX
	cleanUpper
	cleanDate
	cleanDateTime
	cleanNumber
	cleanBool
	cleanMobile
	cleanExcelDate
	cleanMerged
	nCleanKinds = iota
)

var cleanNames = [nCleanKinds]string{"trim", "fullwidth", "upper_x", "upper", "date_format", "datetime_format", "number_format", "bool_format", "mobile_format", "excel_date", "merged"}

// Record flags: consistency warnings kept on the record.
const (
	flagBirthdate = 1 << iota // birth date item disagrees with the ID number
	flagSex                   // sex item disagrees with the ID number
)

// itemSpec is one item with what checking it needs.
type itemSpec struct {
	it      *huitong.Item
	name    string
	dataKey string
	jsonKey []byte // `"XM":` ready to write
	rule    string
	role    string
	enum    []string
	table   *quality.CodeTable // the national code table enum comes from, if any
}

// validator checks rows against a resource's items and builds the records.
type validator struct {
	specs      []itemSpec
	order      []int // spec indices in data key order: the canonical JSON order
	key        int
	keyKind    huitong.KeyKind
	name       int // spec with role name, -1 for none
	birth      int
	sex        int
	colItem    []int // column -> spec, -1 for unknown
	mapped     int   // columns mapped so far
	sameItem   bool  // JSON lines: several keys may name one item (one row uses names, another codes)
	now        time.Time
	excelDates bool

	raw     []string
	vals    []string
	masks   []uint16
	cleaned [][nCleanKinds]int // per spec
	buf     []byte
}

func newValidator(res *huitong.Resource, reg *quality.Registry, now time.Time) (*validator, error) {
	v := &validator{key: -1, name: -1, birth: -1, sex: -1, now: now}
	seen := map[string]string{}
	for i := range res.Items {
		it := &res.Items[i]
		sp := itemSpec{it: it, name: it.Name, dataKey: quality.DataKey(it), rule: reg.RuleOf(it), role: reg.RoleOf(it)}
		if other, dup := seen[sp.dataKey]; dup {
			return nil, huitong.Errorf(huitong.EINVALID, "资源的信息项“%s”和“%s”的代码相同(%s)，无法区分", other, it.Name, sp.dataKey)
		}
		seen[sp.dataKey] = it.Name
		sp.jsonKey = appendJSONString(nil, sp.dataKey)
		sp.jsonKey = append(sp.jsonKey, ':')
		sp.enum = quality.EnumValues(sp.rule)
		if sp.table = quality.CodeTableOf(sp.rule); sp.table != nil {
			sp.enum = sp.table.Values()
		}
		n := len(v.specs)
		if it.Key && v.key < 0 {
			v.key, v.keyKind = n, it.KeyKind
		}
		switch sp.role {
		case quality.RoleName:
			if v.name < 0 {
				v.name = n
			}
		case quality.RoleBirthdate:
			if v.birth < 0 {
				v.birth = n
			}
		case quality.RoleSex:
			if v.sex < 0 {
				v.sex = n
			}
		}
		v.specs = append(v.specs, sp)
	}
	if v.key < 0 {
		return nil, huitong.Errorf(huitong.EINVALID, "资源没有主键信息项，无法按主键归集数据；请先在目录中标明主键")
	}
	v.order = make([]int, len(v.specs))
	for i := range v.order {
		v.order[i] = i
	}
	slices.SortFunc(v.order, func(a, b int) int { return strings.Compare(v.specs[a].dataKey, v.specs[b].dataKey) })
	v.raw, v.vals, v.masks = make([]string, len(v.specs)), make([]string, len(v.specs)), make([]uint16, len(v.specs))
	v.cleaned = make([][nCleanKinds]int, len(v.specs))
	return v, nil
}

// keyNames are the column names that denote the key item.
func (v *validator) keyNames() []string {
	it := v.specs[v.key].it
	return []string{it.Name, it.Code}
}

// mapColumns maps columns not mapped yet to items by name or code (case
// does not matter for codes; "姓名(XM)" matches either). It returns the
// new unknown columns, and an error when two columns map to one item.
func (v *validator) mapColumns(cols []string) (unknown []string, err error) {
	for c := v.mapped; c < len(cols); c++ {
		idx := v.match(cols[c])
		if idx >= 0 && !v.sameItem {
			for prev, p := range v.colItem {
				if p == idx {
					return nil, unreadable("columns", "第 %d 列“%s”和第 %d 列“%s”都对应信息项“%s”", prev+1, cols[prev], c+1, cols[c], v.specs[idx].name)
				}
			}
		} else if cols[c] != "" {
			unknown = append(unknown, cols[c])
		}
		v.colItem = append(v.colItem, idx)
	}
	v.mapped = len(cols)
	return unknown, nil
}

var nameAndCode = regexp.MustCompile(`^(.+?)\s*[(（]\s*([A-Za-z][A-Za-z0-9_]*)\s*[)）]$`)

func (v *validator) match(col string) int {
	if col == "" {
		return -1
	}
	names := []string{col}
	if m := nameAndCode.FindStringSubmatch(col); m != nil {
		names = append(names, m[2], m[1])
	}
	for _, n := range names {
		for i := range v.specs {
			it := v.specs[i].it
			if n == it.Name || (it.Code != "" && strings.EqualFold(n, it.Code)) {
				return i
			}
		}
	}
	return -1
}

// missing returns the items without a column, and an error naming the key
// and required items among them: a file without them cannot be delivered.
func (v *validator) missing() ([]string, error) {
	have := make([]bool, len(v.specs))
	for _, s := range v.colItem {
		if s >= 0 {
			have[s] = true
		}
	}
	var out, required []string
	for i, sp := range v.specs {
		if have[i] {
			continue
		}
		out = append(out, sp.name)
		if sp.it.Key || sp.it.Required {
			required = append(required, label(sp.it))
		}
	}
	if !have[v.key] {
		if v.mapped == 0 || allUnmapped(v.colItem) {
			return nil, unreadable("columns", "表头中没有任何列与资源的信息项对应；第一行应为表头，写信息项名称或代码，例如“%s”", label(v.specs[v.key].it))
		}
		return nil, unreadable("columns", "缺少主键列“%s”，无法按主键归集", label(v.specs[v.key].it))
	}
	if len(required) > 0 {
		return nil, unreadable("columns", "缺少必填信息项的列: %s", strings.Join(required, "、"))
	}
	return out, nil
}

func allUnmapped(cols []int) bool {
	for _, c := range cols {
		if c >= 0 {
			return false
		}
	}
	return true
}

func label(it *huitong.Item) string {
	if it.Code != "" {
		return it.Name + "(" + it.Code + ")"
	}
	return it.Name
}

// vrow is a row that passed validation, ready to store.
type vrow struct {
	row          int
	key          string
	data         string
	hash         string
	jurisdiction string
	matchKey     string
	filled       int
	flags        int
}

// check validates one row. It returns ok with the row built, or the
// rejects; warnings go with an accepted row. keyOK tells whether the key
// itself was valid (v.vals[v.key] holds it then).
func (v *validator) check(row int, cells []string, merged map[int]bool, out *vrow, rejects []huitong.Reject) (ok, keyOK bool, _ []huitong.Reject) {
	clear(v.raw)
	clear(v.vals)
	clear(v.masks)
	for c, val := range cells {
		if c < len(v.colItem) && v.colItem[c] >= 0 && (val != "" || !v.sameItem) {
			v.raw[v.colItem[c]] = val
			if merged[c] {
				v.masks[v.colItem[c]] |= cleanMerged
			}
		}
	}
	bad := false
	for i := range v.specs {
		sp := &v.specs[i]
		val, mask, rule, msg := v.value(sp, v.raw[i])
		if rule != "" {
			bad = true
			rejects = append(rejects, huitong.Reject{Row: row, Item: sp.name, Rule: rule, Value: shorten(v.raw[i]), Message: msg, Severity: huitong.SeverityReject})
			continue
		}
		v.vals[i], v.masks[i] = val, v.masks[i]|mask
	}
	keyOK = v.vals[v.key] != ""
	if bad {
		return false, keyOK, rejects
	}
	for i, m := range v.masks {
		for ; m != 0; m &= m - 1 {
			v.cleaned[i][bits.TrailingZeros16(m)]++
		}
	}
	key := v.vals[v.key]
	*out = vrow{row: row, key: key}
	// Consistency of the record with its own ID number (GB 11643: digits
	// 7-14 are the birth date, the 17th is odd for men).
	if v.keyKind == huitong.KeyCitizenID && len(key) == 18 {
		if v.birth >= 0 && v.vals[v.birth] != "" && !idBirth(v.vals[v.birth], key) {
			want := key[6:10] + "-" + key[10:12] + "-" + key[12:14]
			out.flags |= flagBirthdate
			rejects = append(rejects, huitong.Reject{Row: row, Item: v.specs[v.birth].name, Rule: "consistency.birthdate", Value: v.vals[v.birth],
				Message: fmt.Sprintf("出生日期%s与公民身份号码中的出生日期%s不一致", v.vals[v.birth], want), Severity: huitong.SeverityWarning})
		}
		if v.sex >= 0 && v.vals[v.sex] != "" {
			male := (key[16]-'0')%2 == 1
			got := v.vals[v.sex]
			if (got == "1" || got == "男") && !male || (got == "2" || got == "女") && male {
				out.flags |= flagSex
				want := "2(女)"
				if male {
					want = "1(男)"
				}
				rejects = append(rejects, huitong.Reject{Row: row, Item: v.specs[v.sex].name, Rule: "consistency.sex", Value: got,
					Message: fmt.Sprintf("性别%s与公民身份号码第17位所示性别%s不一致", got, want), Severity: huitong.SeverityWarning})
			}
		}
	}
	// The record: canonical JSON in data key order.
	b := append(v.buf[:0], '{')
	for _, i := range v.order {
		if v.vals[i] == "" {
			continue
		}
		if len(b) > 1 {
			b = append(b, ',')
		}
		b = append(b, v.specs[i].jsonKey...)
		b = appendJSONString(b, v.vals[i])
		out.filled++
	}
	b = append(b, '}')
	v.buf = b
	out.data = string(b)
	sum := sha256.Sum256(b)
	out.hash = hex.EncodeToString(sum[:16])
	switch v.keyKind {
	case huitong.KeyCitizenID:
		out.jurisdiction = key[:6]
	case huitong.KeyUSCC:
		out.jurisdiction = key[2:8]
	}
	if v.name >= 0 {
		var date string
		if v.birth >= 0 {
			date = v.vals[v.birth]
		}
		if date == "" && v.keyKind == huitong.KeyCitizenID {
			date = key[6:10] + "-" + key[10:12] + "-" + key[12:14]
		}
		out.matchKey = quality.MatchKey(v.vals[v.name], date)
	}
	return true, true, rejects
}

// idBirth reports whether date (2006-01-02) is the birth date in the
// citizen ID number id (digits 7-14, GB 11643).
func idBirth(date, id string) bool {
	return len(date) == 10 && date[4] == '-' && date[7] == '-' && date[:4] == id[6:10] && date[5:7] == id[10:12] && date[8:] == id[12:14]
}

func gbMessage(err error) string {
	var e *gbcode.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func shorten(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) > 200 {
		return string([]rune(s)[:200]) + "…"
	}
	return s
}

// hostile finds characters no value may hold (huitong.Hostile).
var hostile = huitong.Hostile

func isTrim(r rune) bool { return unicode.IsSpace(r) || r == '\u200B' || r == '\uFEFF' }

// edgeMayTrim reports whether s may start or end with a character isTrim
// removes: false when both its first and last bytes are ASCII other than
// white space (the common case, decided without decoding).
func edgeMayTrim(s string) bool {
	if s == "" {
		return false
	}
	plain := func(c byte) bool { return c < 0x80 && c != ' ' && (c < '\t' || c > '\r') }
	return !plain(s[0]) || !plain(s[len(s)-1])
}

// value cleans and checks one value; see the package comment for the rules.
func (v *validator) value(sp *itemSpec, raw string) (val string, mask uint16, rule, msg string) {
	if raw == "" {
		if sp.it.Required || sp.it.Key {
			return "", 0, "required", sp.name + "为必填项，不能为空"
		}
		return "", 0, "", ""
	}
	t := sp.it.Type
	text := (t == huitong.TypeString || t == huitong.TypeMemo || t == huitong.TypeGeneral) && sp.rule == ""
	if rule, msg := hostile(raw, text); rule != "" {
		return "", 0, rule, sp.name + msg
	}
	s := raw
	if edgeMayTrim(s) {
		if s = strings.TrimFunc(raw, isTrim); len(s) != len(raw) {
			mask |= cleanTrim
		}
	}
	// Full-width forms (U+FF01-FF5E) are encoded EF BC xx or EF BD xx in
	// UTF-8: a value without the byte EF has none. The value is already
	// trimmed of what gbcode.Normalize trims.
	if strings.IndexByte(s, 0xEF) >= 0 {
		if n := gbcode.Normalize(s); n != s {
			s, mask = n, mask|cleanFullwidth
		}
	}
	if s == "" {
		if sp.it.Required || sp.it.Key {
			return "", mask, "required", sp.name + "为必填项，不能为空"
		}
		return "", mask, "", ""
	}
	// Type checks.
	switch t {
	case huitong.TypeNumber, huitong.TypeMoney, huitong.TypeDouble, huitong.TypeFloat, huitong.TypeInteger:
		n, changed, ok := number(s, t == huitong.TypeInteger)
		if !ok {
			what := "数值"
			if t == huitong.TypeInteger {
				what = "整数"
			}
			return "", mask, "type", fmt.Sprintf("%s应为%s(%s型)，实际为“%s”", sp.name, what, huitong.Label("itemType", string(t)), shorten(s))
		}
		if changed {
			mask |= cleanNumber
		}
		s = n
		if d := digits(s); sp.it.Length > 0 && d > sp.it.Length {
			return "", mask, "length", fmt.Sprintf("%s最多%d位数字，实际%d位", sp.name, sp.it.Length, d)
		}
	case huitong.TypeDate:
		d, m, ok := v.date(s)
		if !ok {
			return "", mask, "type", fmt.Sprintf("%s应为日期(如2024-01-31)，实际为“%s”", sp.name, shorten(s))
		}
		s, mask = d, mask|m
	case huitong.TypeDateTime:
		d, m, ok := v.dateTime(s)
		if !ok {
			return "", mask, "type", fmt.Sprintf("%s应为日期时间(如2024-01-31 08:30:00)，实际为“%s”", sp.name, shorten(s))
		}
		s, mask = d, mask|m
	case huitong.TypeBool:
		b, ok := boolean(s)
		if !ok {
			return "", mask, "type", fmt.Sprintf("%s应为是/否，实际为“%s”", sp.name, shorten(s))
		}
		if b != s {
			mask |= cleanBool
		}
		s = b
	default:
		if n := utf8.RuneCountInString(s); sp.it.Length > 0 && n > sp.it.Length && sp.rule == "" {
			return "", mask, "length", fmt.Sprintf("%s最长%d个字符，实际%d个", sp.name, sp.it.Length, n)
		}
	}
	// The rule of the item's data element.
	switch sp.rule {
	case "":
	case quality.RuleCitizenID:
		if v.excelDates && strings.ContainsAny(s, "Ee") && strings.Contains(s, "+") {
			return "", mask, "excel_number", sp.name + "被 Excel 存成了数字(" + s + ")，后几位已丢失；请把该列设为文本格式后重新录入"
		}
		id, err := gbcode.CitizenIDAt(s, v.now)
		if err != nil {
			return "", mask, "citizen_id." + gbcode.RuleOf(err), gbMessage(err)
		}
		if id != s {
			mask |= cleanUpperX
		}
		s = id
	case quality.RuleUSCC:
		code, err := gbcode.USCC(s)
		if err != nil {
			return "", mask, "uscc." + gbcode.RuleOf(err), gbMessage(err)
		}
		if code != s {
			mask |= cleanUpper
		}
		s = code
	case quality.RuleDivision:
		code, err := gbcode.DivisionCode(s)
		if err != nil {
			return "", mask, "division." + gbcode.RuleOf(err), sp.name + ": " + gbMessage(err)
		}
		s = code
	case quality.RuleMobile:
		m, err := gbcode.Mobile(s)
		if err != nil {
			return "", mask, "mobile." + gbcode.RuleOf(err), sp.name + ": " + gbMessage(err)
		}
		if m != s {
			mask |= cleanMobile
		}
		s = m
	case quality.RulePhone:
		if m, err := gbcode.Mobile(s); err == nil {
			if m != s {
				mask |= cleanMobile
			}
			s = m
		} else if !fixedLine.MatchString(s) {
			return "", mask, "phone", fmt.Sprintf("%s应为手机号码或固定电话(如0931-8888888)，实际为“%s”", sp.name, shorten(s))
		}
	case quality.RuleDate:
		d, m, ok := v.date(s)
		if !ok {
			return "", mask, "date", fmt.Sprintf("%s应为日期(如2024-01-31)，实际为“%s”", sp.name, shorten(s))
		}
		s, mask = d, mask|m
	case quality.RuleDateTime:
		d, m, ok := v.dateTime(s)
		if !ok {
			return "", mask, "datetime", fmt.Sprintf("%s应为日期时间(如2024-01-31 08:30:00)，实际为“%s”", sp.name, shorten(s))
		}
		s, mask = d, mask|m
	default:
		if len(sp.enum) > 0 && !slices.Contains(sp.enum, s) {
			list := sp.enum
			if len(list) > 12 {
				list = append(slices.Clone(list[:12]), "…")
			}
			if sp.table != nil {
				return "", mask, "enum", fmt.Sprintf("%s的取值“%s”不是 %s 的代码，应为 %s 之一", sp.name, shorten(s), sp.table.Title, strings.Join(list, "、"))
			}
			return "", mask, "enum", fmt.Sprintf("%s的取值“%s”不在代码集内，应为 %s 之一", sp.name, shorten(s), strings.Join(list, "、"))
		}
	}
	return s, mask, "", ""
}

var fixedLine = regexp.MustCompile(`^(0\d{2,3}-?\d{7,8}(-\d{1,6})?|[48]00-?\d{3}-?\d{4}|1\d{4}|9\d{4})$`)

// number checks a decimal number, removing thousands separators and a
// plus sign; changed reports whether it did.
func number(s string, integer bool) (string, bool, bool) {
	changed := false
	if strings.Contains(s, ",") {
		if !thousands.MatchString(s) {
			return "", false, false
		}
		s, changed = strings.ReplaceAll(s, ",", ""), true
	}
	if strings.HasPrefix(s, "+") {
		s, changed = s[1:], true
	}
	if integer {
		// ^-?\d+$ that fits in 64 bits.
		if _, err := strconv.ParseInt(s, 10, 64); err != nil || s[0] == '+' {
			return "", false, false
		}
		return s, changed, true
	}
	if !decimal.MatchString(s) {
		return "", false, false
	}
	return s, changed, true
}

var (
	thousands = regexp.MustCompile(`^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$`)
	decimal   = regexp.MustCompile(`^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$`)
)

func digits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			n++
		} else if s[i] == 'e' || s[i] == 'E' {
			break
		}
	}
	return n
}

// isoDate reports whether s is a valid date written 2006-01-02, the
// canonical form, without going through time.Parse (the common case).
func isoDate(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	n := 0
	for i := 0; i < 10; i++ {
		if i == 4 || i == 7 {
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		n = n*10 + int(s[i]-'0')
	}
	y, m, d := n/10000, n/100%100, n%100
	if y < 1800 || y > 2200 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [13]int{0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// date parses a date and returns it as 2006-01-02.
func (v *validator) date(s string) (string, uint16, bool) {
	if isoDate(s) {
		return s, 0, true
	}
	if v.excelDates {
		if d, ok := ExcelDate(s); ok {
			return d, cleanExcelDate, true
		}
	}
	t, err := gbcode.Date(s)
	if err != nil {
		ok := false
		for _, layout := range []string{"2006.1.2", "2006-1-2", "2006/1/2", "2006年01月02日"} {
			if t, err = time.Parse(layout, s); err == nil {
				ok = true
				break
			}
		}
		if !ok {
			return "", 0, false
		}
	}
	if t.Year() < 1800 || t.Year() > 2200 {
		return "", 0, false
	}
	d := t.Format(time.DateOnly)
	if d != s {
		return d, cleanDate, true
	}
	return d, 0, true
}

var excelSerial = regexp.MustCompile(`^\d{1,5}(\.\d+)?$`)

// dateTime parses a date and time and returns it as 2006-01-02 15:04:05 in
// China time (a value with a zone or offset is converted).
func (v *validator) dateTime(s string) (string, uint16, bool) {
	const canonical = "2006-01-02 15:04:05"
	if v.excelDates && excelSerial.MatchString(s) {
		f, _ := strconv.ParseFloat(s, 64)
		if t, err := excelize.ExcelDateToTime(f, false); err == nil && t.Year() >= 1900 {
			return t.Round(time.Second).Format(canonical), cleanExcelDate, true
		}
	}
	for _, layout := range []string{canonical, "2006-01-02T15:04:05", time.RFC3339Nano, "2006-01-02 15:04:05.999999999", "2006/01/02 15:04:05",
		"20060102150405", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006-01-02 15:04:05Z07:00", "2006-01-02"} {
		t, err := time.ParseInLocation(layout, s, chinaTime)
		if err != nil {
			continue
		}
		if t.Year() < 1800 || t.Year() > 2200 {
			return "", 0, false
		}
		d := t.In(chinaTime).Format(canonical)
		if d != s {
			return d, cleanDateTime, true
		}
		return d, 0, true
	}
	return "", 0, false
}

var chinaTime = time.FixedZone("CST", 8*60*60)

func boolean(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "true", "t", "1", "是", "y", "yes", "真":
		return "true", true
	case "false", "f", "0", "否", "n", "no", "假":
		return "false", true
	}
	return "", false
}

// appendJSONString appends s as a JSON string. s is valid UTF-8 (the
// validator refuses anything else); quotes, backslashes and control
// characters are escaped.
func appendJSONString(b []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// cleaningReport turns the counts into the batch report's list.
func (v *validator) cleaningReport() []huitong.Cleaning {
	var out []huitong.Cleaning
	for i, sp := range v.specs {
		for k := 0; k < nCleanKinds; k++ {
			if n := v.cleaned[i][k]; n > 0 {
				out = append(out, huitong.Cleaning{Item: sp.name, Kind: cleanNames[k], Count: n})
			}
		}
	}
	return out
}
