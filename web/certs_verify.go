package web

import (
	"cmp"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"huitong"
	"huitong/cert"
	"huitong/httpapi"
)

// maxVerifyFile caps an uploaded export file; a real one is a few KiB.
const maxVerifyFile = 1 << 20

// verifyData is what the public verification page shows: the forms, and
// a result or a refusal.
type verifyData struct {
	Mode    string // "": the forms only; "id", "file" or "show": what was verified
	Show    bool   // the show-code page
	ID      string // the identifier asked for
	Code    string // the show code typed
	File    string // the uploaded file's name
	Result  *verifyResult
	Refusal *refusal
}

// refusal is why nothing could be verified: the heading, the library's
// message and its stable rule.
type refusal struct {
	Heading, Message, Rule string
}

// verifyResult is a verification as the page shows it.
type verifyResult struct {
	V                    *cert.Verification
	Failures, Notes      []cert.Reason
	IssuedAt, VerifiedAt string
	ValidTo              string
	HolderLabel, IDLabel string
	Data                 []dataRow // show codes only: the certificate's data
	Picture              bool      // the seal is known: show its picture
}

// notes are the rules of reasons that inform rather than fail.
var notes = map[string]bool{cert.RuleOfflineStatus: true, "cert.maker_untrusted": true}

// splitReasons separates failed checks from notes.
func splitReasons(rs []cert.Reason) (failures, info []cert.Reason) {
	for _, r := range rs {
		if notes[r.Rule] {
			info = append(info, r)
		} else {
			failures = append(failures, r)
		}
	}
	return failures, info
}

func (s *Server) newResult(v *cert.Verification) *verifyResult {
	res := &verifyResult{V: v, ValidTo: cmp.Or(v.ValidTo, "长期有效"), Picture: v.Seal.Status != "",
		VerifiedAt: v.VerifiedAt.In(cst).Format("2006-01-02 15:04:05")}
	if t, err := time.Parse(time.RFC3339, v.IssuedAt); err == nil {
		res.IssuedAt = t.In(cst).Format("2006-01-02 15:04")
	}
	res.Failures, res.Notes = splitReasons(v.Reasons)
	res.HolderLabel, res.IDLabel = holderLabels(huitong.HolderKind(v.Holder.Kind))
	return res
}

func (s *Server) renderVerify(w http.ResponseWriter, r *http.Request, status int, d *verifyData) error {
	title := "证照核验"
	if d.Show = d.Mode == "show" || r.URL.Path == "/verify/show"; d.Show {
		title = "亮证核验"
	}
	return s.render(w, r, status, "certs_verify", s.newView(r, nil, title, "verify", d))
}

// verifyIndex shows the forms; ?id= goes to that certificate's page. The
// field also takes what a handheld scanner types from a QR code: a
// certificate's verification link goes to its page, a show code's link or
// a bare 6-digit code to the show-code form, filled in (a show code is
// good for one verification, so it is not used until the verifier asks).
func (s *Server) verifyIndex(w http.ResponseWriter, r *http.Request, _ *request) error {
	if text := r.URL.Query().Get("id"); strings.TrimSpace(text) != "" {
		switch id, code := cert.ParseScan(text); {
		case code != "":
			http.Redirect(w, r, "/verify/show?code="+url.QueryEscape(code), http.StatusSeeOther)
		default:
			http.Redirect(w, r, "/verify/"+url.PathEscape(id), http.StatusSeeOther)
		}
		return nil
	}
	return s.renderVerify(w, r, http.StatusOK, &verifyData{})
}

// verifyByID verifies a certificate online by its identifier.
func (s *Server) verifyByID(w http.ResponseWriter, r *http.Request, _ *request) error {
	id := strings.TrimSpace(r.PathValue("id"))
	d := &verifyData{Mode: "id", ID: id}
	v, err := s.Certs.Verify(r.Context(), id)
	switch code := huitong.ErrorCode(err); code {
	case "":
		d.Result = s.newResult(v)
		return s.renderVerify(w, r, http.StatusOK, d)
	case huitong.EINVALID:
		d.Refusal = &refusal{Heading: "证照标识无效", Message: huitong.ErrorMessage(err), Rule: ruleOf(err)}
		return s.renderVerify(w, r, httpapi.Status(code), d)
	case huitong.ENOTFOUND:
		d.Refusal = &refusal{Heading: "查无此证", Message: "证照库中没有标识为 " + id + " 的证照。请核对证照标识；无法查到的证照不能视为有效。", Rule: "cert.not_found"}
		return s.renderVerify(w, r, http.StatusNotFound, d)
	}
	return err
}

// verifyUpload verifies an uploaded export file. It is public and has no
// side effects, so it takes no session and no CSRF token: only the file.
func (s *Server) verifyUpload(w http.ResponseWriter, r *http.Request, _ *request) error {
	d := &verifyData{Mode: "file"}
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyFile+64<<10)
	if err := r.ParseMultipartForm(maxVerifyFile); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			d.Refusal = &refusal{Heading: "文件过大", Message: "证照导出文件不超过 1 MiB，请确认上传的是本平台导出的证照文件(.json)", Rule: "file.too_large"}
			return s.renderVerify(w, r, http.StatusRequestEntityTooLarge, d)
		}
		d.Refusal = &refusal{Heading: "请选择文件", Message: "请选择要核验的证照导出文件(.json)", Rule: "file.required"}
		return s.renderVerify(w, r, http.StatusUnprocessableEntity, d)
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		d.Refusal = &refusal{Heading: "请选择文件", Message: "请选择要核验的证照导出文件(.json)", Rule: "file.required"}
		return s.renderVerify(w, r, http.StatusUnprocessableEntity, d)
	}
	defer file.Close()
	d.File = hdr.Filename
	data, err := io.ReadAll(io.LimitReader(file, maxVerifyFile))
	if err != nil {
		return err
	}
	v, err := s.Certs.VerifyFile(r.Context(), data)
	if code := huitong.ErrorCode(err); code == huitong.EINVALID {
		// The library's message carries the decoder's English detail.
		d.Refusal = &refusal{Heading: "文件无法核验", Rule: ruleOf(err),
			Message: "所选文件不是本平台导出的证照签名文件：应为证照页面“导出签名文件”生成的 .json 文件(格式 " + cert.ExportFormat + ")。"}
		return s.renderVerify(w, r, httpapi.Status(code), d)
	} else if err != nil {
		return err
	}
	d.ID, d.Result = v.ID, s.newResult(v)
	return s.renderVerify(w, r, http.StatusOK, d)
}

// showCodeForm asks for a show code. The code from the show-code QR
// (?code=) is filled in but not redeemed: a GET must not use up the
// one-time code, or link previews and prefetching would spend it before
// the verifier sees anything.
func (s *Server) showCodeForm(w http.ResponseWriter, r *http.Request, _ *request) error {
	return s.renderVerify(w, r, http.StatusOK, &verifyData{Code: strings.TrimSpace(r.URL.Query().Get("code"))})
}

// showHeadings names each refusal of a show code.
var showHeadings = map[string]string{
	cert.RuleShowUsed:       "亮证码已使用",
	cert.RuleShowExpired:    "亮证码已过期",
	cert.RuleShowUnknown:    "亮证码错误",
	cert.RuleShowLocked:     "核验已锁定",
	cert.RuleShowGlobalLock: "核验已暂停",
	cert.RuleShowRate:       "核验过于频繁",
	"format":                "亮证码格式错误",
}

// showCodeVerify redeems a show code: once, within its lifetime.
func (s *Server) showCodeVerify(w http.ResponseWriter, r *http.Request, _ *request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		return huitong.Errorf(huitong.EINVALID, "表单无法解析")
	}
	ctx := r.Context()
	d := &verifyData{Mode: "show", Code: strings.TrimSpace(r.PostFormValue("code"))}
	v, err := s.Certs.VerifyShowCode(ctx, d.Code, clientAddr(r))
	if code := huitong.ErrorCode(err); code == huitong.EINVALID || code == huitong.ENOTFOUND || code == huitong.ECONFLICT || code == huitong.ERATELIMIT {
		rule := ruleOf(err)
		d.Refusal = &refusal{Heading: cmp.Or(showHeadings[rule], "亮证码无法核验"), Message: huitong.ErrorMessage(err), Rule: rule}
		if fields := huitong.ErrorFields(err); code == huitong.EINVALID && len(fields) > 0 {
			d.Refusal.Message = fields[0].Message
		}
		return s.renderVerify(w, r, httpapi.Status(code), d)
	} else if err != nil {
		return err
	}
	d.ID, d.Result = v.ID, s.newResult(v)
	t, err := s.Certs.Type(ctx, v.Type.Code)
	if err != nil && huitong.ErrorCode(err) != huitong.ENOTFOUND {
		return err
	}
	d.Result.Data = dataRows(t, v.Data)
	return s.renderVerify(w, r, http.StatusOK, d)
}

// clientAddr is the address show-code limits count: the peer's IP.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// ruleOf returns the first field rule of err, or its code.
func ruleOf(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return huitong.ErrorCode(err)
}

// sealPicture sends a seal's PNG picture; seals are public.
func (s *Server) sealPicture(w http.ResponseWriter, r *http.Request, _ *request) error {
	png, err := s.Certs.SealPictureOf(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err = w.Write(png)
	return err
}
