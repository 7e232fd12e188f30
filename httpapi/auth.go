package httpapi

import (
	"net/http"
	"strconv"

	"huitong"
	"huitong/identity"
)

func (s *Server) registerAuth(mux *http.ServeMux) {
	s.handle(mux, "POST /api/v1/auth/token", s.public(s.createToken))
	s.handle(mux, "DELETE /api/v1/auth/token", s.authed(s.deleteToken))
	s.handle(mux, "GET /api/v1/me", s.authed(s.me))
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	login, err := s.Identity.Login(r.Context(), in.Username, in.Password, identity.KindAPI)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"token": login.Token, "expiresAt": login.ExpiresAt, "user": login.User})
}

func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	p := caller(r.Context())
	if p.SessionID == "" {
		return huitong.Errorf(huitong.EINVALID, "API 密钥请用 DELETE /api/v1/apikeys/{id} 吊销")
	}
	_, rest, _ := cutBearer(r.Header.Get("Authorization"))
	if err := s.Identity.Logout(r.Context(), rest); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func cutBearer(h string) (string, string, bool) {
	if len(h) > 7 && (h[:7] == "Bearer " || h[:7] == "bearer ") {
		return h[:6], h[7:], true
	}
	return "", "", false
}

func (s *Server) me(w http.ResponseWriter, r *http.Request) error {
	p := caller(r.Context())
	out := map[string]any{"department": p.Department, "roles": p.Roles}
	if p.UserID != 0 {
		u, err := s.Identity.User(r.Context(), p.UserID)
		if err != nil {
			return err
		}
		out["username"], out["displayName"] = u.Username, u.DisplayName
	} else {
		out["apiKey"] = p.KeyID
	}
	if d, err := s.Identity.Department(r.Context(), p.Department); err == nil {
		out["departmentName"] = d.Name
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) registerDepartments(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/departments", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		list, err := s.Identity.Departments(r.Context(), huitong.DepartmentFilter{
			Jurisdiction: q.Get("jurisdiction"), Within: q.Get("within"), Level: huitong.Level(q.Get("level")), Query: q.Get("q"),
		})
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.Department{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	}))
	s.handle(mux, "GET /api/v1/departments/{code}", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		d, err := s.Identity.Department(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, d)
	}))
	s.handle(mux, "POST /api/v1/departments", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var d huitong.Department
		if err := s.decode(w, r, &d); err != nil {
			return err
		}
		if err := s.Identity.CreateDepartment(r.Context(), &d); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, d)
	}))
}

func (s *Server) registerUsers(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/users", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Identity.Users(r.Context(), huitong.UserFilter{Department: r.URL.Query().Get("department")})
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.User{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	}))
	s.handle(mux, "POST /api/v1/users", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Username    string         `json:"username"`
			DisplayName string         `json:"displayName"`
			Department  string         `json:"department"`
			Roles       []huitong.Role `json:"roles"`
			Password    string         `json:"password"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		if in.Department == "" {
			in.Department = caller(r.Context()).Department
		}
		u := &huitong.User{Username: in.Username, DisplayName: in.DisplayName, Department: in.Department, Roles: in.Roles}
		if err := s.Identity.CreateUser(r.Context(), u, in.Password); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, u)
	}))
	s.handle(mux, "POST /api/v1/users/{id}/unlock", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return huitong.Errorf(huitong.ENOTFOUND, "用户不存在")
		}
		if err := s.Identity.Unlock(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	s.handle(mux, "POST /api/v1/me/password", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			OldPassword string `json:"oldPassword"`
			NewPassword string `json:"newPassword"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		if err := s.Identity.ChangePassword(r.Context(), in.OldPassword, in.NewPassword); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

func (s *Server) registerAPIKeys(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/apikeys", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Identity.APIKeys(r.Context(), r.URL.Query().Get("department"))
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.APIKey{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	}))
	s.handle(mux, "POST /api/v1/apikeys", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Name string `json:"name"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		secret, k, err := s.Identity.CreateAPIKey(r.Context(), in.Name)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, map[string]any{"key": secret, "id": k.ID, "prefix": k.Prefix, "name": k.Name, "department": k.Department, "createdAt": k.CreatedAt})
	}))
	s.handle(mux, "DELETE /api/v1/apikeys/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			return huitong.Errorf(huitong.ENOTFOUND, "API 密钥不存在")
		}
		if err := s.Identity.RevokeAPIKey(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

func (s *Server) registerAudit(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/audit", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		p := caller(r.Context())
		q := r.URL.Query()
		f := huitong.AuditFilter{Object: q.Get("object"), Actor: q.Get("actor"), Action: q.Get("action"), Department: q.Get("department")}
		switch {
		case p.Has(huitong.RoleOperator) || p.Has(huitong.RoleReviewer):
		case p.Has(huitong.RoleDeptAdmin):
			f.Department = p.Department
		default:
			return huitong.Errorf(huitong.EFORBIDDEN, "只有部门管理员、审核员或平台运维可以查看审计日志")
		}
		var err error
		if f.Offset, err = intParam(r, "offset", 0); err != nil {
			return err
		}
		if f.Limit, err = intParam(r, "limit", 100); err != nil {
			return err
		}
		list, err := s.DB.AuditEntries(r.Context(), f)
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.AuditEntry{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
}
