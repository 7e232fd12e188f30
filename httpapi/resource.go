package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"huitong"
	"huitong/catalog"
)

// providerRef is the provider as the API shows it.
type providerRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// resourceView is a catalog entry as the API shows it: the domain entry
// with the provider spelled out.
type resourceView struct {
	*huitong.Resource
	Provider providerRef `json:"provider"`
}

func (s *Server) view(ctx context.Context, r *huitong.Resource) resourceView {
	return resourceView{Resource: r, Provider: providerRef{Code: r.Provider, Name: s.Catalog.DepartmentName(ctx, r.Provider)}}
}

// resourceInput is the body of POST and PUT: a catalog entry whose provider
// may be given as a code or as {"code": ...}.
type resourceInput struct {
	huitong.Resource
	Provider json.RawMessage `json:"provider,omitempty"`
}

func (in *resourceInput) toResource() (*huitong.Resource, error) {
	r := in.Resource
	if len(in.Provider) > 0 && string(in.Provider) != "null" {
		var code string
		if err := json.Unmarshal(in.Provider, &code); err != nil {
			var ref providerRef
			if err := json.Unmarshal(in.Provider, &ref); err != nil {
				return nil, &huitong.Error{Code: huitong.EINVALID, Message: "provider: 应为部门统一社会信用代码或 {\"code\": ...}",
					Fields: []huitong.FieldError{{Field: "provider", Rule: "type", Message: "应为部门统一社会信用代码或 {\"code\": ...}"}}}
			}
			code = ref.Code
		}
		r.Provider = code
	}
	return &r, nil
}

// resourceCode reads the entry code from the path. Codes contain a slash
// ("301001/000001"); clients may send it plain, as two path segments, or
// escaped as %2F in one.
func resourceCode(r *http.Request) string {
	if c := r.PathValue("class"); c != "" {
		return c + "/" + r.PathValue("seq")
	}
	return r.PathValue("code")
}

// handleCode registers pattern (containing {code}) in both code forms.
func (s *Server) handleCode(mux *http.ServeMux, pattern string, h http.Handler) {
	s.handle(mux, pattern, h)
	mux.Handle(replaceCode(pattern), h)
}

func replaceCode(pattern string) string {
	for i := 0; i+6 <= len(pattern); i++ {
		if pattern[i:i+6] == "{code}" {
			return pattern[:i] + "{class}/{seq}" + pattern[i+6:]
		}
	}
	return pattern
}

func (s *Server) registerResources(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/resources", s.authed(s.searchResources))
	s.handle(mux, "POST /api/v1/resources", s.authed(s.createResource))
	s.handleCode(mux, "GET /api/v1/resources/{code}", s.authed(s.getResource))
	s.handleCode(mux, "PUT /api/v1/resources/{code}", s.authed(s.updateResource))
	s.handleCode(mux, "GET /api/v1/resources/{code}/versions", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Catalog.Versions(r.Context(), resourceCode(r))
		if err != nil {
			return err
		}
		out := make([]resourceView, len(list))
		for i, v := range list {
			out[i] = s.view(r.Context(), v)
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": out})
	}))
	s.handleCode(mux, "GET /api/v1/resources/{code}/changes", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Catalog.Changes(r.Context(), resourceCode(r))
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.Change{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	type reasonBody struct {
		Reason string `json:"reason"`
	}
	action := func(fn func(ctx context.Context, code, reason string) (*huitong.Resource, error), needReason bool) http.Handler {
		return s.authed(func(w http.ResponseWriter, r *http.Request) error {
			var in reasonBody
			if needReason || r.ContentLength > 0 {
				if err := s.decode(w, r, &in); err != nil {
					return err
				}
			}
			res, err := fn(r.Context(), resourceCode(r), in.Reason)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, s.view(r.Context(), res))
		})
	}
	noReason := func(fn func(ctx context.Context, code string) (*huitong.Resource, error)) func(ctx context.Context, code, reason string) (*huitong.Resource, error) {
		return func(ctx context.Context, code, _ string) (*huitong.Resource, error) { return fn(ctx, code) }
	}
	s.handleCode(mux, "POST /api/v1/resources/{code}/submit", action(noReason(s.Catalog.Submit), false))
	s.handleCode(mux, "POST /api/v1/resources/{code}/publish", action(noReason(s.Catalog.Publish), false))
	s.handleCode(mux, "POST /api/v1/resources/{code}/reject", action(s.Catalog.Reject, true))
	s.handleCode(mux, "POST /api/v1/resources/{code}/withdraw", action(s.Catalog.Withdraw, true))
}

// listItem is one search result: the fields the contract names plus a few
// that lists show.
type listItem struct {
	Code           string                 `json:"code"`
	Name           string                 `json:"name"`
	Abstract       string                 `json:"abstract"`
	Provider       providerRef            `json:"provider"`
	Classification huitong.Classification `json:"classification"`
	Level          huitong.Level          `json:"level"`
	Jurisdiction   string                 `json:"jurisdiction"`
	Format         huitong.Format         `json:"format"`
	ShareType      huitong.ShareType      `json:"shareType"`
	OpenType       huitong.OpenType       `json:"openType"`
	UpdateCycle    huitong.UpdateCycle    `json:"updateCycle"`
	Status         huitong.Status         `json:"status"`
	Version        int                    `json:"version"`
	Mount          huitong.MountKind      `json:"mount"`
	UpdatedAt      any                    `json:"updatedAt"`
	PublishedAt    any                    `json:"publishedAt,omitempty"`
}

func (s *Server) searchResources(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := huitong.ResourceFilter{
		Query: q.Get("q"), Provider: q.Get("provider"), Level: huitong.Level(q.Get("level")), Class: huitong.Class(q.Get("class")),
		Classification: q.Get("classification"), ShareType: huitong.ShareType(q.Get("shareType")), OpenType: huitong.OpenType(q.Get("openType")),
		UpdateCycle: huitong.UpdateCycle(q.Get("updateCycle")), Status: huitong.Status(q.Get("status")),
	}
	var v huitong.Validation
	for _, c := range []struct{ field, enum, value string }{
		{"level", "level", string(f.Level)}, {"class", "class", string(f.Class)}, {"shareType", "shareType", string(f.ShareType)},
		{"openType", "openType", string(f.OpenType)}, {"updateCycle", "updateCycle", string(f.UpdateCycle)}, {"status", "status", string(f.Status)},
	} {
		if c.value != "" && !huitong.Valid(c.enum, c.value) {
			v.Add(c.field, "enum", "取值 %q 无效，应为 %v 之一", c.value, huitong.Values(c.enum))
		}
	}
	scope := q.Get("scope")
	if scope != "" && scope != catalog.ScopePublished && scope != catalog.ScopeWorking {
		v.Add("scope", "enum", "应为 published 或 working")
	}
	if err := v.Err(); err != nil {
		return err
	}
	var err error
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 20); err != nil {
		return err
	}
	list, err := s.Catalog.SearchScope(r.Context(), f, scope)
	if err != nil {
		return err
	}
	items := make([]listItem, len(list.Items))
	for i, e := range list.Items {
		items[i] = listItem{Code: e.Code, Name: e.Name, Abstract: e.Abstract, Provider: providerRef{e.Provider, s.Catalog.DepartmentName(r.Context(), e.Provider)},
			Classification: e.Classification, Level: e.Level, Jurisdiction: e.Jurisdiction, Format: e.Format, ShareType: e.ShareType, OpenType: e.OpenType,
			UpdateCycle: e.UpdateCycle, Status: e.Status, Version: e.Version, Mount: e.Mount.Kind, UpdatedAt: e.UpdatedAt}
		if !e.PublishedAt.IsZero() {
			items[i].PublishedAt = e.PublishedAt
		}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": list.Total, "facets": list.Facets,
		"offset": f.Offset, "limit": f.Limit})
}

func (s *Server) createResource(w http.ResponseWriter, r *http.Request) error {
	var in resourceInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	res, err := in.toResource()
	if err != nil {
		return err
	}
	if err := s.Catalog.Create(r.Context(), res); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/resources/"+res.Code)
	return writeJSON(w, http.StatusCreated, s.view(r.Context(), res))
}

func (s *Server) getResource(w http.ResponseWriter, r *http.Request) error {
	version, err := intParam(r, "version", 0)
	if err != nil {
		return err
	}
	res, err := s.Catalog.Find(r.Context(), resourceCode(r), version)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(r.Context(), res))
}

func (s *Server) updateResource(w http.ResponseWriter, r *http.Request) error {
	var in resourceInput
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	res, err := in.toResource()
	if err != nil {
		return err
	}
	out, err := s.Catalog.Update(r.Context(), resourceCode(r), res)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.view(r.Context(), out))
}
