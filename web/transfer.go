package web

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/catalogio"
)

// maxUpload caps a catalog file upload, matching catalogio.MaxFileSize.
const maxUpload = catalogio.MaxFileSize + 1<<20

// transferData is what the import/export page shows.
type transferData struct {
	Report *catalogio.Report
	File   string
}

func (s *Server) transferPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	return s.render(w, r, http.StatusOK, "transfer", s.newView(r, rq, "目录导入导出", "transfer", &transferData{}))
}

// exportCatalog sends the published catalog, or with scope=working the
// caller's department's latest versions, as JSON or Excel.
func (s *Server) exportCatalog(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := catalogio.JSON
	ext, ctype := "json", "application/json; charset=utf-8"
	if r.URL.Query().Get("format") == "xlsx" {
		f, ext, ctype = catalogio.XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	scope := catalog.ScopePublished
	filter := huitong.ResourceFilter{}
	if r.URL.Query().Get("scope") == catalog.ScopeWorking {
		scope, filter.Provider = catalog.ScopeWorking, rq.p.Department
	}
	var buf bytes.Buffer
	if _, err := catalogio.Export(r.Context(), s.Catalog, &buf, f, filter, scope); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="catalog-`+scope+`-`+time.Now().In(cst).Format("20060102")+`.`+ext+`"`)
	_, err := buf.WriteTo(w)
	return err
}

func (s *Server) catalogTemplate(w http.ResponseWriter, r *http.Request, rq *request) error {
	var buf bytes.Buffer
	if err := catalogio.Template(&buf); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="catalog-template.xlsx"`)
	_, err := buf.WriteTo(w)
	return err
}

// importCatalog registers the entries of an uploaded file as drafts of the
// caller's department and shows the per-row report.
func (s *Server) importCatalog(w http.ResponseWriter, r *http.Request, rq *request) error {
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.redirect(w, r, "/catalog/transfer", true, "请选择要导入的文件(.xlsx 或 .json)")
		return nil
	}
	defer file.Close()
	f := catalogio.JSON
	if strings.HasSuffix(strings.ToLower(hdr.Filename), ".xlsx") {
		f = catalogio.XLSX
	}
	opt := catalogio.Options{Submit: r.PostFormValue("submit") == "on", DryRun: r.PostFormValue("dryRun") == "on"}
	rep, err := catalogio.Import(r.Context(), s.Catalog, io.LimitReader(file, catalogio.MaxFileSize+1), f, opt)
	if err != nil {
		if code := huitong.ErrorCode(err); code == huitong.EINVALID || code == huitong.ETOOLARGE {
			s.redirect(w, r, "/catalog/transfer", true, huitong.ErrorMessage(err))
			return nil
		}
		return err
	}
	return s.render(w, r, http.StatusOK, "transfer", s.newView(r, rq, "目录导入导出", "transfer", &transferData{Report: rep, File: hdr.Filename}))
}
