package web

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"huitong"
)

func (s *Server) registerAdmin(mux *http.ServeMux) {
	mux.Handle("GET /admin/departments", s.page(s.departmentsPage))
	mux.Handle("GET /admin/users", s.page(s.usersPage))
	mux.Handle("POST /admin/users", s.page(s.createUser))
	mux.Handle("POST /admin/users/{id}/unlock", s.page(s.unlockUser))
	mux.Handle("GET /account/keys", s.page(s.keysPage))
	mux.Handle("POST /account/keys", s.page(s.createKey))
	mux.Handle("POST /account/keys/{id}/revoke", s.page(s.revokeKey))
}

// departmentsData is what the departments page shows.
type departmentsData struct {
	Query string
	Level string
	Items []*huitong.Department
}

func (s *Server) departmentsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	d := &departmentsData{Query: strings.TrimSpace(q.Get("q")), Level: q.Get("level")}
	f := huitong.DepartmentFilter{Query: d.Query}
	if huitong.Level(d.Level).Valid() {
		f.Level = huitong.Level(d.Level)
	} else {
		d.Level = ""
	}
	list, err := s.Identity.Departments(r.Context(), f)
	if err != nil {
		return err
	}
	d.Items = list
	return s.render(w, r, http.StatusOK, "departments", s.newView(r, rq, "部门", "departments", d))
}

// userForm is the account creation form.
type userForm struct {
	Username, DisplayName, Department string
	Roles                             []string
	Errors                            fieldErrors
	Problem                           string
}

// Has reports whether role r is ticked.
func (f *userForm) Has(r string) bool { return slices.Contains(f.Roles, r) }

// usersData is what the accounts page shows.
type usersData struct {
	Items       []*huitong.User
	Filter      string
	Operator    bool
	Departments []*huitong.Department
	Grantable   []huitong.Role
	Form        *userForm
	Now         time.Time
}

func (s *Server) usersData(r *http.Request, rq *request, form *userForm) (*usersData, error) {
	ctx := r.Context()
	d := &usersData{Operator: rq.p.Has(huitong.RoleOperator), Form: form, Now: time.Now()}
	if !d.Operator && !rq.p.Has(huitong.RoleDeptAdmin) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或部门管理员可以管理账户")
	}
	f := huitong.UserFilter{}
	if d.Operator {
		// The operator sees the own department's accounts unless asking
		// for another department or all ("all"): a province has thousands.
		d.Filter = r.URL.Query().Get("department")
		switch d.Filter {
		case "":
			d.Filter = rq.p.Department
			f.Department = d.Filter
		case "all":
		default:
			f.Department = d.Filter
		}
		list, err := s.Identity.Departments(ctx, huitong.DepartmentFilter{})
		if err != nil {
			return nil, err
		}
		d.Departments = list
		d.Grantable = huitong.Roles
	} else {
		d.Grantable = []huitong.Role{huitong.RoleStaff, huitong.RoleDeptAdmin}
	}
	if form.Department == "" {
		form.Department = cmp.Or(f.Department, rq.p.Department)
	}
	users, err := s.Identity.Users(ctx, f)
	if err != nil {
		return nil, err
	}
	d.Items = users
	return d, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.usersData(r, rq, &userForm{Roles: []string{string(huitong.RoleStaff)}})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "users", s.newView(r, rq, "账户", "users", d))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request, rq *request) error {
	form := &userForm{
		Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: strings.TrimSpace(r.PostFormValue("displayName")),
		Department: r.PostFormValue("department"), Roles: r.PostForm["roles"],
	}
	if !rq.p.Has(huitong.RoleOperator) || form.Department == "" {
		form.Department = rq.p.Department
	}
	u := &huitong.User{Username: form.Username, DisplayName: form.DisplayName, Department: form.Department}
	for _, role := range form.Roles {
		u.Roles = append(u.Roles, huitong.Role(role))
	}
	err := s.Identity.CreateUser(r.Context(), u, r.PostFormValue("password"))
	if err == nil {
		s.redirect(w, r, "/admin/users", false, "已创建账户 "+u.Username+"("+u.DisplayName+")")
		return nil
	}
	switch huitong.ErrorCode(err) {
	case huitong.EINVALID, huitong.ECONFLICT, huitong.EFORBIDDEN:
	default:
		return err
	}
	form.Errors = fieldErrors{}
	for _, fe := range huitong.ErrorFields(err) {
		form.Errors[fe.Field] = append(form.Errors[fe.Field], fe.Message)
	}
	if len(form.Errors) == 0 {
		form.Problem = huitong.ErrorMessage(err)
	}
	d, derr := s.usersData(r, rq, form)
	if derr != nil {
		return derr
	}
	status := http.StatusUnprocessableEntity
	if huitong.ErrorCode(err) == huitong.EFORBIDDEN {
		status = http.StatusForbidden
	}
	return s.render(w, r, status, "users", s.newView(r, rq, "账户", "users", d))
}

func (s *Server) unlockUser(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return huitong.Errorf(huitong.ENOTFOUND, "账户不存在")
	}
	if err := s.Identity.Unlock(r.Context(), id); err != nil {
		return err
	}
	s.redirect(w, r, "/admin/users", false, "已解除锁定")
	return nil
}

// keysData is what the API keys page shows.
type keysData struct {
	Items     []*huitong.APIKey
	Name      string
	Error     string
	Secret    string // the new key's secret, shown once
	NewPrefix string
}

func (s *Server) keysData(r *http.Request) (*keysData, error) {
	list, err := s.Identity.APIKeys(r.Context(), "")
	if err != nil {
		return nil, err
	}
	return &keysData{Items: list}, nil
}

func (s *Server) keysPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.keysData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "keys", s.newView(r, rq, "API 密钥", "keys", d))
}

// createKey issues a key and shows its secret on this response only: it is
// not stored anywhere the UI could show it again.
func (s *Server) createKey(w http.ResponseWriter, r *http.Request, rq *request) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	secret, k, err := s.Identity.CreateAPIKey(r.Context(), name)
	status := http.StatusOK
	if err != nil {
		if huitong.ErrorCode(err) != huitong.EINVALID {
			return err
		}
		status = http.StatusUnprocessableEntity
	}
	d, derr := s.keysData(r)
	if derr != nil {
		return derr
	}
	if err != nil {
		d.Name, d.Error = name, humanMessage(err)
	} else {
		d.Secret, d.NewPrefix = secret, k.Prefix
	}
	return s.render(w, r, status, "keys", s.newView(r, rq, "API 密钥", "keys", d))
}

func (s *Server) revokeKey(w http.ResponseWriter, r *http.Request, rq *request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return huitong.Errorf(huitong.ENOTFOUND, "API 密钥不存在")
	}
	if err := s.Identity.RevokeAPIKey(r.Context(), id); err != nil {
		return err
	}
	s.redirect(w, r, "/account/keys", false, "密钥已吊销，使用它的系统将无法再访问平台")
	return nil
}

// construction lists the capabilities whose pages are not built yet, with
// what they will do.
var construction = map[string]struct{ Title, Nav, About string }{
	"/services":    {"一网通办", "services", "政务服务事项、办件、一件事一次办和好差评。"},
	"/supervision": {"效能监察", "supervision", "共享申请答复、办件办理等时限的监察与预警，按工作日历计算。"},
	"/opendata":    {"公共数据开放", "opendata", "向社会开放无条件开放和有条件开放的公共数据。"},
}

func (s *Server) underConstruction(w http.ResponseWriter, r *http.Request, rq *request) error {
	c := construction[r.URL.Path]
	return s.render(w, r, http.StatusOK, "construction", s.newView(r, rq, c.Title, c.Nav, c))
}
