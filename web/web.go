// Package web is huitong's server-rendered web UI in Chinese (zh-CN).
//
// Pages are rendered with html/template from embedded templates; every form
// works without JavaScript, and a small embedded script only adds
// conveniences. Security rules every page follows:
//   - the session is the HttpOnly cookie "huitong_session" (SameSite=Lax,
//     Secure when Server.SecureCookies is set);
//   - every POST carries the session's CSRF token in the hidden field
//     "csrf", compared in constant time, and when the browser sends an
//     Origin header it must name this host; the sign-in form, which has no
//     session yet, uses a double-submit cookie ("huitong_csrf") instead;
//   - a Content-Security-Policy without inline scripts or styles;
//   - form bodies are capped at 1 MiB;
//   - error pages never show internal error text, only a request id.
package web

import (
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/exchange"
	"huitong/identity"
	"huitong/ingest"
	"huitong/store"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Cookie and form field names.
const (
	sessionCookie = "huitong_session"
	loginCSRF     = "huitong_csrf"
	flashCookie   = "huitong_flash"
	csrfField     = "csrf"
)

// maxForm caps a form body.
const maxForm = 1 << 20

// contentSecurityPolicy allows only this origin's scripts and styles, and
// no framing.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"

// Server serves the web UI.
type Server struct {
	Identity      *identity.Service
	Catalog       *catalog.Service
	Certs         *cert.Service     // certificate library (电子证照) and seals; no certificate pages when nil
	Exchange      *exchange.Service // sharing and exchange (共享交换); a placeholder page when nil
	Ingest        *ingest.Service   // aggregation and quality governance (数据归集与治理); a placeholder page when nil
	MaxUpload     int64             // largest file the 数据上报 page streams into a delivery, in bytes; 0 means DefaultMaxUpload (2 GiB); the binary sets HUITONG_INGEST_MAX_SIZE
	DB            *store.DB
	Log           *slog.Logger
	Version       string
	SecureCookies bool

	pages map[string]*template.Template

	platformMu   sync.Mutex
	platformName string // the data authority's name, once known
}

// Register adds the pages to mux: sign-in, the dashboard, the catalog,
// administration, placeholders for capabilities still being built, the
// static files under /static/, and a Chinese 404 page for any other path
// not claimed by a more specific pattern (/api/, /healthz, /metrics).
// It panics if the embedded templates do not parse, a programming error.
func (s *Server) Register(mux *http.ServeMux) {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	s.pages = mustParsePages(s)

	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic("web: " + err.Error())
	}
	files := http.StripPrefix("/static/", http.FileServerFS(static))
	mux.Handle("GET "+cjkFontPath, http.HandlerFunc(serveCJKFont))
	mux.Handle("GET /static/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", contentSecurityPolicy)
		if strings.HasSuffix(r.URL.Path, "/") { // no directory listings
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	}))

	mux.Handle("GET /login", s.public(s.loginPage))
	mux.Handle("POST /login", s.public(s.login))
	mux.Handle("POST /logout", s.page(s.logout))

	mux.Handle("GET /{$}", s.page(s.dashboard))
	s.registerCatalog(mux)
	s.registerAdmin(mux)
	s.registerCerts(mux)
	s.registerHolder(mux)
	s.registerExchange(mux)
	s.registerGovernance(mux)
	for path := range construction {
		mux.Handle("GET "+path, s.page(s.underConstruction))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Signed-in people keep their navigation on the 404 page.
		setPageHeaders(w)
		rq, err := s.authenticate(r)
		if err != nil {
			rq = nil
		}
		s.fail(w, r, rq, huitong.Errorf(huitong.ENOTFOUND, "页面不存在: %s", r.URL.Path))
	}))
}

// request is what a page handler knows about the person asking.
type request struct {
	p        *huitong.Principal
	user     *huitong.User
	csrf     string
	deptName string
	flash    *flash
}

// pageFunc handles a page; a returned error becomes an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request, rq *request) error

// public wraps a handler that needs no sign-in (rq is nil).
func (s *Server) public(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		if err := fn(w, r, nil); err != nil {
			s.fail(w, r, nil, err)
		}
	})
}

func setPageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("Cache-Control", "no-store")
}

// page wraps a handler that needs a signed-in person. Denied by default:
// without a valid session the browser goes to /login; a POST must pass the
// Origin and CSRF checks before the handler runs.
func (s *Server) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		rq, err := s.authenticate(r)
		if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
			s.clearCookie(w, sessionCookie, "/")
			next := "/"
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				next = r.URL.RequestURI()
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		} else if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if r.Method == http.MethodPost {
			if err := s.checkPost(w, r, rq.csrf); err != nil {
				s.fail(w, r, rq, err)
				return
			}
		} else {
			rq.flash = s.takeFlash(w, r)
		}
		r = r.WithContext(huitong.WithPrincipal(r.Context(), rq.p))
		if err := fn(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// authenticate reads the session cookie. EUNAUTHORIZED without a valid one.
func (s *Server) authenticate(r *http.Request) (*request, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	p, csrf, err := s.Identity.Session(r.Context(), c.Value)
	if err != nil {
		return nil, err
	}
	if p.UserID == 0 {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	ctx := huitong.WithPrincipal(r.Context(), p)
	u, err := s.Identity.User(ctx, p.UserID)
	if err != nil {
		return nil, err
	}
	return &request{p: p, user: u, csrf: csrf, deptName: s.Catalog.DepartmentName(ctx, p.Department)}, nil
}

// checkPost caps the body, parses the form, and checks Origin and the CSRF
// token against want.
func (s *Server) checkPost(w http.ResponseWriter, r *http.Request, want string) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if !sameOrigin(r) {
		return huitong.Errorf(huitong.EFORBIDDEN, "请求来源与本站不符，已拒绝")
	}
	got := r.PostFormValue(csrfField)
	if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return huitong.Errorf(huitong.EFORBIDDEN, "表单已失效或缺少安全令牌，请返回上一页刷新后重试")
	}
	return nil
}

// parseForm reads a form body of at most maxForm bytes, or a multipart
// upload of at most maxUpload bytes.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload)
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return huitong.Errorf(huitong.ETOOLARGE, "上传的文件超过 %d MiB 上限", maxUpload>>20)
			}
			return huitong.Errorf(huitong.EINVALID, "上传内容无法解析")
		}
		return nil
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return huitong.Errorf(huitong.ETOOLARGE, "提交的内容超过 1 MiB 上限")
		}
		return huitong.Errorf(huitong.EINVALID, "表单无法解析")
	}
	return nil
}

// sameOrigin reports whether the Origin header, when present, names the
// host the request was sent to.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	if err != nil || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, r.Host)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value, path string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: path, Expires: expires, HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1, HttpOnly: true,
		Secure: s.SecureCookies, SameSite: http.SameSiteLaxMode})
}

// platform returns the name of the department that runs the platform (the
// data authority at province level), or "" before one is registered.
func (s *Server) platform(r *http.Request) string {
	s.platformMu.Lock()
	name := s.platformName
	s.platformMu.Unlock()
	if name != "" || s.DB == nil {
		return name
	}
	list, err := s.DB.Departments(r.Context(), huitong.DepartmentFilter{Level: huitong.LevelProvince})
	if err != nil {
		s.Log.WarnContext(r.Context(), "web: platform department", "err", err)
		return ""
	}
	for _, d := range list {
		if d.Authority {
			name = d.Name
			break
		}
	}
	s.platformMu.Lock()
	s.platformName = name
	s.platformMu.Unlock()
	return name
}
