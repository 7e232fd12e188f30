package web

import (
	"net/http"
	"strings"

	"huitong"
	"huitong/cert"
)

func (s *Server) registerSeals(mux *http.ServeMux) {
	mux.Handle("GET /certs/seals", s.page(s.sealsPage))
	mux.Handle("POST /certs/seals", s.page(s.createSeal))
	mux.Handle("GET /certs/seals/{id}/rotate", s.page(s.sealConfirm("rotate")))
	mux.Handle("POST /certs/seals/{id}/rotate", s.page(s.rotateSeal))
	mux.Handle("GET /certs/seals/{id}/revoke", s.page(s.sealConfirm("revoke")))
	mux.Handle("POST /certs/seals/{id}/revoke", s.page(s.revokeSeal))
}

// sealTypes are the seal types in the order the form offers them.
var sealTypes = []huitong.SealType{huitong.SealCertificate, huitong.SealOfficial, huitong.SealBusiness}

// sealTypeLabel names a seal type (GB/T 38540).
func sealTypeLabel(t huitong.SealType) string {
	switch t {
	case huitong.SealOfficial:
		return "单位公章"
	case huitong.SealCertificate:
		return "电子证照专用章"
	case huitong.SealBusiness:
		return "业务专用章"
	}
	return string(t)
}

// sealStatusLabel names a seal's state.
func sealStatusLabel(st huitong.SealStatus) string {
	switch st {
	case huitong.SealActive:
		return "在用"
	case huitong.SealRetired:
		return "已停用(已更换密钥)"
	case huitong.SealRevoked:
		return "已吊销"
	}
	return string(st)
}

// sealRow is a seal with its labels.
type sealRow struct {
	*huitong.Seal
	TypeLabel, StatusLabel string
}

func newSealRow(seal *huitong.Seal) sealRow {
	return sealRow{Seal: seal, TypeLabel: sealTypeLabel(seal.Type), StatusLabel: sealStatusLabel(seal.Status)}
}

// sealOption is a seal type offered by the form.
type sealOption struct {
	Value, Label string
}

// sealsData is what 印章管理 shows.
type sealsData struct {
	Items       []sealRow
	Operator    bool
	Departments []*huitong.Department
	Types       []sealOption
	Department  string // the creation form's department
	Filter      string // the department whose seals are listed; "" for all (operators)
}

// mayManageSeals mirrors the library's rule: a department's admin manages
// its seals, an operator any department's.
func mayManageSeals(p *huitong.Principal) error {
	if p.Has(huitong.RoleOperator) || p.Has(huitong.RoleDeptAdmin) {
		return nil
	}
	return huitong.Errorf(huitong.EFORBIDDEN, "只有部门管理员可以管理本部门的电子印章")
}

func (s *Server) sealsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := mayManageSeals(rq.p); err != nil {
		return err
	}
	ctx := r.Context()
	d := &sealsData{Operator: rq.p.Has(huitong.RoleOperator), Department: rq.p.Department}
	dept := rq.p.Department
	if d.Operator {
		dept = r.URL.Query().Get("department") // all departments when empty
		d.Filter = dept
		list, err := s.Identity.Departments(ctx, huitong.DepartmentFilter{})
		if err != nil {
			return err
		}
		d.Departments = list
	}
	seals, err := s.Certs.Seals(ctx, dept)
	if err != nil {
		return err
	}
	for _, seal := range seals {
		d.Items = append(d.Items, newSealRow(seal))
	}
	for _, t := range sealTypes {
		d.Types = append(d.Types, sealOption{Value: string(t), Label: sealTypeLabel(t)})
	}
	return s.render(w, r, http.StatusOK, "certs_seals", s.newView(r, rq, "印章管理", "cert-seals", d))
}

func (s *Server) createSeal(w http.ResponseWriter, r *http.Request, rq *request) error {
	if err := mayManageSeals(rq.p); err != nil {
		return err
	}
	req := cert.SealRequest{Name: strings.TrimSpace(r.PostFormValue("name")), Type: huitong.SealType(r.PostFormValue("type"))}
	if rq.p.Has(huitong.RoleOperator) {
		req.Department = r.PostFormValue("department")
	}
	seal, err := s.Certs.CreateSeal(r.Context(), req)
	switch huitong.ErrorCode(err) {
	case "":
		s.redirect(w, r, "/certs/seals", false, "已制作印章“"+seal.Name+"”，编号 "+seal.ID)
		return nil
	case huitong.EINVALID, huitong.ECONFLICT:
		s.redirect(w, r, "/certs/seals", true, humanMessage(err))
		return nil
	}
	return err
}

// sealConfirmData is what the confirmation page of a rotation or a
// revocation shows.
type sealConfirmData struct {
	Seal   sealRow
	Action string // rotate or revoke
	Reason string
	Error  string
}

// sealConfirm asks before rotating or revoking a seal: both cannot be
// undone, and a revocation invalidates everything the seal signed.
func (s *Server) sealConfirm(action string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *request) error {
		return s.renderSealConfirm(w, r, rq, http.StatusOK, &sealConfirmData{Action: action})
	}
}

func (s *Server) renderSealConfirm(w http.ResponseWriter, r *http.Request, rq *request, status int, d *sealConfirmData) error {
	if err := mayManageSeals(rq.p); err != nil {
		return err
	}
	seal, err := s.Certs.Seal(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !rq.p.Has(huitong.RoleOperator) && seal.Department != rq.p.Department {
		return huitong.Errorf(huitong.EFORBIDDEN, "只能管理本部门的电子印章")
	}
	d.Seal = newSealRow(seal)
	title := "更换印章密钥"
	if d.Action == "revoke" {
		title = "吊销印章"
	}
	return s.render(w, r, status, "certs_sealconfirm", s.newView(r, rq, title, "cert-seals", d))
}

func (s *Server) rotateSeal(w http.ResponseWriter, r *http.Request, rq *request) error {
	seal, err := s.Certs.RotateSeal(r.Context(), r.PathValue("id"))
	switch huitong.ErrorCode(err) {
	case "":
		s.redirect(w, r, "/certs/seals", false, "已更换密钥：新印章 "+seal.ID+" 启用，原印章 "+seal.Previous+" 停用(其已签发的证照仍然有效)")
		return nil
	case huitong.ECONFLICT:
		s.redirect(w, r, "/certs/seals", true, humanMessage(err))
		return nil
	}
	return err
}

func (s *Server) revokeSeal(w http.ResponseWriter, r *http.Request, rq *request) error {
	d := &sealConfirmData{Action: "revoke", Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	if r.PostFormValue("confirm") == "" {
		d.Error = "请勾选确认：吊销后该印章签发的全部证照都将核验为无效"
		return s.renderSealConfirm(w, r, rq, http.StatusUnprocessableEntity, d)
	}
	seal, err := s.Certs.RevokeSeal(r.Context(), r.PathValue("id"), d.Reason)
	switch huitong.ErrorCode(err) {
	case "":
		s.redirect(w, r, "/certs/seals", false, "印章 "+seal.ID+" 已吊销；请制作新印章并换发其签发的证照")
		return nil
	case huitong.EINVALID:
		d.Error = humanMessage(err)
		return s.renderSealConfirm(w, r, rq, http.StatusUnprocessableEntity, d)
	case huitong.ECONFLICT:
		s.redirect(w, r, "/certs/seals", true, humanMessage(err))
		return nil
	}
	return err
}
