package httpapi

import (
	"net/http"
	"strings"

	"huitong"
)

// registerHolder adds the holder's own API (/api/v1/holder/...): a
// person or company activates the account a service window opened, signs
// in with its ID number or credit code, and lists, reads, exports,
// downloads and shows (亮证) its own certificates, as the /my pages do.
// Holder tokens and staff tokens live apart: a holder token opens no
// other route, and a staff token or API key opens none of these.
func (s *Server) registerHolder(mux *http.ServeMux) {
	// Staff at a service window, having checked the holder's identity in
	// person, open (or reopen, for a forgotten password) its account under
	// the name on its newest certificate, as 为持证人开通证照夹 does.
	s.handle(mux, "POST /api/v1/holder-accounts", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Holder string `json:"holder"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		name, err := s.Certs.HolderName(r.Context(), in.Holder)
		if err != nil {
			return err
		}
		a, err := s.Identity.OpenHolderAccount(r.Context(), in.Holder, name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, a)
	}))
	s.handle(mux, "POST /api/v1/holder/activate", s.public(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			HolderID string `json:"holderId"`
			Code     string `json:"code"`
			Password string `json:"password"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		if err := s.Identity.ActivateHolder(r.Context(), in.HolderID, in.Code, in.Password); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	s.handle(mux, "POST /api/v1/holder/token", s.public(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			HolderID string `json:"holderId"`
			Password string `json:"password"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		login, p, err := s.Identity.HolderLogin(r.Context(), in.HolderID, in.Password)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"token": login.Token, "expiresAt": login.ExpiresAt, "holder": holderMe(p)})
	}))
	s.handle(mux, "DELETE /api/v1/holder/token", s.holderAuthed(func(w http.ResponseWriter, r *http.Request) error {
		token, _ := bearer(r)
		if err := s.Identity.HolderLogout(r.Context(), token); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	s.handle(mux, "GET /api/v1/holder/me", s.holderAuthed(func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, holderMe(caller(r.Context())))
	}))
	s.handle(mux, "GET /api/v1/holder/certificates", s.holderAuthed(func(w http.ResponseWriter, r *http.Request) error {
		offset, err := intParam(r, "offset", 0)
		if err != nil {
			return err
		}
		limit, err := intParam(r, "limit", 50)
		if err != nil {
			return err
		}
		list, err := s.Certs.MyWallet(r.Context(), offset, limit)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, certList(list, huitong.CertFilter{Offset: offset, Limit: limit}))
	}))
	s.handle(mux, "GET /api/v1/holder/certificates/{id}", s.holderAuthed(func(w http.ResponseWriter, r *http.Request) error {
		c, err := s.Certs.Mine(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, c)
	}))
	// Export, PDF and show codes are the staff routes' handlers: the
	// certificate service lets a holder act on its own certificates only.
	s.handle(mux, "GET /api/v1/holder/certificates/{id}/export", s.holderAuthed(s.exportCert))
	s.handle(mux, "GET /api/v1/holder/certificates/{id}/pdf", s.holderAuthed(s.certPDF))
	s.handle(mux, "POST /api/v1/holder/certificates/{id}/show", s.holderAuthed(s.showCert))
}

// holderAuthed wraps a handler for a holder signed in through POST
// /api/v1/holder/token (Authorization: Bearer <token>). Denied by default:
// no token, a staff token or an API key, and the handler does not run.
func (s *Server) holderAuthed(fn handlerFunc) http.Handler {
	return s.signedIn(func(r *http.Request) (*huitong.Principal, error) {
		token, err := bearer(r)
		if err != nil {
			return nil, err
		}
		p, _, err := s.Identity.HolderSession(r.Context(), token)
		return p, err
	}, fn)
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, error) {
	_, rest, ok := cutBearer(r.Header.Get("Authorization"))
	if !ok || strings.TrimSpace(rest) == "" {
		return "", huitong.Errorf(huitong.EUNAUTHORIZED, "需要持证人登录: Authorization: Bearer <令牌>")
	}
	return strings.TrimSpace(rest), nil
}

// holderMe is what the holder API says of the signed-in holder: its own
// ID number or credit code is shown to it in full.
func holderMe(p *huitong.Principal) map[string]any {
	return map[string]any{"holder": p.Holder, "holderKind": p.HolderKind, "holderName": p.HolderName}
}
