package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"huitong"
	"huitong/cert"
)

func (s *Server) registerCertIssue(mux *http.ServeMux) {
	mux.Handle("GET /certs/issue", s.page(s.issuePage))
	mux.Handle("POST /certs/issue", s.page(s.issueCert))
	mux.Handle("POST /certs/issue/batch", s.page(s.issueBatch))
	mux.Handle("GET /certs/issue/template", s.page(s.batchTemplate))
}

// issueField is one input of the issue form, generated from an item of
// the certificate type.
type issueField struct {
	Code, Name string
	Kind       string // text, date, number, bool or memo
	Required   bool
	Length     int
	Value      string
	Errs       []string
}

// issueData is what 证照签发 shows: the types the department may issue,
// the form of the chosen type (or of a new version of a certificate), and
// the report of a batch.
type issueData struct {
	Types   []*huitong.CertType
	T       *huitong.CertType
	Reissue *huitong.Certificate // set when issuing a new version

	HolderName, HolderID, Serial, ValidFrom, ValidTo string
	HolderLabel, IDLabel                             string
	Fields                                           []issueField
	Errors                                           fieldErrors
	Summary                                          []string
	Problem                                          string

	Report *batchView
}

// batchView is a batch report as the page shows it.
type batchView struct {
	*cert.BatchReport
	File   string
	Errors []batchError
	IDs    []string // the first ones issued
	More   int      // how many more were issued
}

// batchError is one row problem with the field's label.
type batchError struct {
	cert.RowError
	Label string
}

// maxListedIDs bounds the identifiers a batch report lists.
const maxListedIDs = 50

// issuable lists the types the caller's department may issue now.
func (s *Server) issuable(ctx context.Context, p *huitong.Principal) ([]*huitong.CertType, error) {
	all, err := s.Certs.Types(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.Identity.Department(ctx, p.Department)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []*huitong.CertType
	for _, t := range all {
		if !t.Retired && cert.MayIssue(t, d) {
			out = append(out, t)
		}
	}
	return out, nil
}

// fieldKind is how an item is typed in.
func fieldKind(t huitong.ItemType) string {
	switch t {
	case huitong.TypeDate:
		return "date"
	case huitong.TypeNumber, huitong.TypeInteger, huitong.TypeMoney:
		return "number"
	case huitong.TypeBool:
		return "bool"
	case huitong.TypeMemo:
		return "memo"
	}
	return "text"
}

// setType fills the form's inputs for t with values from data.
func (d *issueData) setType(t *huitong.CertType, data map[string]string) {
	d.T = t
	d.HolderLabel, d.IDLabel = holderLabels(t.HolderKind)
	d.Fields = d.Fields[:0]
	for _, it := range t.Items {
		d.Fields = append(d.Fields, issueField{Code: it.Code, Name: it.Name, Kind: fieldKind(it.Type), Required: it.Required,
			Length: it.Length, Value: data[it.Code], Errs: d.Errors.Get("data." + it.Code)})
	}
}

// fieldNames label the request's fields in summaries.
var fieldNames = map[string]string{"holderName": "持证主体名称", "holderId": "持证主体代码", "serial": "证照编号",
	"validFrom": "有效期起始", "validTo": "有效期截止", "type": "证照类型", "issuer": "颁发部门"}

// fieldLabel names a request field for people, items by their names.
func fieldLabel(t *huitong.CertType, field string) string {
	if code, ok := strings.CutPrefix(field, "data."); ok && t != nil {
		for _, it := range t.Items {
			if it.Code == code {
				return it.Name
			}
		}
		return code
	}
	return cmp.Or(fieldNames[field], field)
}

// setErrors shows a failed issue's problems next to their fields and in
// the summary; an error without fields becomes the form's problem.
func (d *issueData) setErrors(t *huitong.CertType, err error) {
	d.T, d.Errors = t, fieldErrors{}
	fields := huitong.ErrorFields(err)
	if len(fields) == 0 || huitong.ErrorCode(err) != huitong.EINVALID {
		d.Problem = huitong.ErrorMessage(err)
	}
	for _, fe := range fields {
		d.Errors[fe.Field] = append(d.Errors[fe.Field], fe.Message)
		line := fe.Message
		if label := fieldLabel(t, fe.Field); !strings.Contains(line, label) {
			line = label + "：" + line
		}
		d.Summary = append(d.Summary, line)
	}
}

func (s *Server) renderIssue(w http.ResponseWriter, r *http.Request, rq *request, status int, d *issueData) error {
	title := "证照签发"
	if d.Reissue != nil {
		title = "换发证照(新版本)"
	}
	return s.render(w, r, status, "certs_issue", s.newView(r, rq, title, "cert-issue", d))
}

func (s *Server) issuePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	types, err := s.issuable(ctx, rq.p)
	if err != nil {
		return err
	}
	d := &issueData{Types: types}
	code := strings.ToUpper(r.URL.Query().Get("type"))
	if code == "" && len(types) == 1 {
		code = types[0].Code
	}
	for _, t := range types {
		if t.Code == code {
			d.setType(t, nil)
		}
	}
	return s.renderIssue(w, r, rq, http.StatusOK, d)
}

// readIssue reads the issue form into a request for t.
func readIssue(r *http.Request, t *huitong.CertType) (*huitong.IssueRequest, *issueData) {
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	req := &huitong.IssueRequest{TypeCode: t.Code, HolderName: v("holderName"), HolderID: v("holderId"), Serial: v("serial"),
		ValidFrom: v("validFrom"), ValidTo: v("validTo"), Data: map[string]string{}}
	for _, it := range t.Items {
		if val := v("data." + it.Code); val != "" {
			req.Data[it.Code] = val
		}
	}
	d := &issueData{HolderName: req.HolderName, HolderID: req.HolderID, Serial: req.Serial, ValidFrom: req.ValidFrom, ValidTo: req.ValidTo}
	return req, d
}

func (s *Server) issueCert(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	types, err := s.issuable(ctx, rq.p)
	if err != nil {
		return err
	}
	t, err := s.Certs.Type(ctx, r.PostFormValue("type"))
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		s.redirect(w, r, "/certs/issue", true, "请选择要签发的证照类型")
		return nil
	} else if err != nil {
		return err
	}
	req, d := readIssue(r, t)
	d.Types = types
	c, err := s.Certs.Issue(ctx, req)
	if err == nil {
		s.redirect(w, r, certURL(c.ID), false, fmt.Sprintf("已签发“%s”，证照编号 %s", c.TypeName, c.Serial))
		return nil
	}
	switch huitong.ErrorCode(err) {
	case huitong.EINVALID, huitong.ECONFLICT:
	default:
		return err
	}
	d.setErrors(t, err)
	d.setType(t, req.Data)
	return s.renderIssue(w, r, rq, http.StatusUnprocessableEntity, d)
}

// issueBatch issues one certificate per row of an uploaded CSV, Excel or
// JSON lines file and shows the per-row report.
func (s *Server) issueBatch(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	types, err := s.issuable(ctx, rq.p)
	if err != nil {
		return err
	}
	t, err := s.Certs.Type(ctx, r.PostFormValue("type"))
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		s.redirect(w, r, "/certs/issue", true, "请选择要批量签发的证照类型")
		return nil
	} else if err != nil {
		return err
	}
	back := "/certs/issue?type=" + url.QueryEscape(t.Code)
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.redirect(w, r, back, true, "请选择批量签发文件(.csv、.xlsx 或 .jsonl)")
		return nil
	}
	defer file.Close()
	rows, err := cert.ReadBatch(file, cert.BatchFormatFor(hdr.Filename), t)
	if huitong.ErrorCode(err) == huitong.EINVALID {
		s.redirect(w, r, back, true, hdr.Filename+"："+huitong.ErrorMessage(err))
		return nil
	} else if err != nil {
		return err
	}
	rep, err := s.Certs.IssueBatch(ctx, t.Code, rows, cert.BatchOptions{DryRun: r.PostFormValue("dryRun") != "", Partial: r.PostFormValue("partial") != ""})
	switch code := huitong.ErrorCode(err); {
	case err == nil:
	case rep == nil && (code == huitong.EINVALID || code == huitong.ECONFLICT):
		s.redirect(w, r, back, true, humanMessage(err))
		return nil
	default:
		return err
	}
	d := &issueData{Types: types}
	d.setType(t, nil)
	v := &batchView{BatchReport: rep, File: hdr.Filename}
	for _, e := range rep.Errors {
		v.Errors = append(v.Errors, batchError{RowError: e, Label: fieldLabel(t, e.Field)})
	}
	v.IDs = rep.IDs[:min(len(rep.IDs), maxListedIDs)]
	v.More = len(rep.IDs) - len(v.IDs)
	d.Report = v
	return s.renderIssue(w, r, rq, http.StatusOK, d)
}

// batchTemplate sends an empty CSV with the header a batch of the type
// needs (UTF-8 with a byte order mark, so spreadsheet programs read the
// Chinese names).
func (s *Server) batchTemplate(w http.ResponseWriter, r *http.Request, rq *request) error {
	t, err := s.Certs.Type(r.Context(), r.URL.Query().Get("type"))
	if err != nil {
		return err
	}
	header := []string{"持证主体名称", "持证主体代码", "证照编号", "有效期起始"}
	if !t.Validity.Permanent {
		header = append(header, "有效期截止")
	}
	for _, it := range t.Items {
		header = append(header, it.Name)
	}
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	if err := cw.Write(header); err != nil {
		return err
	}
	cw.Flush()
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+t.Code+`.csv"`)
	_, err = io.Copy(w, &buf)
	return err
}

// reissueForm shows the issue form filled with the certificate's data,
// for a new version (变更换发).
func (s *Server) reissueForm(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, t, err := s.changeable(r, rq)
	if err != nil {
		return err
	}
	d := &issueData{Reissue: c, HolderName: c.HolderName, HolderID: c.HolderID}
	if !t.Validity.Permanent {
		d.ValidTo = cert.ValidUntil(c)
	}
	d.setType(t, c.Data)
	return s.renderIssue(w, r, rq, http.StatusOK, d)
}

// changeable loads a certificate the caller may revoke or reissue, with
// its type: EFORBIDDEN when the caller is not its issuer, ECONFLICT when
// it is revoked or superseded.
func (s *Server) changeable(r *http.Request, rq *request) (*huitong.Certificate, *huitong.CertType, error) {
	ctx := r.Context()
	c, err := s.Certs.Find(ctx, r.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if !canChangeCert(rq.p, c) {
		if c.Status == huitong.CertRevoked || c.Status == huitong.CertSuperseded {
			return nil, nil, huitong.Errorf(huitong.ECONFLICT, "证照状态为“%s”，不能再换发", c.Status.Label())
		}
		return nil, nil, huitong.Errorf(huitong.EFORBIDDEN, "只有颁发部门可以换发证照")
	}
	t, err := s.Certs.Type(ctx, c.TypeCode)
	if err != nil {
		return nil, nil, err
	}
	return c, t, nil
}

func (s *Server) reissueCert(w http.ResponseWriter, r *http.Request, rq *request) error {
	c, t, err := s.changeable(r, rq)
	if err != nil {
		return err
	}
	req, d := readIssue(r, t)
	req.HolderID, req.Serial = "", "" // fixed: the library keeps the old ones
	d.Reissue, d.HolderID = c, c.HolderID
	out, err := s.Certs.Reissue(r.Context(), c.ID, req)
	if err == nil {
		s.redirect(w, r, certURL(out.ID), false, fmt.Sprintf("已换发第 %d 版，原证照已被新版本取代", out.Version))
		return nil
	}
	switch huitong.ErrorCode(err) {
	case huitong.EINVALID, huitong.ECONFLICT:
	default:
		return err
	}
	d.setErrors(t, err)
	d.setType(t, req.Data)
	return s.renderIssue(w, r, rq, http.StatusUnprocessableEntity, d)
}
