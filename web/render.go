package web

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"huitong"
	"huitong/divisions"
	"huitong/httpapi"
	"huitong/quality"
)

// cst is China Standard Time: every time a person reads is shown in it.
var cst = time.FixedZone("CST", 8*3600)

// view is what every page template receives.
type view struct {
	Title    string
	Nav      string // key of the active navigation entry
	User     *huitong.User
	P        *huitong.Principal
	DeptName string
	Roles    []string
	CSRF     string
	Flash    *flash
	Platform string
	Version  string
	Data     any
}

// Has reports whether the signed-in person holds the role named.
func (v *view) Has(role string) bool { return v.P.Has(huitong.Role(role)) }

// CanRegister reports whether the person may register catalog entries.
func (v *view) CanRegister() bool {
	return v.P.Has(huitong.RoleStaff) || v.P.Has(huitong.RoleDeptAdmin) || v.P.Has(huitong.RoleOperator)
}

// CanManageUsers reports whether the person may see the accounts page.
func (v *view) CanManageUsers() bool {
	return v.P.Has(huitong.RoleDeptAdmin) || v.P.Has(huitong.RoleOperator)
}

func mustParsePages(s *Server) map[string]*template.Template {
	funcs := template.FuncMap{
		"label":  func(enum string, v any) string { return huitong.Label(enum, fmt.Sprint(v)) },
		"values": huitong.Values,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(cst).Format("2006-01-02")
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.In(cst).Format("2006-01-02 15:04")
		},
		// deadline shows a time limit that ends at midnight in Beijing, as
		// working-day limits do, as "2026-03-20 24:00" rather than as the
		// first minute of the next day.
		"deadline": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			c := t.In(cst)
			if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 {
				return c.AddDate(0, 0, -1).Format("2006-01-02") + " 24:00"
			}
			return c.Format("2006-01-02 15:04")
		},
		"dept": func(code string) string {
			// NB: the catalog caches names, so this reads the database at
			// most once per department.
			return s.Catalog.DepartmentName(context.Background(), code)
		},
		"division": func(code string) string {
			if n := divisions.FullName(code); n != "" {
				return n
			}
			return code
		},
		"roleLabel": func(r huitong.Role) string { return r.Label() },
		"action":    actionLabel,
		"add":       func(a, b int) int { return a + b },
		"join":      strings.Join,
		"methods": func(ms []huitong.ShareMethod) string {
			out := make([]string, len(ms))
			for i, m := range ms {
				out[i] = huitong.Label("shareMethod", string(m))
			}
			return strings.Join(out, "、")
		},
		"contains": func(list []string, v string) bool { return slices.Contains(list, v) },
		// platformSource names the platform's own API a mount URL is, or "".
		"platformSource": func(u string) string { return huitong.PlatformSources[u] },
		// elementValue shows a value of a data element, with its name in
		// the element's national code table when it has one: "女(2)".
		"elementValue": func(element, value string) string {
			if s.Ingest == nil {
				return value
			}
			reg, err := s.Ingest.Quality.Registry(context.Background()) // cached
			if err != nil {
				return value
			}
			if e := reg.Element(element); e != nil {
				if l := quality.CodeLabel(e.Rule, e.Role, value); l != "" {
					return l + "(" + value + ")"
				}
			}
			return value
		},
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic("web: " + err.Error())
	}
	pages := map[string]*template.Template{}
	for _, name := range names {
		base := path.Base(name)
		if base == "layout.html" {
			continue
		}
		t := template.Must(template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", name))
		pages[strings.TrimSuffix(base, ".html")] = t
	}
	return pages
}

// actionLabel names a change record's action in Chinese.
func actionLabel(a string) string {
	switch a {
	case "create":
		return "登记"
	case "update":
		return "修改"
	case "revise":
		return "修订(新版本)"
	case "submit":
		return "提交审核"
	case "publish":
		return "发布"
	case "reject":
		return "退回"
	case "withdraw":
		return "撤销"
	case "import":
		return "导入"
	}
	return a
}

// newView fills the common parts of a page.
func (s *Server) newView(r *http.Request, rq *request, title, nav string, data any) *view {
	v := &view{Title: title, Nav: nav, Platform: s.platform(r), Version: s.Version, Data: data}
	if rq != nil {
		v.User, v.P, v.DeptName, v.CSRF, v.Flash = rq.user, rq.p, rq.deptName, rq.csrf, rq.flash
		for _, role := range rq.user.Roles {
			v.Roles = append(v.Roles, role.Label())
		}
	}
	return v
}

// render executes the page template into a buffer first, so a template
// error becomes a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("web: no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("web: render %s: %w", page, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// errorData is what the error page shows.
type errorData struct {
	Status    int
	Heading   string
	Message   string
	RequestID string
}

// fail answers with an error page. Errors of the platform's own type show
// their message (written for people); anything else is logged with the
// request id and shown only as an internal error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, rq *request, err error) {
	code := huitong.ErrorCode(err)
	d := errorData{Status: httpapi.Status(code), RequestID: httpapi.RequestID(r.Context())}
	switch code {
	case huitong.EUNAUTHORIZED:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case huitong.ENOTFOUND:
		d.Heading, d.Message = "页面或资源不存在", huitong.ErrorMessage(err)
	case huitong.EFORBIDDEN:
		d.Heading, d.Message = "无权访问", huitong.ErrorMessage(err)
	case huitong.EINTERNAL, huitong.EUNAVAILABLE:
		s.Log.ErrorContext(r.Context(), "web: request failed", "err", err, "requestId", d.RequestID, "path", r.URL.Path)
		d.Heading, d.Message = "系统内部错误", "处理请求时发生错误，请稍后重试；如问题持续，请将请求编号告知平台运维。"
	default:
		d.Heading, d.Message = "请求无法处理", huitong.ErrorMessage(err)
	}
	v := s.newView(r, rq, d.Heading, "", d)
	if rerr := s.render(w, r, d.Status, "error", v); rerr != nil {
		s.Log.ErrorContext(r.Context(), "web: render error page", "err", rerr, "requestId", d.RequestID)
		http.Error(w, "内部错误，请求编号 "+d.RequestID, http.StatusInternalServerError)
	}
}

// flash is a one-time message shown after a redirect.
type flash struct {
	Error   bool
	Message string
}

// redirect sends the browser to target (303) with a flash message for the
// next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, target string, isError bool, msg string) {
	if msg != "" {
		kind := "ok"
		if isError {
			kind = "err"
		}
		if rs := []rune(msg); len(rs) > 500 {
			msg = string(rs[:500]) + "…"
		}
		s.setCookie(w, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(kind+"|"+msg)), "/", time.Time{})
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeFlash reads and clears the flash message, if any.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	s.clearCookie(w, flashCookie, "/")
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	kind, msg, ok := strings.Cut(string(b), "|")
	if !ok || msg == "" {
		return nil
	}
	return &flash{Error: kind == "err", Message: msg}
}
