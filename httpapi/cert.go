package httpapi

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"huitong"
	"huitong/cert"
	"huitong/ingest"
)

// registerCerts adds the certificate library's routes: types, seals,
// certificates (issue, batch, list, get, verify, export, PDF, revoke,
// reissue, show codes) and the holder's wallet.
func (s *Server) registerCerts(mux *http.ServeMux) {
	c := s.Certs
	s.handle(mux, "GET /api/v1/certificate-types", s.public(func(w http.ResponseWriter, r *http.Request) error {
		list, err := c.Types(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handle(mux, "POST /api/v1/certificate-types", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var t huitong.CertType
		if err := s.decode(w, r, &t); err != nil {
			return err
		}
		if err := c.CreateType(r.Context(), &t); err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, &t)
	}))
	s.handle(mux, "GET /api/v1/certificate-types/{code}", s.public(func(w http.ResponseWriter, r *http.Request) error {
		t, err := c.Type(r.Context(), r.PathValue("code"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, t)
	}))
	s.handle(mux, "PUT /api/v1/certificate-types/{code}", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var t huitong.CertType
		if err := s.decode(w, r, &t); err != nil {
			return err
		}
		out, err := c.UpdateType(r.Context(), r.PathValue("code"), &t)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}))
	s.handle(mux, "DELETE /api/v1/certificate-types/{code}", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		if err := c.DeleteType(r.Context(), r.PathValue("code")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))

	s.handle(mux, "GET /api/v1/seal-maker", s.public(func(w http.ResponseWriter, r *http.Request) error {
		pub, err := c.MakerPublicKey(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]string{"publicKey": string(pub.PEM()), "fingerprint": pub.Fingerprint()})
	}))
	s.handle(mux, "GET /api/v1/seals", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := c.Seals(r.Context(), r.URL.Query().Get("department"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handle(mux, "POST /api/v1/seals", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var req cert.SealRequest
		if r.ContentLength != 0 {
			if err := s.decode(w, r, &req); err != nil {
				return err
			}
		}
		seal, err := c.CreateSeal(r.Context(), req)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, seal)
	}))
	s.handle(mux, "GET /api/v1/seals/{id}", s.public(func(w http.ResponseWriter, r *http.Request) error {
		seal, err := c.Seal(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, seal)
	}))
	s.handle(mux, "GET /api/v1/seals/{id}/picture", s.public(func(w http.ResponseWriter, r *http.Request) error {
		png, err := c.SealPictureOf(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, err = w.Write(png)
		return err
	}))
	s.handle(mux, "POST /api/v1/seals/{id}/rotate", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		seal, err := c.RotateSeal(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, seal)
	}))
	s.handle(mux, "POST /api/v1/seals/{id}/revoke", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		seal, err := c.RevokeSeal(r.Context(), r.PathValue("id"), in.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, seal)
	}))

	s.handle(mux, "POST /api/v1/certificates", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var req huitong.IssueRequest
		if err := s.decode(w, r, &req); err != nil {
			return err
		}
		out, err := c.Issue(r.Context(), &req)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/v1/certificates/"+out.ID)
		return writeJSON(w, http.StatusCreated, out)
	}))
	s.handle(mux, "GET /api/v1/certificates", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		q := r.URL.Query()
		f := huitong.CertFilter{Holder: q.Get("holder"), Issuer: q.Get("issuer"), TypeCode: q.Get("type"), Status: huitong.CertStatus(q.Get("status"))}
		var err error
		if f.Offset, err = intParam(r, "offset", 0); err != nil {
			return err
		}
		if f.Limit, err = intParam(r, "limit", 20); err != nil {
			return err
		}
		list, err := c.List(r.Context(), f)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, certList(list, f))
	}))
	s.handle(mux, "POST /api/v1/certificates/batch", s.authed(s.batchIssue))
	s.handle(mux, "POST /api/v1/certificates/verify", s.public(func(w http.ResponseWriter, r *http.Request) error {
		data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
		if err != nil {
			return huitong.Errorf(huitong.ETOOLARGE, "文件超过 %d 字节的上限", s.MaxBody)
		}
		v, err := c.VerifyFile(r.Context(), data)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}))
	s.handle(mux, "GET /api/v1/certificates/{id}", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		out, err := c.Find(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}))
	s.handle(mux, "GET /api/v1/certificates/{id}/verify", s.public(func(w http.ResponseWriter, r *http.Request) error {
		v, err := c.Verify(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}))
	s.handle(mux, "GET /api/v1/certificates/{id}/export", s.authed(s.exportCert))
	s.handle(mux, "GET /api/v1/certificates/{id}/pdf", s.authed(s.certPDF))
	s.handle(mux, "POST /api/v1/certificates/{id}/revoke", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Reason string `json:"reason"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		out, err := c.Revoke(r.Context(), r.PathValue("id"), in.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}))
	s.handle(mux, "POST /api/v1/certificates/{id}/reissue", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		var req huitong.IssueRequest
		if err := s.decode(w, r, &req); err != nil {
			return err
		}
		out, err := c.Reissue(r.Context(), r.PathValue("id"), &req)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, out)
	}))
	s.handle(mux, "POST /api/v1/certificates/{id}/show", s.authed(s.showCert))
	s.handle(mux, "POST /api/v1/show-codes/verify", s.public(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Code string `json:"code"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		v, err := c.VerifyShowCode(r.Context(), in.Code, clientIP(r))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, v)
	}))
	s.handle(mux, "GET /api/v1/wallet", s.authed(func(w http.ResponseWriter, r *http.Request) error {
		offset, err := intParam(r, "offset", 0)
		if err != nil {
			return err
		}
		limit, err := intParam(r, "limit", 50)
		if err != nil {
			return err
		}
		list, err := c.Wallet(r.Context(), r.URL.Query().Get("holder"), offset, limit)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, certList(list, huitong.CertFilter{Offset: offset, Limit: limit}))
	}))
}

// exportCert answers the signed export of certificate {id}; ?download
// makes it an attachment.
func (s *Server) exportCert(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Certs.Export(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if r.URL.Query().Has("download") {
		w.Header().Set("Content-Disposition", `attachment; filename="`+e.ID+`.json"`)
	}
	return writeJSON(w, http.StatusOK, e)
}

// certPDF answers the PDF rendering of certificate {id}, never cached.
func (s *Server) certPDF(w http.ResponseWriter, r *http.Request) error {
	pdf, err := s.Certs.PDF(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+r.PathValue("id")+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(pdf)
	return err
}

// showCert makes a show code (亮证码) for certificate {id}: 201.
func (s *Server) showCert(w http.ResponseWriter, r *http.Request) error {
	sc, err := s.Certs.CreateShowCode(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, sc)
}

// certItem is one certificate in a list: the contract's id, type, holder
// and status, and what list pages show.
type certItem struct {
	ID         string             `json:"id"`
	Type       string             `json:"type"`
	TypeName   string             `json:"typeName"`
	Holder     string             `json:"holder"`
	HolderName string             `json:"holderName"`
	HolderKind huitong.HolderKind `json:"holderKind"`
	Status     huitong.CertStatus `json:"status"`
	Issuer     string             `json:"issuer"`
	IssuerName string             `json:"issuerName"`
	Serial     string             `json:"serial"`
	Version    int                `json:"version"`
	IssuedAt   any                `json:"issuedAt"`
	ValidTo    any                `json:"validTo,omitempty"`
}

func certList(list *huitong.CertList, f huitong.CertFilter) map[string]any {
	items := make([]certItem, len(list.Items))
	for i, c := range list.Items {
		items[i] = certItem{ID: c.ID, Type: c.TypeCode, TypeName: c.TypeName, Holder: c.HolderID, HolderName: c.HolderName, HolderKind: c.HolderKind,
			Status: c.Status, Issuer: c.Issuer, IssuerName: c.IssuerName, Serial: c.Serial, Version: c.Version, IssuedAt: c.IssuedAt}
		if v := cert.ValidUntil(c); v != "" {
			items[i].ValidTo = v
		}
	}
	return map[string]any{"items": items, "total": list.Total, "offset": f.Offset, "limit": f.Limit}
}

// batchIssue reads a CSV, Excel or JSON-lines file from the body and
// issues one certificate per row; ?type= names the type, ?format= csv
// (default, or by Content-Type text/csv), xlsx (or by the xlsx media
// type) or jsonl, ?dryRun=true validates only,
// ?partial=true issues the good rows despite bad ones.
func (s *Server) batchIssue(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	t, err := s.Certs.Type(r.Context(), q.Get("type"))
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return &huitong.Error{Code: huitong.EINVALID, Message: "type: 证照类型不存在: " + q.Get("type"),
			Fields: []huitong.FieldError{{Field: "type", Rule: "exists", Message: "证照类型不存在"}}}
	} else if err != nil {
		return err
	}
	format := cert.BatchFormat(q.Get("format"))
	if format == "" {
		format = cert.BatchCSV
		switch ct, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";"); strings.TrimSpace(ct) {
		case "application/x-ndjson", "application/jsonl":
			format = cert.BatchJSONL
		case ingest.XLSXType:
			format = cert.BatchXLSX
		}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxUpload))
	if err != nil {
		return huitong.Errorf(huitong.ETOOLARGE, "文件超过 %d MiB 的上限", s.MaxUpload>>20)
	}
	rows, err := cert.ReadBatch(bytes.NewReader(data), format, t)
	if err != nil {
		return err
	}
	dry, _ := strconv.ParseBool(q.Get("dryRun"))
	partial, _ := strconv.ParseBool(q.Get("partial"))
	rep, err := s.Certs.IssueBatch(r.Context(), t.Code, rows, cert.BatchOptions{Issuer: q.Get("issuer"), DryRun: dry, Partial: partial})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// clientIP is the address rate limits count: the peer's IP. NB: behind a
// load balancer every request comes from it; terminate there with a
// per-client limit too, or teach this to trust X-Forwarded-For from it.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
