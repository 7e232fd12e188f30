// Package httpapi is huitong's REST API under /api/v1: JSON in and out,
// bearer tokens or API keys, errors as {"error": {"code", "message"}}, and
// a hand-written OpenAPI 3 document that a test holds to the real routes.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/exchange"
	"huitong/identity"
	"huitong/ingest"
	"huitong/store"
)

// Server holds what the API handlers need.
type Server struct {
	Identity *identity.Service
	Catalog  *catalog.Service
	Certs    *cert.Service     // certificate library and seals
	Exchange *exchange.Service // sharing and exchange; its routes answer 503 when nil
	Ingest   *ingest.Service   // data aggregation and quality governance; its routes answer 503 when nil
	DB       *store.DB
	Log      *slog.Logger
	Version  string
	// MaxBody caps JSON request bodies (default 1 MiB); MaxUpload caps
	// file uploads (default 20 MiB).
	MaxBody, MaxUpload int64

	routes []string
}

// Routes lists the registered route patterns ("GET /api/v1/...").
func (s *Server) Routes() []string { return s.routes }

// Register adds every API route to mux.
func (s *Server) Register(mux *http.ServeMux) {
	if s.MaxBody == 0 {
		s.MaxBody = 1 << 20
	}
	if s.MaxUpload == 0 {
		s.MaxUpload = 20 << 20
	}
	s.registerAuth(mux)
	s.registerDepartments(mux)
	s.registerUsers(mux)
	s.registerAPIKeys(mux)
	s.registerResources(mux)
	s.registerCatalogIO(mux)
	s.registerAudit(mux)
	s.registerCerts(mux)
	s.registerHolder(mux)
	s.registerExchange(mux)
	s.registerIngest(mux)
	s.handle(mux, "GET /api/v1/openapi.json", s.public(s.openAPI))
	s.handle(mux, "GET /api/v1/version", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]string{"version": s.Version})
	}))
	mux.Handle("/api/", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return huitong.Errorf(huitong.ENOTFOUND, "没有这个接口: %s %s", r.Method, r.URL.Path)
	}))
}

func (s *Server) handle(mux *http.ServeMux, pattern string, h http.Handler) {
	s.routes = append(s.routes, pattern)
	mux.Handle(pattern, h)
}

// handlerFunc is an API handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// public wraps a handler that needs no credentials.
func (s *Server) public(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// authed wraps a handler that needs a principal: a bearer token from
// POST /auth/token, or an API key (Authorization: Bearer htk_... or
// X-API-Key). Denied by default: no credentials, no handler.
func (s *Server) authed(fn handlerFunc) http.Handler { return s.signedIn(s.principal, fn) }

// signedIn wraps a handler that runs as the principal resolve finds for
// the request; resolve's error is the answer otherwise.
func (s *Server) signedIn(resolve func(*http.Request) (*huitong.Principal, error), fn handlerFunc) http.Handler {
	return s.public(func(w http.ResponseWriter, r *http.Request) error {
		p, err := resolve(r)
		if err != nil {
			return err
		}
		ctx := huitong.WithPrincipal(r.Context(), p)
		if rid := RequestID(r.Context()); rid != "" {
			setLogAttr(ctx, "actor", p.Actor())
		}
		return fn(w, r.WithContext(ctx))
	})
}

func (s *Server) principal(r *http.Request) (*huitong.Principal, error) {
	token := ""
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, rest, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "Authorization 头应为 Bearer <令牌>")
		}
		token = strings.TrimSpace(rest)
	} else if k := r.Header.Get("X-API-Key"); k != "" {
		token = strings.TrimSpace(k)
	}
	if token == "" {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "需要身份凭证: Authorization: Bearer <令牌或 API 密钥>")
	}
	if strings.HasPrefix(token, "htk_") {
		return s.Identity.APIKeyPrincipal(r.Context(), token)
	}
	p, _, err := s.Identity.Session(r.Context(), token)
	return p, err
}

// statuses maps error codes to HTTP statuses.
var statuses = map[string]int{
	huitong.EINVALID:      http.StatusBadRequest,
	huitong.ENOTFOUND:     http.StatusNotFound,
	huitong.ECONFLICT:     http.StatusConflict,
	huitong.EFORBIDDEN:    http.StatusForbidden,
	huitong.EUNAUTHORIZED: http.StatusUnauthorized,
	huitong.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	huitong.ERATELIMIT:    http.StatusTooManyRequests,
	huitong.EINTERNAL:     http.StatusInternalServerError,
	huitong.EUNAVAILABLE:  http.StatusServiceUnavailable,
}

// Status returns the HTTP status for an error code.
func Status(code string) int {
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Error struct {
		Code      string               `json:"code"`
		Message   string               `json:"message"`
		Fields    []huitong.FieldError `json:"fields,omitempty"`
		RequestID string               `json:"requestId,omitempty"`
	} `json:"error"`
}

// writeError answers with the error body. Unknown errors are logged with
// the request id and shown only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := huitong.ErrorCode(err)
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Fields = code, huitong.ErrorMessage(err), huitong.ErrorFields(err)
	b.Error.RequestID = RequestID(r.Context())
	if code == huitong.EINTERNAL {
		s.Log.ErrorContext(r.Context(), "request failed", "err", err, "requestId", b.Error.RequestID, "path", r.URL.Path)
		b.Error.Message = "内部错误，请将请求编号告知平台运维: " + b.Error.RequestID
	}
	if code == huitong.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="huitong"`)
	}
	writeJSON(w, Status(code), b)
}

// WriteError writes err as an API error body; other packages serving JSON use it.
func (s *Server) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	s.writeError(w, r, err)
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if a, ok := v.(jsonAppender); ok {
		// The same bytes as the encoder's, written by hand (hot answers).
		_, err := w.Write(append(a.AppendJSON(make([]byte, 0, 512)), '\n'))
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	return enc.Encode(v)
}

// jsonAppender is a value that writes its own JSON, byte for byte what
// encoding/json.Marshal writes for it.
type jsonAppender interface{ AppendJSON([]byte) []byte }

// decode reads a JSON body into v: 413 over the limit, 400 naming the
// problem for malformed JSON, unknown fields and wrong types.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return huitong.Errorf(huitong.EINVALID, "请求体须为 application/json (收到 %s)", ct)
	}
	body := http.MaxBytesReader(w, r.Body, s.MaxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil:
		if dec.More() {
			return huitong.Errorf(huitong.EINVALID, "请求体只能包含一个 JSON 值")
		}
		return nil
	case errors.As(err, &maxErr):
		return huitong.Errorf(huitong.ETOOLARGE, "请求体超过 %d 字节的上限", maxErr.Limit)
	case errors.Is(err, io.EOF):
		return huitong.Errorf(huitong.EINVALID, "请求体为空，需要 JSON")
	case errors.As(err, &syntaxErr):
		return huitong.Errorf(huitong.EINVALID, "JSON 格式错误(第 %d 字节): %s", syntaxErr.Offset, syntaxErr.Error())
	case errors.As(err, &typeErr):
		typeErr.Field = jsonPath(typeErr.Field)
		return &huitong.Error{Code: huitong.EINVALID, Message: typeErr.Field + ": 类型应为 " + typeErr.Type.String(),
			Fields: []huitong.FieldError{{Field: typeErr.Field, Rule: "type", Message: "类型应为 " + typeErr.Type.String() + "，收到 " + typeErr.Value}}}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &huitong.Error{Code: huitong.EINVALID, Message: f + ": 未知字段",
			Fields: []huitong.FieldError{{Field: f, Rule: "unknown", Message: "未知字段"}}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return huitong.Errorf(huitong.EINVALID, "JSON 不完整")
	}
	return huitong.Errorf(huitong.EINVALID, "JSON 无法解析: %s", err.Error())
}

// jsonPath drops Go names of embedded structs from a decoder field path
// ("Resource.name" -> "name"); API field names start lower case.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "" && (p[0] < 'A' || p[0] > 'Z') {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// intParam reads a non-negative integer query parameter.
func intParam(r *http.Request, name string, def int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, &huitong.Error{Code: huitong.EINVALID, Message: name + ": 应为非负整数",
			Fields: []huitong.FieldError{{Field: name, Rule: "integer", Message: "应为非负整数"}}}
	}
	return n, nil
}

func caller(ctx context.Context) *huitong.Principal { return huitong.PrincipalFrom(ctx) }
