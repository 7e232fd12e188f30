package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"huitong"
	"huitong/gbcode"
)

func (s *Server) registerCertTypes(mux *http.ServeMux) {
	mux.Handle("GET /certs/types", s.page(s.typesPage))
	mux.Handle("GET /certs/types/new", s.page(s.newTypeForm))
	mux.Handle("POST /certs/types/new", s.page(s.createType))
	mux.Handle("GET /certs/types/{code}", s.page(s.typePage))
	mux.Handle("GET /certs/types/{code}/edit", s.page(s.editTypeForm))
	mux.Handle("POST /certs/types/{code}/edit", s.page(s.updateType))
}

// typeURL is the page of a certificate type.
func typeURL(code string) string { return "/certs/types/" + code }

// certItemTypes are the data types a certificate item may have, in the
// order the form offers them.
var certItemTypes = []string{"C", "D", "N", "I", "Y", "L", "M"}

// canDefineTypes reports whether p may define certificate types at all:
// operators, and admins of provincial departments (their own types).
func (s *Server) canDefineTypes(ctx context.Context, p *huitong.Principal) bool {
	if p.Has(huitong.RoleOperator) {
		return true
	}
	if !p.Has(huitong.RoleDeptAdmin) {
		return false
	}
	d, err := s.Identity.Department(ctx, p.Department)
	return err == nil && d.Level == huitong.LevelProvince
}

// canEditType reports whether p may change t: operators, and the admin of
// the defining department.
func (s *Server) canEditType(ctx context.Context, p *huitong.Principal, t *huitong.CertType) bool {
	return p.Has(huitong.RoleOperator) || (p.Department == t.Definer && s.canDefineTypes(ctx, p))
}

// validityText describes a type's validity rule.
func validityText(v huitong.CertValidity) string {
	switch {
	case v.Permanent:
		return "长期有效"
	case v.Months > 0 && v.MaxMonths > 0:
		return fmt.Sprintf("默认 %d 个月，最长 %d 个月", v.Months, v.MaxMonths)
	case v.Months > 0:
		return fmt.Sprintf("默认 %d 个月", v.Months)
	case v.MaxMonths > 0:
		return fmt.Sprintf("由颁发部门给出截止日期，最长 %d 个月", v.MaxMonths)
	}
	return "由颁发部门给出截止日期"
}

// typeRow is a type as the list and its page show it.
type typeRow struct {
	*huitong.CertType
	Validity, Holder string
	Rules            []string
}

func newTypeRow(t *huitong.CertType) typeRow {
	row := typeRow{CertType: t, Validity: validityText(t.Validity), Holder: holderKindLabel(t.HolderKind)}
	for _, r := range t.IssuerRules {
		rule := "全部" + r.Level.Label() + "部门"
		if r.NameSuffix != "" {
			rule = "名称以“" + r.NameSuffix + "”结尾的" + r.Level.Label() + "部门"
		}
		row.Rules = append(row.Rules, rule)
	}
	return row
}

// typesData is what 证照类型 shows.
type typesData struct {
	Items     []typeRow
	CanDefine bool
}

func (s *Server) typesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	list, err := s.Certs.Types(ctx)
	if err != nil {
		return err
	}
	d := &typesData{CanDefine: s.canDefineTypes(ctx, rq.p)}
	for _, t := range list {
		d.Items = append(d.Items, newTypeRow(t))
	}
	return s.render(w, r, http.StatusOK, "certs_types", s.newView(r, rq, "证照类型", "cert-types", d))
}

// typeData is what a type's page shows.
type typeData struct {
	typeRow
	CanEdit bool
}

func (s *Server) typePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	t, err := s.Certs.Type(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	d := &typeData{typeRow: newTypeRow(t), CanEdit: s.canEditType(ctx, rq.p, t)}
	return s.render(w, r, http.StatusOK, "certs_type", s.newView(r, rq, t.Name, "cert-types", d))
}

// typeItemRow is one item row of the type form, as typed.
type typeItemRow struct {
	Code, Name, Type, Length string
	Required                 bool
}

func (r typeItemRow) blank() bool {
	return r.Code == "" && r.Name == "" && r.Length == "" && !r.Required
}

// ruleRow is one issuer rule row of the type form.
type ruleRow struct{ Level, Suffix string }

// typeForm is the type form's state, as strings, so that a failed save
// shows back what was typed.
type typeForm struct {
	Edit                                   bool
	Operator                               bool
	Code, Name, Definer, DefinerName       string
	HolderKind                             string
	Permanent, Retired                     bool
	Months, MaxMonths                      string
	Title, Color, Orientation, LayoutItems string
	Issuers                                string // one department (code or name) a line
	Rows                                   []typeItemRow
	Rules                                  []ruleRow
	ItemTypes                              []string
	Errors                                 fieldErrors
	Summary                                []string
	Problem                                string
	Action                                 string
}

// pad leaves n blank item rows and 2 blank rule rows after the filled ones.
func (f *typeForm) pad(n int) {
	rows := f.Rows[:0]
	for _, r := range f.Rows {
		if !r.blank() {
			rows = append(rows, r)
		}
	}
	f.Rows = rows
	for range n {
		f.Rows = append(f.Rows, typeItemRow{})
	}
	rules := f.Rules[:0]
	for _, r := range f.Rules {
		if r.Level != "" || r.Suffix != "" {
			rules = append(rules, r)
		}
	}
	f.Rules = append(rules, ruleRow{}, ruleRow{})
}

var typeRowRE = regexp.MustCompile(`^(items|rules)\.([0-9]{1,3})\.`)

// readTypeForm reads the posted form; blank rows are dropped, so row i
// of the form is item i of the type and error paths match rows.
func readTypeForm(r *http.Request) *typeForm {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &typeForm{Code: v("code"), Name: v("name"), Definer: v("definer"), DefinerName: v("definerName"), HolderKind: v("holderKind"),
		Permanent: v("permanent") != "", Retired: v("retired") != "", Months: v("months"), MaxMonths: v("maxMonths"),
		Title: v("title"), Color: v("color"), Orientation: v("orientation"), LayoutItems: v("layoutItems"), Issuers: v("issuers")}
	n := map[string]int{}
	for k := range r.PostForm {
		if m := typeRowRE.FindStringSubmatch(k); m != nil {
			if i, _ := strconv.Atoi(m[2]); i+1 > n[m[1]] {
				n[m[1]] = i + 1
			}
		}
	}
	for i := range min(n["items"], maxRows) {
		p := "items." + strconv.Itoa(i) + "."
		row := typeItemRow{Code: v(p + "code"), Name: v(p + "name"), Type: v(p + "type"), Length: v(p + "length"), Required: v(p+"required") != ""}
		if !row.blank() {
			f.Rows = append(f.Rows, row)
		}
	}
	for i := range min(n["rules"], 50) {
		p := "rules." + strconv.Itoa(i) + "."
		if row := (ruleRow{Level: v(p + "level"), Suffix: v(p + "suffix")}); row.Level != "" || row.Suffix != "" {
			f.Rules = append(f.Rules, row)
		}
	}
	return f
}

// certType builds the type from the form; department names among the
// issuers are looked up. Problems the form itself finds come back as
// field errors.
func (s *Server) certType(ctx context.Context, f *typeForm) (*huitong.CertType, []huitong.FieldError) {
	var v huitong.Validation
	num := func(field, label, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			v.Add(field, "integer", "%s应为非负整数(现为“%s”)", label, s)
		}
		return n
	}
	t := &huitong.CertType{Code: f.Code, Name: f.Name, Definer: f.Definer, DefinerName: f.DefinerName, HolderKind: huitong.HolderKind(f.HolderKind),
		Validity: huitong.CertValidity{Permanent: f.Permanent, Months: num("validity", "默认有效期月数", f.Months), MaxMonths: num("validity", "最长有效期月数", f.MaxMonths)},
		Layout:   huitong.CertLayout{Title: f.Title, Color: f.Color, Orientation: f.Orientation, Items: splitList(f.LayoutItems)},
		Retired:  f.Retired, Items: []huitong.CertItem{}}
	for i, row := range f.Rows {
		t.Items = append(t.Items, huitong.CertItem{Code: row.Code, Name: row.Name, Type: huitong.ItemType(row.Type), Required: row.Required,
			Length: num("items["+strconv.Itoa(i)+"].length", "长度", row.Length)})
	}
	for _, row := range f.Rules {
		t.IssuerRules = append(t.IssuerRules, huitong.IssuerRule{Level: huitong.Level(row.Level), NameSuffix: row.Suffix})
	}
	for i, line := range strings.Split(f.Issuers, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		first, _, _ := strings.Cut(line, " ")
		if code, err := gbcode.USCC(first); err == nil {
			t.Issuers = append(t.Issuers, code)
			continue
		}
		list, err := s.Identity.Departments(ctx, huitong.DepartmentFilter{Query: line})
		found := ""
		for _, d := range list {
			if d.Name == line {
				found = d.Code
			}
		}
		if err != nil || found == "" {
			v.Add("issuers", "exists", "颁发部门第 %d 行“%s”不是已登记部门的统一社会信用代码或全称", i+1, line)
			continue
		}
		t.Issuers = append(t.Issuers, found)
	}
	return t, v.Fields
}

// typeFieldRE finds the fields of item and rule rows in error paths.
var typeFieldRE = regexp.MustCompile(`^(items|issuerRules|issuers)\[([0-9]+)\](\.[A-Za-z.]+)?$`)

// setErrors records field errors next to their inputs and in the summary.
func (f *typeForm) setErrors(fields []huitong.FieldError) {
	f.Errors = fieldErrors{}
	for _, fe := range fields {
		key, text := fe.Field, fe.Message
		if m := typeFieldRE.FindStringSubmatch(fe.Field); m != nil {
			i, _ := strconv.Atoi(m[2])
			switch m[1] {
			case "items":
				text = fmt.Sprintf("信息项第 %d 行：%s", i+1, fe.Message)
			case "issuerRules":
				key, text = "rules", fmt.Sprintf("颁发部门规则第 %d 行：%s", i+1, fe.Message)
			case "issuers":
				key, text = "issuers", fmt.Sprintf("颁发部门第 %d 个：%s", i+1, fe.Message)
			}
		} else if strings.HasPrefix(fe.Field, "validity") {
			key = "validity"
		} else if fe.Field == "issuerRules" {
			key = "issuers"
		}
		f.Errors[key] = append(f.Errors[key], fe.Message)
		f.Summary = append(f.Summary, text)
	}
}

func formFromType(t *huitong.CertType) *typeForm {
	f := &typeForm{Edit: true, Code: t.Code, Name: t.Name, Definer: t.Definer, DefinerName: t.DefinerName, HolderKind: string(t.HolderKind),
		Permanent: t.Validity.Permanent, Retired: t.Retired, Title: t.Layout.Title, Color: t.Layout.Color, Orientation: t.Layout.Orientation,
		LayoutItems: strings.Join(t.Layout.Items, ", ")}
	if t.Validity.Months > 0 {
		f.Months = strconv.Itoa(t.Validity.Months)
	}
	if t.Validity.MaxMonths > 0 {
		f.MaxMonths = strconv.Itoa(t.Validity.MaxMonths)
	}
	for _, it := range t.Items {
		row := typeItemRow{Code: it.Code, Name: it.Name, Type: string(it.Type), Required: it.Required}
		if it.Length > 0 {
			row.Length = strconv.Itoa(it.Length)
		}
		f.Rows = append(f.Rows, row)
	}
	for _, r := range t.IssuerRules {
		f.Rules = append(f.Rules, ruleRow{Level: string(r.Level), Suffix: r.NameSuffix})
	}
	f.Issuers = strings.Join(t.Issuers, "\n")
	return f
}

func (s *Server) renderTypeForm(w http.ResponseWriter, r *http.Request, rq *request, status int, f *typeForm) error {
	f.Operator, f.ItemTypes = rq.p.Has(huitong.RoleOperator), certItemTypes
	title := "定义证照类型"
	f.Action = "/certs/types/new"
	if f.Edit {
		title, f.Action = "修改证照类型 "+f.Name, typeURL(f.Code)+"/edit"
	}
	// Issuers are kept as codes; show each with its department's name.
	var lines []string
	for _, line := range strings.Split(f.Issuers, "\n") {
		first, _, _ := strings.Cut(strings.TrimSpace(line), " ")
		if code, err := gbcode.USCC(first); err == nil {
			if name := s.Catalog.DepartmentName(r.Context(), code); name != "" && name != code {
				line = code + " " + name
			}
		}
		if line = strings.TrimSpace(line); line != "" {
			lines = append(lines, line)
		}
	}
	f.Issuers = strings.Join(lines, "\n")
	return s.render(w, r, status, "certs_typeform", s.newView(r, rq, title, "cert-types", f))
}

func (s *Server) newTypeForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !s.canDefineTypes(r.Context(), rq.p) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或省级部门的部门管理员可以定义证照类型")
	}
	f := &typeForm{HolderKind: string(huitong.HolderPerson), Permanent: true}
	if !rq.p.Has(huitong.RoleOperator) {
		f.Definer, f.DefinerName = rq.p.Department, rq.deptName
	}
	f.pad(blankRows)
	return s.renderTypeForm(w, r, rq, http.StatusOK, f)
}

// saveType saves the form: create when code is "", else update.
func (s *Server) saveType(w http.ResponseWriter, r *http.Request, rq *request, f *typeForm, code string) error {
	ctx := r.Context()
	if r.PostFormValue("op") == "more" {
		f.pad(blankRows * 2)
		return s.renderTypeForm(w, r, rq, http.StatusOK, f)
	}
	t, local := s.certType(ctx, f)
	var err error
	if len(local) > 0 {
		var v huitong.Validation
		v.Fields = local
		err = v.Err()
	} else if code == "" {
		err = s.Certs.CreateType(ctx, t)
	} else {
		t, err = s.Certs.UpdateType(ctx, code, t)
	}
	if err == nil {
		s.redirect(w, r, typeURL(t.Code), false, "证照类型“"+t.Name+"”已保存，代码 "+t.Code)
		return nil
	}
	switch huitong.ErrorCode(err) {
	case huitong.EINVALID, huitong.ECONFLICT:
	default:
		return err
	}
	if fields := huitong.ErrorFields(err); len(fields) > 0 {
		f.setErrors(fields)
	} else {
		f.Errors, f.Problem = fieldErrors{}, huitong.ErrorMessage(err)
	}
	f.pad(blankRows)
	return s.renderTypeForm(w, r, rq, http.StatusUnprocessableEntity, f)
}

func (s *Server) createType(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !s.canDefineTypes(r.Context(), rq.p) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或省级部门的部门管理员可以定义证照类型")
	}
	f := readTypeForm(r)
	f.Retired = false
	if !rq.p.Has(huitong.RoleOperator) {
		f.Code, f.Definer = "", rq.p.Department
		if f.DefinerName == "" {
			f.DefinerName = rq.deptName
		}
	}
	return s.saveType(w, r, rq, f, "")
}

// editableType loads the type in the path for its editor.
func (s *Server) editableType(r *http.Request, rq *request) (*huitong.CertType, error) {
	t, err := s.Certs.Type(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	if !s.canEditType(r.Context(), rq.p, t) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或定义部门(省级)的部门管理员可以修改证照类型")
	}
	return t, nil
}

func (s *Server) editTypeForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := s.editableType(r, rq)
	if err != nil {
		return err
	}
	f := formFromType(t)
	f.pad(blankRows)
	return s.renderTypeForm(w, r, rq, http.StatusOK, f)
}

func (s *Server) updateType(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := s.editableType(r, rq)
	if err != nil {
		return err
	}
	f := readTypeForm(r)
	f.Edit, f.Code, f.Definer, f.DefinerName = true, t.Code, t.Definer, t.DefinerName
	return s.saveType(w, r, rq, f, t.Code)
}
