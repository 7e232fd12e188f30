package cert

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/gm"
)

// hydrate fills the fields the store does not keep in columns from the
// signed payload.
func (s *Service) hydrate(c *huitong.Certificate) (*huitong.Certificate, error) {
	var d Document
	if err := json.Unmarshal(c.Payload, &d); err != nil {
		return nil, fmt.Errorf("cert: decode %s: %w", c.ID, err)
	}
	c.TypeName, c.IssuerName, c.Jurisdiction = d.Type.Name, d.Issuer.Name, d.Issuer.Jurisdiction
	c.HolderKind, c.Data = huitong.HolderKind(d.Holder.Kind), d.Data
	if from, err := time.ParseInLocation(time.DateOnly, d.ValidFrom, chinaTime); err == nil {
		c.ValidFrom = from
	}
	c.Status = c.StatusAt(s.clock.Now())
	return c, nil
}

// mask hides the holder's name and ID (for people) or code (for entities).
func mask(c *huitong.Certificate) {
	if c.HolderKind == huitong.HolderEntity {
		c.HolderID = gbcode.MaskUSCC(c.HolderID)
		return
	}
	c.HolderName, c.HolderID = gbcode.MaskName(c.HolderName), gbcode.MaskCitizenID(c.HolderID)
}

// mayAct reports whether p acts on c as the government or as c's own
// holder signed in to its wallet. Callers answer a holder's "no" as not
// found: another holder's certificate is as if it did not exist.
func mayAct(p *huitong.Principal, c *huitong.Certificate) bool {
	return isGovStaff(p) || (p.Holder != "" && c.HolderID == p.Holder)
}

// canSeeHolder reports whether p sees a certificate's holder unmasked: the
// issuer's staff and operators.
func canSeeHolder(p *huitong.Principal, c *huitong.Certificate) bool {
	return p.Has(huitong.RoleOperator) || isStaffOf(p, c.Issuer)
}

// Find returns one certificate with its data (see huitong.CertService).
// Any government account may read it; the holder is masked unless the
// caller is the issuer's staff or an operator. EINVALID for a malformed
// identifier, ENOTFOUND for an unknown one.
func (s *Service) Find(ctx context.Context, id string) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !isGovStaff(p) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "无权查看证照")
	}
	if _, err := parseID(id); err != nil {
		return nil, err
	}
	c, err := s.db.FindCertificate(ctx, id)
	if err != nil {
		return nil, err
	}
	if c, err = s.hydrate(c); err != nil {
		return nil, err
	}
	if !canSeeHolder(p, c) {
		mask(c)
	}
	return c, nil
}

// readable loads a certificate for an act that shows all of it to the
// caller (export, PDF, show code) and audits the act.
func (s *Service) readable(ctx context.Context, id, action string) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !isGovStaff(p) && p.Holder == "" {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "无权导出证照")
	}
	c, err := s.actOn(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: action, Object: id,
		Detail: audit.Detail(map[string]any{"holder": maskedKey(c.HolderID)})}); err != nil {
		return nil, err
	}
	return c, nil
}

// maskedKey names a holder in audit entries without the whole number.
func maskedKey(id string) string {
	if len(id) == 18 && (id[0] >= '0' && id[0] <= '9') && gbcode.CitizenIDCheck(id[:17]) == id[17] {
		return gbcode.MaskCitizenID(id)
	}
	return gbcode.MaskUSCC(id)
}

// List returns certificates matching f: operators see all, department
// staff only their own department's (f.Issuer is forced to it).
func (s *Service) List(ctx context.Context, f huitong.CertFilter) (*huitong.CertList, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(huitong.RoleOperator) {
		if !isStaffOf(p, p.Department) {
			return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有颁发部门工作人员或平台运维可以查询证照")
		}
		f.Issuer = p.Department
	}
	return s.list(ctx, f)
}

func (s *Service) list(ctx context.Context, f huitong.CertFilter) (*huitong.CertList, error) {
	if f.Holder != "" {
		f.Holder = holderKey(f.Holder)
	}
	certs, total, err := s.db.Certificates(ctx, f)
	if err != nil {
		return nil, err
	}
	for i, c := range certs {
		if certs[i], err = s.hydrate(c); err != nil {
			return nil, err
		}
	}
	return &huitong.CertList{Items: certs, Total: total}, nil
}

// holderKey normalises a holder ID as stored: citizen IDs with an upper
// case X, credit codes upper case.
func holderKey(s string) string {
	if id, err := gbcode.CitizenID(s); err == nil {
		return id
	}
	if code, err := gbcode.USCC(s); err == nil {
		return code
	}
	return gbcode.Normalize(s)
}

// MyWallet lists the certificates of the holder signed in to its own
// wallet (huitong.Principal.Holder), from every department, newest first,
// unmasked: they are its own. Each opening is audited (cert.wallet).
// EFORBIDDEN for any other caller.
func (s *Service) MyWallet(ctx context.Context, offset, limit int) (*huitong.CertList, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Holder == "" {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有持证人本人可以打开自己的证照夹")
	}
	if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Action: "cert.wallet", Object: maskedKey(p.Holder)}); err != nil {
		return nil, err
	}
	return s.list(ctx, huitong.CertFilter{Holder: p.Holder, Offset: offset, Limit: limit})
}

// Mine returns one of the signed-in holder's own certificates, with its
// data. ENOTFOUND for another's, as for one that does not exist;
// EFORBIDDEN for a caller that is not a holder.
func (s *Service) Mine(ctx context.Context, id string) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Holder == "" {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有持证人本人可以查看")
	}
	return s.actOn(ctx, p, id)
}

// actOn loads and hydrates certificate id for p, who must be allowed to
// act on it (mayAct): ENOTFOUND otherwise, as for one that does not
// exist; EINVALID for a malformed identifier.
func (s *Service) actOn(ctx context.Context, p *huitong.Principal, id string) (*huitong.Certificate, error) {
	if _, err := parseID(id); err != nil {
		return nil, err
	}
	c, err := s.db.FindCertificate(ctx, id)
	if err != nil {
		return nil, err
	}
	if !mayAct(p, c) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "证照不存在: %s", id)
	}
	return s.hydrate(c)
}

// HolderName returns the holder's name as its newest certificate gives
// it: the name staff open the holder's own account under (identity's
// OpenHolderAccount). Callers as for Wallet, and audited as its opening;
// ECONFLICT when the library holds no certificate of the holder.
func (s *Service) HolderName(ctx context.Context, holder string) (string, error) {
	list, err := s.Wallet(ctx, holder, 0, 1)
	if err != nil {
		return "", err
	}
	if len(list.Items) == 0 {
		return "", huitong.Errorf(huitong.ECONFLICT, "该持证主体在证照库中没有证照，无需开通证照夹")
	}
	return list.Items[0].HolderName, nil
}

// Wallet lists every certificate of a holder (citizen ID or credit code),
// from every department, newest first, for government staff at a service
// window and operators (holders open their own with MyWallet); every
// opening is audited (cert.wallet). EINVALID for a key that is neither a
// valid citizen ID number nor a valid credit code.
func (s *Service) Wallet(ctx context.Context, holder string, offset, limit int) (*huitong.CertList, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !isGovStaff(p) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "无权查看证照夹")
	}
	key := holderKey(holder)
	if _, err := gbcode.CitizenID(key); err != nil {
		if _, err2 := gbcode.USCC(key); err2 != nil {
			return nil, fieldErr("holder", RuleHolderID, "持证主体代码应为有效的公民身份号码或统一社会信用代码: %s", err.(*gbcode.Error).Message)
		}
	}
	sum := gm.SM3([]byte(key))
	if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.wallet", Object: maskedKey(key),
		Detail: audit.Detail(map[string]any{"holderSm3": hex.EncodeToString(sum[:])})}); err != nil {
		return nil, err
	}
	return s.list(ctx, huitong.CertFilter{Holder: key, Offset: offset, Limit: limit})
}
