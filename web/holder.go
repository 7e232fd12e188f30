package web

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"

	"huitong"
	"huitong/httpapi"
	"huitong/identity"
)

// The holder's own pages under /my (持证人: a citizen or a company): sign
// in, activation with the code from a service window, the wallet, 亮证 and
// the PDF of an own certificate. Their session is the cookie
// "huitong_holder", limited to /my, apart from staff sessions: a holder's
// token opens no staff page, and a staff session no holder page.
const (
	holderCookie = "huitong_holder"
	holderCSRF   = "huitong_holder_csrf" // double-submit token of the sign-in and activation forms
	holderPath   = "/my"
)

func (s *Server) registerHolder(mux *http.ServeMux) {
	if s.Certs == nil {
		return
	}
	mux.Handle("GET /my/login", s.public(s.holderLoginPage))
	mux.Handle("POST /my/login", s.public(s.holderLogin))
	mux.Handle("GET /my/activate", s.public(s.holderActivatePage))
	mux.Handle("POST /my/activate", s.public(s.holderActivate))
	mux.Handle("GET /my", s.holderPage(s.holderWallet))
	mux.Handle("POST /my/logout", s.holderPage(s.holderLogout))
	mux.Handle("POST /my/c/{id}/show", s.holderPage(s.holderShow))
	mux.Handle("GET /my/c/{id}/pdf", s.holderPage(s.holderPDF))
	mux.Handle("POST /certs/wallet/open", s.page(s.holderOpen))
}

// holderRequest is what a holder page knows of the holder.
type holderRequest struct {
	p    *huitong.Principal
	csrf string
}

// holderView is the data of every holder page.
type holderView struct {
	Holder *huitong.Principal // nil before sign-in
	Masked string
	CSRF   string
	Error  string
	Data   any
}

func (s *Server) holderPage(fn func(w http.ResponseWriter, r *http.Request, hq *holderRequest) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		token := ""
		if c, err := r.Cookie(holderCookie); err == nil {
			token = c.Value
		}
		p, csrf, err := s.Identity.HolderSession(r.Context(), token) // EUNAUTHORIZED for none
		if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
			s.clearCookie(w, holderCookie, holderPath)
			http.Redirect(w, r, "/my/login", http.StatusSeeOther)
			return
		} else if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		hq := &holderRequest{p: p, csrf: csrf}
		if r.Method == http.MethodPost {
			if err := s.checkPost(w, r, hq.csrf); err != nil {
				s.fail(w, r, nil, err)
				return
			}
		}
		r = r.WithContext(huitong.WithPrincipal(r.Context(), hq.p))
		if err := fn(w, r, hq); err != nil {
			s.fail(w, r, nil, err)
		}
	})
}

func (s *Server) renderHolder(w http.ResponseWriter, r *http.Request, status int, page, title string, hv *holderView) error {
	if hv.Holder != nil {
		hv.Masked = identity.MaskHolder(hv.Holder.Holder, hv.Holder.HolderKind)
	}
	return s.render(w, r, status, page, s.newView(r, nil, title, "", hv))
}

// holderToken returns the double-submit token of the holder's sign-in and
// activation forms, setting its cookie when the browser has none.
func (s *Server) holderToken(w http.ResponseWriter, r *http.Request) string {
	return s.doubleSubmit(w, r, holderCSRF, holderPath)
}

// holderForm parses a sign-in or activation form and checks its
// double-submit token; false when it failed (the form is to be shown
// again with a fresh token).
func (s *Server) holderForm(w http.ResponseWriter, r *http.Request) (bool, error) {
	if err := parseForm(w, r); err != nil {
		return false, err
	}
	c, err := r.Cookie(holderCSRF)
	got := r.PostFormValue(csrfField)
	return sameOrigin(r) && err == nil && got != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) == 1, nil
}

// holderError is the message of a refused sign-in or activation: the
// identity service's for the refusals it explains, a request id otherwise.
func (s *Server) holderError(r *http.Request, err error) string {
	switch huitong.ErrorCode(err) {
	case huitong.EUNAUTHORIZED, huitong.ERATELIMIT, huitong.EFORBIDDEN, huitong.EINVALID:
		return huitong.ErrorMessage(err)
	}
	rid := httpapi.RequestID(r.Context())
	s.Log.ErrorContext(r.Context(), "web: holder sign-in", "err", err, "requestId", rid)
	return "服务暂时不可用，请稍后重试(请求编号 " + rid + ")"
}

type holderLoginData struct{ HolderID, Activated string }

func (s *Server) holderLoginPage(w http.ResponseWriter, r *http.Request, _ *request) error {
	d := &holderLoginData{Activated: r.URL.Query().Get("activated")}
	return s.renderHolder(w, r, http.StatusOK, "my_login", "持证人登录", &holderView{CSRF: s.holderToken(w, r), Data: d})
}

func (s *Server) holderLogin(w http.ResponseWriter, r *http.Request, _ *request) error {
	ok, err := s.holderForm(w, r)
	if err != nil {
		return err
	}
	d := &holderLoginData{HolderID: strings.TrimSpace(r.PostFormValue("holderId"))}
	hv := &holderView{CSRF: s.holderToken(w, r), Data: d}
	if !ok {
		hv.Error = "登录表单已失效，请重新输入后提交"
		return s.renderHolder(w, r, http.StatusForbidden, "my_login", "持证人登录", hv)
	}
	login, _, err := s.Identity.HolderLogin(r.Context(), d.HolderID, r.PostFormValue("password"))
	if err != nil {
		hv.Error = s.holderError(r, err)
		return s.renderHolder(w, r, httpapi.Status(huitong.ErrorCode(err)), "my_login", "持证人登录", hv)
	}
	s.setCookie(w, holderCookie, login.Token, holderPath, login.ExpiresAt)
	http.Redirect(w, r, "/my", http.StatusSeeOther)
	return nil
}

type holderActivateData struct{ HolderID string }

func (s *Server) holderActivatePage(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.renderHolder(w, r, http.StatusOK, "my_activate", "开通证照夹", &holderView{CSRF: s.holderToken(w, r), Data: &holderActivateData{}})
}

func (s *Server) holderActivate(w http.ResponseWriter, r *http.Request, _ *request) error {
	ok, err := s.holderForm(w, r)
	if err != nil {
		return err
	}
	d := &holderActivateData{HolderID: strings.TrimSpace(r.PostFormValue("holderId"))}
	hv := &holderView{CSRF: s.holderToken(w, r), Data: d}
	pw := r.PostFormValue("password")
	switch {
	case !ok:
		hv.Error = "表单已失效，请重新输入后提交"
		return s.renderHolder(w, r, http.StatusForbidden, "my_activate", "开通证照夹", hv)
	case pw != r.PostFormValue("password2"):
		hv.Error = "两次输入的密码不一致"
		return s.renderHolder(w, r, http.StatusUnprocessableEntity, "my_activate", "开通证照夹", hv)
	}
	if err := s.Identity.ActivateHolder(r.Context(), d.HolderID, r.PostFormValue("code"), pw); err != nil {
		hv.Error = s.holderError(r, err)
		return s.renderHolder(w, r, httpapi.Status(huitong.ErrorCode(err)), "my_activate", "开通证照夹", hv)
	}
	http.Redirect(w, r, "/my/login?activated=1", http.StatusSeeOther)
	return nil
}

type holderWalletData struct {
	Items   []certRow
	Total   int
	ShowTTL int // minutes a show code lives
}

func (s *Server) holderWallet(w http.ResponseWriter, r *http.Request, hq *holderRequest) error {
	list, err := s.Certs.MyWallet(r.Context(), 0, walletLimit)
	if err != nil {
		return err
	}
	hv := &holderView{Holder: hq.p, CSRF: hq.csrf, Data: &holderWalletData{Items: certRows(list.Items), Total: list.Total,
		ShowTTL: int(s.Certs.Config().ShowCodeTTL / time.Minute)}}
	if f := s.takeFlash(w, r); f != nil && f.Error {
		hv.Error = f.Message
	}
	return s.renderHolder(w, r, http.StatusOK, "my_wallet", "我的证照", hv)
}

func (s *Server) holderLogout(w http.ResponseWriter, r *http.Request, _ *holderRequest) error {
	if c, err := r.Cookie(holderCookie); err == nil {
		if err := s.Identity.HolderLogout(r.Context(), c.Value); err != nil {
			return err
		}
	}
	s.clearCookie(w, holderCookie, holderPath)
	http.Redirect(w, r, "/my/login", http.StatusSeeOther)
	return nil
}

// holderShow makes a show code (亮证码) for one of the holder's own
// certificates and shows it once, as the staff page does.
func (s *Server) holderShow(w http.ResponseWriter, r *http.Request, hq *holderRequest) error {
	ctx := r.Context()
	id := r.PathValue("id")
	sc, err := s.Certs.CreateShowCode(ctx, id)
	if code := huitong.ErrorCode(err); code == huitong.ECONFLICT || code == huitong.EINVALID {
		s.redirect(w, r, "/my", true, humanMessage(err))
		return nil
	} else if err != nil {
		return err
	}
	c, err := s.Certs.Mine(ctx, id)
	if err != nil {
		return err
	}
	return s.renderHolder(w, r, http.StatusOK, "my_show", "亮证", &holderView{Holder: hq.p, CSRF: hq.csrf, Data: s.newShowData(sc, c, "/my")})
}

func (s *Server) holderPDF(w http.ResponseWriter, r *http.Request, _ *holderRequest) error {
	return s.sendPDF(w, r)
}

// holderOpenData is the page that shows a new activation code once.
type holderOpenData struct {
	A    *identity.HolderActivation
	Back string
	TTL  int // hours
}

// holderOpen opens a holder's own sign-in at a service window: staff have
// checked the ID in person; the name is the one on the holder's newest
// certificate. The code is shown once, to print or copy for the holder.
func (s *Server) holderOpen(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	holder := strings.TrimSpace(r.PostFormValue("holder"))
	back := "/certs/wallet?holder=" + url.QueryEscape(holder)
	name, err := s.Certs.HolderName(ctx, holder)
	switch huitong.ErrorCode(err) {
	case "":
	case huitong.EINVALID:
		s.redirect(w, r, "/certs/wallet", true, humanMessage(err))
		return nil
	case huitong.ECONFLICT: // no certificate of the holder
		s.redirect(w, r, back, true, humanMessage(err))
		return nil
	default:
		return err
	}
	a, err := s.Identity.OpenHolderAccount(ctx, holder, name)
	if err != nil {
		return err
	}
	d := &holderOpenData{A: a, Back: back, TTL: int(identity.HolderActivationTTL / time.Hour)}
	return s.render(w, r, http.StatusOK, "certs_holderopen", s.newView(r, rq, "开通证照夹", "cert-wallet", d))
}
