package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"time"

	"huitong"
	"huitong/catalogio"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) registerCatalogIO(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/catalog/export", s.authed(s.exportCatalog))
	s.handle(mux, "POST /api/v1/catalog/import", s.authed(s.importCatalog))
	s.handle(mux, "GET /api/v1/catalog/template", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var buf bytes.Buffer
		if err := catalogio.Template(&buf); err != nil {
			return err
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="catalog-template.xlsx"`)
		_, err := w.Write(buf.Bytes())
		return err
	}))
}

func formatParam(r *http.Request) (catalogio.Format, error) {
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		return catalogio.JSON, nil
	case "xlsx":
		return catalogio.XLSX, nil
	default:
		return "", &huitong.Error{Code: huitong.EINVALID, Message: "format: 应为 json 或 xlsx",
			Fields: []huitong.FieldError{{Field: "format", Rule: "enum", Message: "应为 json 或 xlsx"}}}
	}
}

// exportCatalog streams the entries matched by the search parameters.
// JSON streams as it is written; xlsx is built in memory first (the format
// needs it), then sent.
func (s *Server) exportCatalog(w http.ResponseWriter, r *http.Request) error {
	f, err := formatParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filter := huitong.ResourceFilter{Query: q.Get("q"), Provider: q.Get("provider"), Status: huitong.Status(q.Get("status")),
		ShareType: huitong.ShareType(q.Get("shareType")), OpenType: huitong.OpenType(q.Get("openType"))}
	name := "catalog-" + time.Now().Format("20060102")
	if f == catalogio.XLSX {
		var buf bytes.Buffer
		if _, err := catalogio.Export(r.Context(), s.Catalog, &buf, f, filter, q.Get("scope")); err != nil {
			return err
		}
		w.Header().Set("Content-Type", xlsxType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
		_, err := w.Write(buf.Bytes())
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
	_, err = catalogio.Export(r.Context(), s.Catalog, w, f, filter, q.Get("scope"))
	return err
}

// importCatalog reads the file in the body (JSON or xlsx, by ?format= or
// Content-Type) and reports per row.
func (s *Server) importCatalog(w http.ResponseWriter, r *http.Request) error {
	f, err := formatParam(r)
	if err != nil {
		return err
	}
	if r.URL.Query().Get("format") == "" && r.Header.Get("Content-Type") == xlsxType {
		f = catalogio.XLSX
	}
	submit, _ := strconv.ParseBool(r.URL.Query().Get("submit"))
	dry, _ := strconv.ParseBool(r.URL.Query().Get("dryRun"))
	body := http.MaxBytesReader(w, r.Body, s.MaxUpload)
	data, err := io.ReadAll(body)
	if err != nil {
		return huitong.Errorf(huitong.ETOOLARGE, "文件超过 %d MiB 的上限", s.MaxUpload>>20)
	}
	rep, err := catalogio.Import(r.Context(), s.Catalog, bytes.NewReader(data), f, catalogio.Options{Submit: submit, DryRun: dry, Sheet: r.URL.Query().Get("sheet")})
	if err != nil {
		return err
	}
	if rep.Codes == nil {
		rep.Codes = []string{}
	}
	if rep.Errors == nil {
		rep.Errors = []catalogio.RowError{}
	}
	return writeJSON(w, http.StatusOK, rep)
}
