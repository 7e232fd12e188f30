package web

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"huitong"
	"huitong/catalog"
)

// blankRows is how many empty item rows the form offers beyond the filled
// ones, and how many "更多行" adds.
const blankRows = 5

// maxRows bounds the rows a form may post, a little above catalog.MaxItems
// so that the catalog, not the form, names the limit.
const maxRows = catalog.MaxItems + 50

// itemRow is one row of the items table, as typed.
type itemRow struct {
	Name, Code, Type, Length, KeyKind, ShareType, OpenType, DataElement, Description string
	Key, Sensitive, Required                                                         bool
}

func (r itemRow) blank() bool {
	return r.Name == "" && r.Code == "" && r.Type == "" && r.Length == "" && r.DataElement == "" && r.Description == "" &&
		!r.Key && !r.Sensitive && !r.Required
}

// fieldErrors are the messages for each field path ("name",
// "items[2].type", "mount.url").
type fieldErrors map[string][]string

// Get returns the messages of a field.
func (e fieldErrors) Get(field string) []string { return e[field] }

// Item returns the messages of one column of one item row.
func (e fieldErrors) Item(i int, name string) []string {
	return e["items["+strconv.Itoa(i)+"]."+name]
}

// RowHas reports whether any column of item row i has a message.
func (e fieldErrors) RowHas(i int) bool {
	prefix := "items[" + strconv.Itoa(i) + "]."
	for k := range e {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// summaryLine is one entry of the error summary at the top of a form.
type summaryLine struct {
	Anchor string
	Text   string
}

// resourceForm is the registration form's state: what the person typed,
// as strings, so that a failed save shows it back unchanged.
type resourceForm struct {
	Edit        bool
	Code        string
	Version     int
	Status      huitong.Status
	Operator    bool
	Departments []*huitong.Department

	Class, Item, Category, Detail                                         string
	Provider                                                              string
	Name, Abstract, Format                                                string
	ShareType, ShareCondition, LegalBasis                                 string
	ShareMethods                                                          []string
	OpenType, OpenCondition, UpdateCycle                                  string
	Related, Keywords                                                     string
	MountKind, MountTable, MountURL, MountMethod, MountPath, MountComment string
	Rows                                                                  []itemRow

	Errors  fieldErrors
	Summary []summaryLine
	Problem string // an error that names no field
}

// Method reports whether share method m is ticked.
func (f *resourceForm) Method(m string) bool { return slices.Contains(f.ShareMethods, m) }

// pad appends blank rows until n rows follow the last filled one.
func (f *resourceForm) pad(n int) {
	filled := 0
	for i, r := range f.Rows {
		if !r.blank() {
			filled = i + 1
		}
	}
	f.Rows = f.Rows[:filled]
	for range n {
		f.Rows = append(f.Rows, itemRow{})
	}
}

var itemFieldRE = regexp.MustCompile(`^items\.([0-9]{1,4})\.`)

// readResourceForm reads the posted form. Blank item rows are dropped, so
// row i of the form is item i of the resource and error paths match rows.
// It returns the number of rows the browser had.
func readResourceForm(r *http.Request) (*resourceForm, int) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &resourceForm{
		Class: v("class"), Item: v("item"), Category: v("category"), Detail: v("detail"), Provider: v("provider"),
		Name: v("name"), Abstract: v("abstract"), Format: v("format"),
		ShareType: v("shareType"), ShareCondition: v("shareCondition"), LegalBasis: v("legalBasis"), ShareMethods: r.PostForm["shareMethods"],
		OpenType: v("openType"), OpenCondition: v("openCondition"), UpdateCycle: v("updateCycle"),
		Related: v("related"), Keywords: v("keywords"),
		MountKind: v("mountKind"), MountTable: v("mountTable"), MountURL: v("mountUrl"), MountMethod: v("mountMethod"),
		MountPath: v("mountPath"), MountComment: v("mountComment"),
	}
	n, _ := strconv.Atoi(r.PostFormValue("rows"))
	for k := range r.PostForm {
		if m := itemFieldRE.FindStringSubmatch(k); m != nil {
			if i, _ := strconv.Atoi(m[1]); i+1 > n {
				n = i + 1
			}
		}
	}
	n = min(max(n, 0), maxRows)
	key := r.PostFormValue("key")
	for i := range n {
		p := "items." + strconv.Itoa(i) + "."
		row := itemRow{
			Name: v(p + "name"), Code: v(p + "code"), Type: v(p + "type"), Length: v(p + "length"), KeyKind: v(p + "keyKind"),
			ShareType: v(p + "shareType"), OpenType: v(p + "openType"), DataElement: v(p + "dataElement"), Description: v(p + "description"),
			Key: key == strconv.Itoa(i), Sensitive: r.PostFormValue(p+"sensitive") != "", Required: r.PostFormValue(p+"required") != "",
		}
		if !row.blank() {
			f.Rows = append(f.Rows, row)
		}
	}
	return f, n
}

// splitList splits a list typed with commas, enumeration commas,
// semicolons or spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || strings.ContainsRune(",，、;；", r)
	})
}

// resource builds the entry from the form. Values the form itself cannot
// read (a length that is not a number) come back as field errors.
func (f *resourceForm) resource() (*huitong.Resource, []huitong.FieldError) {
	var v huitong.Validation
	res := &huitong.Resource{
		Name: f.Name, Abstract: f.Abstract, Provider: f.Provider, Format: huitong.Format(f.Format),
		Classification: huitong.Classification{Class: huitong.Class(f.Class), Item: f.Item, Category: f.Category, Detail: f.Detail},
		ShareType:      huitong.ShareType(f.ShareType), ShareCondition: f.ShareCondition, LegalBasis: f.LegalBasis,
		OpenType: huitong.OpenType(f.OpenType), OpenCondition: f.OpenCondition, UpdateCycle: huitong.UpdateCycle(f.UpdateCycle),
		Related: splitList(f.Related), Keywords: splitList(f.Keywords),
		Mount: huitong.Mount{Kind: huitong.MountKind(f.MountKind), Table: f.MountTable, URL: f.MountURL, Method: f.MountMethod,
			Path: f.MountPath, Comment: f.MountComment},
		ShareMethods: []huitong.ShareMethod{},
		Items:        []huitong.Item{},
	}
	for _, m := range f.ShareMethods {
		res.ShareMethods = append(res.ShareMethods, huitong.ShareMethod(m))
	}
	for i, row := range f.Rows {
		it := huitong.Item{
			Name: row.Name, Code: row.Code, Type: huitong.ItemType(row.Type), Required: row.Required, Key: row.Key,
			KeyKind: huitong.KeyKind(row.KeyKind), Sensitive: row.Sensitive, ShareType: huitong.ShareType(row.ShareType),
			OpenType: huitong.OpenType(row.OpenType), DataElement: row.DataElement, Description: row.Description,
		}
		if row.Length != "" {
			n, err := strconv.Atoi(row.Length)
			if err != nil || n < 0 {
				v.Add("items["+strconv.Itoa(i)+"].length", "integer", "数据长度应为非负整数(现为“%s”)", row.Length)
			}
			it.Length = n
		}
		res.Items = append(res.Items, it)
	}
	return res, v.Fields
}

// clone copies r deeply enough for catalog.Validate, which normalises the
// slices it checks in place.
func clone(r *huitong.Resource) *huitong.Resource {
	c := *r
	c.Items = slices.Clone(r.Items)
	c.ShareMethods = slices.Clone(r.ShareMethods)
	c.Related = slices.Clone(r.Related)
	c.Keywords = slices.Clone(r.Keywords)
	return &c
}

// formFromResource fills the form with an existing entry.
func formFromResource(r *huitong.Resource) *resourceForm {
	f := &resourceForm{
		Edit: true, Code: r.Code, Version: r.Version, Status: r.Status,
		Class: string(r.Classification.Class), Item: r.Classification.Item, Category: r.Classification.Category, Detail: r.Classification.Detail,
		Provider: r.Provider, Name: r.Name, Abstract: r.Abstract, Format: string(r.Format),
		ShareType: string(r.ShareType), ShareCondition: r.ShareCondition, LegalBasis: r.LegalBasis,
		OpenType: string(r.OpenType), OpenCondition: r.OpenCondition, UpdateCycle: string(r.UpdateCycle),
		Related: strings.Join(r.Related, ", "), Keywords: strings.Join(r.Keywords, ", "),
		MountKind: string(r.Mount.Kind), MountTable: r.Mount.Table, MountURL: r.Mount.URL, MountMethod: r.Mount.Method,
		MountPath: r.Mount.Path, MountComment: r.Mount.Comment,
	}
	for _, m := range r.ShareMethods {
		f.ShareMethods = append(f.ShareMethods, string(m))
	}
	for _, it := range r.Items {
		row := itemRow{Name: it.Name, Code: it.Code, Type: string(it.Type), KeyKind: string(it.KeyKind), ShareType: string(it.ShareType),
			OpenType: string(it.OpenType), DataElement: it.DataElement, Description: it.Description, Key: it.Key, Sensitive: it.Sensitive, Required: it.Required}
		if it.Length > 0 {
			row.Length = strconv.Itoa(it.Length)
		}
		f.Rows = append(f.Rows, row)
	}
	return f
}

// itemColumns names the item columns in error summaries.
var itemColumns = map[string]string{
	"name": "名称", "code": "代码", "type": "数据类型", "length": "长度", "keyKind": "主键类型", "shareType": "共享类型",
	"openType": "开放类型", "dataElement": "数据元", "description": "说明",
}

var itemPathRE = regexp.MustCompile(`^items\[([0-9]+)\]\.([A-Za-z]+)$`)

// setErrors records field errors on the form and builds the summary.
func (f *resourceForm) setErrors(fields []huitong.FieldError) {
	f.Errors = fieldErrors{}
	for _, fe := range fields {
		f.Errors[fe.Field] = append(f.Errors[fe.Field], fe.Message)
		anchor := "f-" + strings.NewReplacer("[", "-", "]", "", ".", "-").Replace(fe.Field)
		text := fe.Message
		if m := itemPathRE.FindStringSubmatch(fe.Field); m != nil {
			i, _ := strconv.Atoi(m[1])
			text = "信息项第 " + strconv.Itoa(i+1) + " 行「" + itemColumns[m[2]] + "」：" + fe.Message
		} else if fe.Field == "items" {
			anchor, text = "f-items", "信息项："+fe.Message
		}
		f.Summary = append(f.Summary, summaryLine{Anchor: anchor, Text: text})
	}
}

// formData is what the form template receives.
type formData struct {
	*resourceForm
	Action string
}

func (s *Server) renderForm(w http.ResponseWriter, r *http.Request, rq *request, status int, f *resourceForm) error {
	action, title := "/catalog/new", "登记资源"
	if f.Edit {
		action, title = detailURL(f.Code)+"/edit", "编辑资源 "+f.Code
	}
	if f.Operator = rq.p.Has(huitong.RoleOperator); f.Operator && !f.Edit {
		list, err := s.Identity.Departments(r.Context(), huitong.DepartmentFilter{})
		if err != nil {
			return err
		}
		f.Departments = list
	}
	return s.render(w, r, status, "form", s.newView(r, rq, title, "new", &formData{resourceForm: f, Action: action}))
}

func (s *Server) newForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	if !canEdit(rq.p, rq.p.Department) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有部门工作人员、部门管理员或平台运维可以登记资源")
	}
	f := &resourceForm{Provider: rq.p.Department, MountMethod: "GET"}
	f.pad(blankRows)
	return s.renderForm(w, r, rq, http.StatusOK, f)
}

// saveFailed shows the form again after a failed save: field errors next
// to their fields, anything else as the form's problem. Errors that are
// not about the input become error pages.
func (s *Server) saveFailed(w http.ResponseWriter, r *http.Request, rq *request, f *resourceForm, err error) error {
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
	return s.renderForm(w, r, rq, http.StatusUnprocessableEntity, f)
}

// checkForm builds the entry and, when the form itself found problems,
// adds the catalog's own findings so that every problem shows at once.
func checkForm(f *resourceForm) (*huitong.Resource, error) {
	res, local := f.resource()
	if len(local) == 0 {
		return res, nil
	}
	var v huitong.Validation
	v.Fields = local
	if err := catalog.Validate(clone(res)); err != nil {
		v.Fields = append(v.Fields, huitong.ErrorFields(err)...)
	}
	return nil, v.Err()
}

func (s *Server) createResource(w http.ResponseWriter, r *http.Request, rq *request) error {
	f, n := readResourceForm(r)
	if !rq.p.Has(huitong.RoleOperator) || f.Provider == "" {
		f.Provider = rq.p.Department
	}
	if r.PostFormValue("op") == "more" {
		f.pad(max(n-len(f.Rows), 0) + blankRows)
		return s.renderForm(w, r, rq, http.StatusOK, f)
	}
	res, err := checkForm(f)
	if err == nil {
		err = s.Catalog.Create(r.Context(), res)
	}
	if err != nil {
		return s.saveFailed(w, r, rq, f, err)
	}
	s.redirect(w, r, detailURL(res.Code), false, "资源已保存为草稿，资源代码 "+res.Code+"。确认无误后请提交审核。")
	return nil
}

// editable loads the working version of the entry in the path for its
// editor: ENOTFOUND when the caller cannot see it, EFORBIDDEN when the
// caller may see but not change it.
func (s *Server) editable(r *http.Request, rq *request) (*huitong.Resource, error) {
	code, err := resourceCode(r)
	if err != nil {
		return nil, err
	}
	cur, err := s.Catalog.Find(r.Context(), code, 0)
	if err != nil {
		return nil, err
	}
	if !canEdit(rq.p, cur.Provider) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只能修改本部门的信息资源")
	}
	return cur, nil
}

func (s *Server) editForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	cur, err := s.editable(r, rq)
	if err != nil {
		return err
	}
	if cur.Status == huitong.StatusSubmitted {
		s.redirect(w, r, detailURL(cur.Code), true, "资源正在审核中，不能修改；请等待审核结果。")
		return nil
	}
	f := formFromResource(cur)
	f.pad(blankRows)
	return s.renderForm(w, r, rq, http.StatusOK, f)
}

func (s *Server) updateResource(w http.ResponseWriter, r *http.Request, rq *request) error {
	cur, err := s.editable(r, rq)
	if err != nil {
		return err
	}
	f, n := readResourceForm(r)
	// The classification and provider are fixed once registered: show the
	// stored ones and leave them out of the update.
	f.Edit, f.Code, f.Version, f.Status = true, cur.Code, cur.Version, cur.Status
	f.Class, f.Item, f.Category, f.Detail = string(cur.Classification.Class), cur.Classification.Item, cur.Classification.Category, cur.Classification.Detail
	f.Provider, f.MountTable = cur.Provider, cur.Mount.Table
	if r.PostFormValue("op") == "more" {
		f.pad(max(n-len(f.Rows), 0) + blankRows)
		return s.renderForm(w, r, rq, http.StatusOK, f)
	}
	res, err := checkForm(f)
	if err == nil {
		res.Classification, res.Provider = huitong.Classification{}, ""
		res, err = s.Catalog.Update(r.Context(), cur.Code, res)
	}
	if err != nil {
		return s.saveFailed(w, r, rq, f, err)
	}
	msg := "修改已保存。"
	if res.Version != cur.Version {
		msg = "已生成第 " + strconv.Itoa(res.Version) + " 版草稿；发布前，目录中仍是原已发布版本。"
	}
	s.redirect(w, r, detailURL(res.Code), false, msg)
	return nil
}
