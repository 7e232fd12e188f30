package web

// Electronic certificates (电子证照, GB/T 36901-36906) and electronic seals
// (GB/T 38540): the signed-in pages under /certs and the public
// verification pages under /verify (certs_verify.go). The certificate
// library (package cert) checks every act; these handlers only translate.

import (
	"cmp"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/cert"
)

// registerCerts adds the certificate pages. Without a certificate library
// (Server.Certs nil) there are none.
func (s *Server) registerCerts(mux *http.ServeMux) {
	if s.Certs == nil {
		return
	}
	// Public: what the PDF's QR code (PUBLIC_URL/verify/<id>) and the show
	// code's QR code (PUBLIC_URL/verify/show?code=) lead to.
	mux.Handle("GET /verify", s.public(s.verifyIndex))
	mux.Handle("POST /verify", s.public(s.verifyUpload))
	mux.Handle("GET /verify/show", s.public(s.showCodeForm))
	mux.Handle("POST /verify/show", s.public(s.showCodeVerify))
	mux.Handle("GET /verify/{id}", s.public(s.verifyByID))
	mux.Handle("GET /certs/seals/{id}/picture", s.public(s.sealPicture))

	mux.Handle("GET /certs", s.page(s.certsPage))
	mux.Handle("GET /certs/c/{id}", s.page(s.certPage))
	mux.Handle("GET /certs/c/{id}/pdf", s.page(s.certPDF))
	mux.Handle("GET /certs/c/{id}/export", s.page(s.certExport))
	mux.Handle("POST /certs/c/{id}/revoke", s.page(s.certRevoke))
	mux.Handle("GET /certs/c/{id}/reissue", s.page(s.reissueForm))
	mux.Handle("POST /certs/c/{id}/reissue", s.page(s.reissueCert))
	mux.Handle("POST /certs/c/{id}/show", s.page(s.showCodeCreate))
	mux.Handle("GET /certs/wallet", s.page(s.walletPage))
	s.registerCertIssue(mux)
	s.registerCertTypes(mux)
	s.registerSeals(mux)
}

// certURL is the page of a certificate.
func certURL(id string) string { return "/certs/c/" + id }

// certRow is a certificate in a list, with its last valid day.
type certRow struct {
	*huitong.Certificate
	Until string // YYYY-MM-DD, or 长期有效
}

func certRows(list []*huitong.Certificate) []certRow {
	out := make([]certRow, len(list))
	for i, c := range list {
		out[i] = certRow{Certificate: c, Until: validUntil(c)}
	}
	return out
}

// validUntil is the last valid day of c as people read it.
func validUntil(c *huitong.Certificate) string {
	return cmp.Or(cert.ValidUntil(c), "长期有效")
}

// dataRow is one data item of a certificate with its label.
type dataRow struct {
	Code, Label, Value string
}

// dataRows lists the items of t in order with their values in data, then
// any values of items the type no longer has, under their codes.
func dataRows(t *huitong.CertType, data map[string]string) []dataRow {
	var rows []dataRow
	known := map[string]bool{}
	if t != nil {
		for _, it := range t.Items {
			known[it.Code] = true
			rows = append(rows, dataRow{Code: it.Code, Label: it.Name, Value: data[it.Code]})
		}
	}
	var extra []string
	for k, v := range data {
		if !known[k] && v != "" {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	for _, k := range extra {
		rows = append(rows, dataRow{Code: k, Label: k, Value: data[k]})
	}
	return rows
}

// holderLabels names the holder and its identifier for a holder kind.
func holderLabels(k huitong.HolderKind) (string, string) {
	if k == huitong.HolderEntity {
		return "持证主体", "统一社会信用代码"
	}
	return "持证人", "公民身份号码"
}

// holderKindLabel names a holder kind.
func holderKindLabel(k huitong.HolderKind) string {
	switch k {
	case huitong.HolderEntity:
		return "法人和其他组织(统一社会信用代码)"
	case huitong.HolderPerson:
		return "自然人(公民身份号码)"
	}
	return string(k)
}

// canChangeCert mirrors the library's rule for revoking and reissuing:
// the issuer's staff or an operator, while the certificate is not revoked
// or superseded.
func canChangeCert(p *huitong.Principal, c *huitong.Certificate) bool {
	if c.Status != huitong.CertValid && c.Status != huitong.CertExpired {
		return false
	}
	return p.Has(huitong.RoleOperator) || (p.Department == c.Issuer && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin)))
}

// certsListData is what 证照查询 shows.
type certsListData struct {
	Holder, Type, Status string
	Types                []*huitong.CertType
	Items                []certRow
	Pager                pager
	Operator             bool
	DeptName             string
}

// certStatuses are the stored statuses the list filters by.
var certStatuses = []huitong.CertStatus{huitong.CertValid, huitong.CertRevoked, huitong.CertSuperseded}

func (s *Server) certsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	q := r.URL.Query()
	d := &certsListData{Holder: strings.TrimSpace(q.Get("holder")), Type: q.Get("type"), Status: q.Get("status"),
		Operator: rq.p.Has(huitong.RoleOperator), DeptName: rq.deptName}
	if !slices.Contains(certStatuses, huitong.CertStatus(d.Status)) {
		d.Status = ""
	}
	f := huitong.CertFilter{Holder: d.Holder, TypeCode: d.Type, Status: huitong.CertStatus(d.Status), Limit: pageSize}
	page := 1
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 1 && n <= 5000 {
		page, f.Offset = n, (n-1)*pageSize
	}
	list, err := s.Certs.List(ctx, f)
	if err != nil {
		return err
	}
	if d.Types, err = s.Certs.Types(ctx); err != nil {
		return err
	}
	kept := url.Values{}
	for k, v := range map[string]string{"holder": d.Holder, "type": d.Type, "status": d.Status} {
		if v != "" {
			kept.Set(k, v)
		}
	}
	d.Items, d.Pager = certRows(list.Items), makePager("/certs", kept, page, list.Total)
	return s.render(w, r, http.StatusOK, "certs_list", s.newView(r, rq, "证照查询", "certs", d))
}

// certPageData is what a certificate's page shows.
type certPageData struct {
	C                     *huitong.Certificate
	Until                 string
	Data                  []dataRow
	Seal                  *sealRow
	V                     *cert.Verification
	HolderLabel, IDLabel  string
	HolderKind            string
	CanChange, CanShow    bool
	Failures              []cert.Reason
	ValidFrom, IssuedDate string
}

func (s *Server) certPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	c, err := s.Certs.Find(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	t, err := s.Certs.Type(ctx, c.TypeCode)
	if err != nil && huitong.ErrorCode(err) != huitong.ENOTFOUND {
		return err
	}
	v, err := s.Certs.Verify(ctx, c.ID)
	if err != nil {
		return err
	}
	d := &certPageData{C: c, Until: validUntil(c), Data: dataRows(t, c.Data), V: v, HolderKind: holderKindLabel(c.HolderKind),
		CanChange: canChangeCert(rq.p, c), CanShow: c.Status == huitong.CertValid, ValidFrom: c.ValidFrom.In(cst).Format(time.DateOnly)}
	d.HolderLabel, d.IDLabel = holderLabels(c.HolderKind)
	d.Failures, _ = splitReasons(v.Reasons)
	if seal, err := s.Certs.Seal(ctx, c.SealID); err == nil {
		row := newSealRow(seal)
		d.Seal = &row
	} else if huitong.ErrorCode(err) != huitong.ENOTFOUND {
		return err
	}
	return s.render(w, r, http.StatusOK, "certs_detail", s.newView(r, rq, c.TypeName, "certs", d))
}

// certPDF sends the certificate as a PDF (audited by the library).
func (s *Server) certPDF(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.sendPDF(w, r)
}

// sendPDF sends the PDF of the certificate {id} the caller in r's context
// may read: staff's or a holder's own.
func (s *Server) sendPDF(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	pdf, err := s.Certs.PDF(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.pdf"`)
	_, err = w.Write(pdf)
	return err
}

// certExport sends the exported file (payload, signature, seal and the
// seal maker's key) for offline verification (audited by the library).
func (s *Server) certExport(w http.ResponseWriter, r *http.Request, rq *request) error {
	e, err := s.Certs.Export(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.ID+`.json"`)
	_, err = w.Write(append(b, '\n'))
	return err
}

func (s *Server) certRevoke(w http.ResponseWriter, r *http.Request, rq *request) error {
	id := r.PathValue("id")
	c, err := s.Certs.Revoke(r.Context(), id, r.PostFormValue("reason"))
	switch huitong.ErrorCode(err) {
	case "":
		s.redirect(w, r, certURL(id), false, "证照“"+c.TypeName+"”已注销，在线核验将显示为无效")
		return nil
	case huitong.EINVALID, huitong.ECONFLICT:
		s.redirect(w, r, certURL(id), true, humanMessage(err))
		return nil
	}
	return err
}

// walletData is what 证照夹 shows.
type walletData struct {
	Holder string
	Error  string
	Items  []certRow
	Total  int
	Asked  bool
}

// walletLimit is how many certificates the wallet shows; a holder rarely
// has more.
const walletLimit = 200

func (s *Server) walletPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &walletData{Holder: strings.TrimSpace(r.URL.Query().Get("holder"))}
	status := http.StatusOK
	if d.Holder != "" {
		d.Asked = true
		list, err := s.Certs.Wallet(r.Context(), d.Holder, 0, walletLimit)
		switch huitong.ErrorCode(err) {
		case "":
			d.Items, d.Total = certRows(list.Items), list.Total
		case huitong.EINVALID:
			d.Error, status = humanMessage(err), http.StatusUnprocessableEntity
		default:
			return err
		}
	}
	return s.render(w, r, status, "certs_wallet", s.newView(r, rq, "证照夹", "cert-wallet", d))
}

// showData is what the page of a new show code shows.
type showData struct {
	SC      *cert.ShowCode
	C       *huitong.Certificate
	QR      template.URL // data: URL of the QR code's PNG
	Expires string
	TTL     int // minutes
	Back    string
}

// showCodeCreate makes a show code (亮证码) and shows it with its QR code
// on this response only, like a new API key.
func (s *Server) showCodeCreate(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	id := r.PathValue("id")
	back := certURL(id)
	if h := strings.TrimSpace(r.PostFormValue("holder")); h != "" {
		back = "/certs/wallet?holder=" + url.QueryEscape(h)
	}
	sc, err := s.Certs.CreateShowCode(ctx, id)
	if code := huitong.ErrorCode(err); code == huitong.ECONFLICT || code == huitong.EINVALID {
		s.redirect(w, r, back, true, humanMessage(err))
		return nil
	} else if err != nil {
		return err
	}
	c, err := s.Certs.Find(ctx, id)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "certs_show", s.newView(r, rq, "亮证", "cert-wallet", s.newShowData(sc, c, back)))
}

// newShowData is the page of a new show code, for staff and holders.
func (s *Server) newShowData(sc *cert.ShowCode, c *huitong.Certificate, back string) *showData {
	return &showData{SC: sc, C: c, Back: back, Expires: sc.ExpiresAt.In(cst).Format("2006-01-02 15:04:05"),
		TTL: int(s.Certs.Config().ShowCodeTTL / time.Minute),
		// NB: template.URL marks the value safe for src; it is our own
		// base64, never input.
		QR: template.URL("data:image/png;base64," + sc.QR)}
}
