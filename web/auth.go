package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"huitong"
	"huitong/httpapi"
	"huitong/identity"
)

// loginData is what the sign-in page shows.
type loginData struct {
	Username string
	Next     string
	CSRF     string
	Error    string
}

// safeNext returns next when it is a path on this site, else "/". Only
// paths starting with one "/" are allowed: "//host" and "/\host" would send
// the browser to another site, and control characters have no place in a
// path.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	return next
}

// loginToken returns the double-submit token of the sign-in form, setting
// the cookie when the browser has none.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) string {
	return s.doubleSubmit(w, r, loginCSRF, "/login")
}

// doubleSubmit returns the token a form without a session carries, from
// the cookie name (limited to path), setting the cookie when the browser
// has none.
func (s *Server) doubleSubmit(w http.ResponseWriter, r *http.Request, name, path string) string {
	if c, err := r.Cookie(name); err == nil && len(c.Value) == 43 {
		return c.Value
	}
	b := make([]byte, 32)
	rand.Read(b)
	tok := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, name, tok, path, time.Time{})
	return tok
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request, _ *request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if rq, err := s.authenticate(r); err == nil && rq != nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return nil
	}
	d := &loginData{Next: next, CSRF: s.loginToken(w, r)}
	return s.render(w, r, http.StatusOK, "login", s.newView(r, nil, "登录", "", d))
}

// login checks the double-submit token and the credentials, and opens a
// web session. Wrong credentials, a locked or a disabled account re-show
// the form with identity's message.
func (s *Server) login(w http.ResponseWriter, r *http.Request, _ *request) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	d := &loginData{Username: strings.TrimSpace(r.PostFormValue("username")), Next: safeNext(r.PostFormValue("next"))}
	c, cerr := r.Cookie(loginCSRF)
	got := r.PostFormValue(csrfField)
	if !sameOrigin(r) || cerr != nil || got == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) != 1 {
		d.CSRF = s.loginToken(w, r)
		d.Error = "登录表单已失效，请重新输入后提交"
		return s.render(w, r, http.StatusForbidden, "login", s.newView(r, nil, "登录", "", d))
	}
	d.CSRF = c.Value
	login, err := s.Identity.Login(r.Context(), d.Username, r.PostFormValue("password"), identity.KindWeb)
	if err != nil {
		code := huitong.ErrorCode(err)
		switch code {
		case huitong.EUNAUTHORIZED, huitong.ERATELIMIT, huitong.EFORBIDDEN:
			d.Error = huitong.ErrorMessage(err)
		default:
			rid := httpapi.RequestID(r.Context())
			s.Log.ErrorContext(r.Context(), "web: login", "err", err, "requestId", rid)
			d.Error = "登录服务暂时不可用，请稍后重试(请求编号 " + rid + ")"
		}
		return s.render(w, r, httpapi.Status(code), "login", s.newView(r, nil, "登录", "", d))
	}
	s.setCookie(w, sessionCookie, login.Token, "/", login.ExpiresAt)
	s.clearCookie(w, loginCSRF, "/login")
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
	return nil
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, rq *request) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Identity.Logout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearCookie(w, sessionCookie, "/")
	s.redirect(w, r, "/login", false, "")
	return nil
}
