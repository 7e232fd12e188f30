package cert

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/store"
)

// issueCtx is what issuing needs to know about a type and an issuer,
// resolved once per request or batch.
type issueCtx struct {
	t    *huitong.CertType
	dept *huitong.Department
	sig  *signer
	now  time.Time
	by   string

	once     sync.Once
	known    map[string]bool // the type's item codes
	today    time.Time       // midnight in China of the day of now
	todayDay string          // day(today)
	issuedAt string          // instant(now)
}

// init derives what every build of the batch shares.
func (ic *issueCtx) init() {
	ic.known = make(map[string]bool, len(ic.t.Items))
	for _, it := range ic.t.Items {
		ic.known[it.Code] = true
	}
	y, m, d := ic.now.In(chinaTime).Date()
	ic.today = time.Date(y, m, d, 0, 0, 0, 0, chinaTime)
	ic.todayDay, ic.issuedAt = day(ic.today), instant(ic.now)
}

// authorise resolves the type and the issuer and checks that p may issue
// it for the department: staff of the department, and the department
// authorised for the type (EFORBIDDEN, rule cert.not_authorised).
func (s *Service) authorise(ctx context.Context, tx *store.Tx, p *huitong.Principal, typeCode, issuer string) (*issueCtx, error) {
	if issuer == "" {
		issuer = p.Department
	}
	if !isStaffOf(p, issuer) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有颁发部门的工作人员或其系统可以颁发证照")
	}
	if typeCode == "" {
		return nil, fieldErr("type", "required", "需要证照类型代码")
	}
	t, err := tx.FindCertType(ctx, strings.ToUpper(typeCode))
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, fieldErr("type", "exists", "证照类型不存在: %s", typeCode)
	} else if err != nil {
		return nil, err
	}
	if t.Retired {
		return nil, fieldErr("type", RuleTypeRetired, "证照类型“%s”已停用，不再颁发", t.Name)
	}
	d, err := tx.FindDepartment(ctx, issuer)
	if err != nil {
		return nil, err
	}
	if !MayIssue(t, d) {
		return nil, &huitong.Error{Code: huitong.EFORBIDDEN, Message: fmt.Sprintf("%s 未获授权颁发“%s”", d.Name, t.Name),
			Fields: []huitong.FieldError{{Field: "type", Rule: RuleNotAuthorised, Message: "本部门不在该证照类型的颁发部门之列"}}}
	}
	return &issueCtx{t: t, dept: d, now: s.clock.Now().Truncate(time.Second), by: p.Actor()}, nil
}

// build checks one request against the type and returns the certificate
// and its document, unsigned. Serial must be set (or generated) by the
// caller. Every problem is added to v with field names of the request.
func (ic *issueCtx) build(req *huitong.IssueRequest, version int, v *huitong.Validation) (*huitong.Certificate, *Document) {
	ic.once.Do(ic.init)
	t := ic.t
	holderID := gbcode.Normalize(req.HolderID)
	var err error
	if t.HolderKind == huitong.HolderPerson {
		holderID, err = gbcode.CitizenIDAt(holderID, ic.now)
	} else {
		holderID, err = gbcode.USCC(holderID)
	}
	if err != nil {
		rule := gbcode.RuleOf(err)
		v.Add("holderId", RuleHolderID, "持证主体代码无效(%s): %s", rule, err.(*gbcode.Error).Message)
	}
	name := strings.TrimSpace(req.HolderName)
	if name == "" {
		v.Add("holderName", "required", "持证主体名称不能为空")
	} else if utf8.RuneCountInString(name) > 100 {
		v.Add("holderName", "length", "持证主体名称最长100个字符")
	} else if rule, msg := huitong.Hostile(name, false); rule != "" {
		v.Add("holderName", rule, "持证主体名称%s", msg)
	}
	if !isSerial(req.Serial) {
		v.Add("serial", "format", "证照编号应为1-40位数字或大写字母(GB/T 36904)，收到 %q", req.Serial)
	}
	data := make(map[string]string, len(t.Items))
	for _, it := range t.Items {
		val := strings.TrimSpace(req.Data[it.Code])
		f := "data." + it.Code
		if val == "" {
			if it.Required {
				v.Add(f, "required", "“%s”不能为空", it.Name)
			}
			continue
		}
		if it.Length > 0 && utf8.RuneCountInString(val) > it.Length {
			v.Add(f, "length", "“%s”最长%d个字符，实际%d个", it.Name, it.Length, utf8.RuneCountInString(val))
		}
		if rule, msg := huitong.Hostile(val, it.Type == huitong.TypeMemo); rule != "" {
			// The certificate shows and signs what it is given: no bytes
			// that did not decode, control or bidirectional characters
			// (line breaks only in a memo).
			v.Add(f, rule, "“%s”%s", it.Name, msg)
			continue
		}
		switch it.Type {
		case huitong.TypeDate:
			if d, err := gbcode.Date(val); err != nil {
				v.Add(f, "date", "“%s”应为日期 YYYY-MM-DD，收到 %q", it.Name, val)
			} else if !isDateOnly(val) {
				val = d.Format(time.DateOnly)
			}
		case huitong.TypeNumber:
			if !isDecimal(val, -1) {
				v.Add(f, "number", "“%s”应为数字，收到 %q", it.Name, val)
			}
		case huitong.TypeInteger:
			if _, err := strconv.ParseInt(val, 10, 64); err != nil {
				v.Add(f, "integer", "“%s”应为整数，收到 %q", it.Name, val)
			}
		case huitong.TypeMoney:
			if !isDecimal(val, 2) {
				v.Add(f, "money", "“%s”应为金额(最多两位小数)，收到 %q", it.Name, val)
			}
		case huitong.TypeBool:
			if val != "是" && val != "否" {
				v.Add(f, "bool", "“%s”应为“是”或“否”，收到 %q", it.Name, val)
			}
		}
		data[it.Code] = val
	}
	for k := range req.Data {
		if !ic.known[k] {
			v.Add("data."+k, "unknown", "证照类型“%s”没有信息项 %s", t.Name, k)
		}
	}
	from, to := ic.validity(req, v)
	// The type code and the issuer were checked when the type and the
	// department were made, the serial just now: the identifier only needs
	// its check character (GB/T 36904, ISO 7064 MOD 37,36).
	ver := "001"
	if version != 1 {
		ver = fmt.Sprintf("%03d", version)
	}
	id := gbcode.CertIDPrefix + t.Code + "." + ic.dept.Code + "." + req.Serial + "." + ver + "." + string(gbcode.CertIDCheck(t.Code+ic.dept.Code+req.Serial+ver))
	c := &huitong.Certificate{
		ID: id, TypeCode: t.Code, TypeName: t.Name, Serial: req.Serial, Version: version, Issuer: ic.dept.Code, IssuerName: ic.dept.Name,
		Jurisdiction: ic.dept.Jurisdiction, HolderKind: t.HolderKind, HolderName: name, HolderID: holderID, Data: data,
		IssuedAt: ic.now, ValidFrom: from, ValidTo: to, Status: huitong.CertValid, Source: req.Source, CreatedBy: ic.by,
	}
	doc := &Document{
		Format: PayloadFormat, ID: id, Type: DocType{Code: t.Code, Name: t.Name}, Serial: req.Serial, Version: ver,
		Issuer:   DocIssuer{Code: ic.dept.Code, Name: ic.dept.Name, Jurisdiction: ic.dept.Jurisdiction},
		Holder:   DocHolder{Kind: string(t.HolderKind), Name: name, ID: holderID, IDType: t.HolderKind.IDType()},
		IssuedAt: ic.issuedAt, ValidFrom: ic.todayDay, ValidTo: lastDay(to), Data: data,
	}
	if !from.Equal(ic.today) {
		doc.ValidFrom = day(from)
	}
	return c, doc
}

// validity works out the validity period from the request and the type's
// rule. Dates are calendar days in China; the end date is inclusive, so
// the certificate expires at midnight after it.
func (ic *issueCtx) validity(req *huitong.IssueRequest, v *huitong.Validation) (from, to time.Time) {
	from = ic.today
	if req.ValidFrom != "" {
		d, err := gbcode.Date(req.ValidFrom)
		if err != nil {
			v.Add("validFrom", "date", "有效期起始应为日期 YYYY-MM-DD，收到 %q", req.ValidFrom)
		} else {
			from = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime)
		}
	}
	rule := ic.t.Validity
	switch {
	case rule.Permanent:
		if req.ValidTo != "" {
			v.Add("validTo", "permanent", "“%s”长期有效，不能给出有效期截止日期", ic.t.Name)
		}
		return from, time.Time{}
	case req.ValidTo != "":
		d, err := gbcode.Date(req.ValidTo)
		if err != nil {
			v.Add("validTo", "date", "有效期截止应为日期 YYYY-MM-DD，收到 %q", req.ValidTo)
			return from, time.Time{}
		}
		to = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime).AddDate(0, 0, 1)
	case rule.Months > 0:
		to = from.AddDate(0, rule.Months, 0)
	default:
		v.Add("validTo", "required", "“%s”需要给出有效期截止日期", ic.t.Name)
		return from, time.Time{}
	}
	if !to.After(from) {
		v.Add("validTo", "order", "有效期截止日期早于起始日期")
	}
	if rule.MaxMonths > 0 && to.After(from.AddDate(0, rule.MaxMonths, 0).AddDate(0, 0, 1)) {
		v.Add("validTo", "max", "“%s”的有效期最长%d个月", ic.t.Name, rule.MaxMonths)
	}
	return from, to
}

// sign fills the seal part of doc, and the payload and signature of c.
// Workers of a batch call it in parallel.
func (sg *signer) sign(c *huitong.Certificate, doc *Document) error {
	doc.Seal = sg.docSeal
	if doc.Seal.ID == "" {
		doc.Seal = docSealOf(sg.seal)
	}
	c.SealID = sg.seal.ID
	c.Payload = doc.Canonical()
	sig, err := sg.key.Sign(c.Payload)
	if err != nil {
		return err
	}
	c.Signature = sig
	return nil
}

// docSealOf is the seal part of the documents a seal signs.
func docSealOf(s *huitong.Seal) DocSeal {
	return DocSeal{ID: s.ID, Name: s.Name, Fingerprint: s.Fingerprint, ValidFrom: instant(s.ValidFrom), ValidTo: instant(s.ValidTo)}
}

// isSerial reports whether s is a serial of GB/T 36904: 1-40 digits or
// upper-case letters.
func isSerial(s string) bool {
	if len(s) < 1 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// isDecimal reports whether s is an optional minus sign, digits and an
// optional fraction of at least one digit, and at most maxFrac digits
// unless maxFrac is negative: -?[0-9]+(\.[0-9]+)?
func isDecimal(s string, maxFrac int) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, dot := strings.Cut(s, ".")
	if !isDigits(whole) || (dot && !isDigits(frac)) {
		return false
	}
	return maxFrac < 0 || len(frac) <= maxFrac
}

// isDateOnly reports whether s has the shape YYYY-MM-DD, so that a date
// gbcode.Date accepted is already in the canonical form.
func isDateOnly(s string) bool {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return false
	}
	return isDigits(s[:4]) && isDigits(s[5:7]) && isDigits(s[8:])
}

// Issue signs and stores one certificate (see huitong.CertService).
func (s *Service) Issue(ctx context.Context, req *huitong.IssueRequest) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Certificate
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		ic, err := s.authorise(ctx, tx, p, req.TypeCode, req.Issuer)
		if err != nil {
			return err
		}
		r := *req
		r.Serial = strings.ToUpper(gbcode.Normalize(r.Serial))
		if r.Serial == "" {
			if r.Serial, err = s.serials(ctx, tx, ic, 1); err != nil {
				return err
			}
		}
		var v huitong.Validation
		c, doc := ic.build(&r, 1, &v)
		if err := v.Err(); err != nil {
			return err
		}
		if ic.sig, err = s.activeSigner(ctx, tx, ic.dept.Code, ic.now); err != nil {
			return err
		}
		if err := ic.sig.sign(c, doc); err != nil {
			return err
		}
		if err := tx.InsertCertificates(ctx, []*huitong.Certificate{c}); err != nil {
			if huitong.ErrorCode(err) == huitong.ECONFLICT {
				return fieldErr("serial", "unique", "证照编号 %s 已被本部门同类证照使用", r.Serial)
			}
			return err
		}
		out = c
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.issue", Object: c.ID,
			Detail: audit.Detail(map[string]any{"type": c.TypeCode, "holder": gbcode.MaskCitizenID(c.HolderID), "seal": c.SealID, "source": c.Source})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: issue: %w", err)
	}
	return out, nil
}

// serials reserves n platform-made serials for (type, issuer) and returns
// the first: the year of issue and a 7-digit counter ("20260000042"). For
// n > 1 the others follow with consecutive counters (see serialAt).
func (s *Service) serials(ctx context.Context, tx *store.Tx, ic *issueCtx, n int) (string, error) {
	first, err := tx.ReserveSequence(ctx, "cert:"+ic.t.Code+":"+ic.dept.Code, n)
	if err != nil {
		return "", err
	}
	return serialAt(ic.now, first), nil
}

// lastDay is the last valid day (inclusive, YYYY-MM-DD in China) of a
// validity that ends at the instant to; "" when to is zero (长期有效).
func lastDay(to time.Time) string {
	if to.IsZero() {
		return ""
	}
	return day(to.Add(-time.Second))
}

// ValidUntil returns the last valid day of c as people read it
// (YYYY-MM-DD, China time), or "" for 长期有效.
func ValidUntil(c *huitong.Certificate) string { return lastDay(c.ValidTo) }

func serialAt(now time.Time, n int64) string {
	return fmt.Sprintf("%d%07d", now.In(chinaTime).Year(), n)
}

// IssueForCase issues the result certificate of an approved service case
// (办件): the service hall calls it on approval. Source becomes
// "case:<caseNo>", and a second call for the same case and type returns the
// certificate already issued instead of issuing twice.
func (s *Service) IssueForCase(ctx context.Context, caseNo string, req *huitong.IssueRequest) (*huitong.Certificate, error) {
	caseNo = strings.TrimSpace(caseNo)
	if caseNo == "" {
		return nil, fieldErr("caseNo", "required", "需要办件编号")
	}
	source := "case:" + caseNo
	if existing, err := s.db.CertificateBySource(ctx, strings.ToUpper(req.TypeCode), source); err == nil {
		return s.hydrate(existing)
	} else if huitong.ErrorCode(err) != huitong.ENOTFOUND {
		return nil, err
	}
	r := *req
	r.Source = source
	return s.Issue(ctx, &r)
}

// Reissue issues the next version of a certificate with new data (变更):
// same type, issuer, serial and holder, version + 1; the old version
// becomes superseded. Staff of the issuer only; ECONFLICT when the
// certificate is not valid (revoked or already superseded).
func (s *Service) Reissue(ctx context.Context, id string, req *huitong.IssueRequest) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Certificate
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		old, err := s.findForChange(ctx, tx, p, id)
		if err != nil {
			return err
		}
		if old.Version >= 999 {
			return huitong.Errorf(huitong.ECONFLICT, "证照 %s 的版本号已用尽", id)
		}
		ic, err := s.authorise(ctx, tx, p, old.TypeCode, old.Issuer)
		if err != nil {
			return err
		}
		r := *req
		r.Serial, r.TypeCode, r.Issuer = old.Serial, old.TypeCode, old.Issuer
		if r.HolderID == "" {
			r.HolderID = old.HolderID
		}
		if r.HolderName == "" {
			r.HolderName = old.HolderName
		}
		if r.Data == nil {
			oldDoc, err := ParseDocument(old.Payload)
			if err != nil {
				return err
			}
			r.Data = maps.Clone(oldDoc.Data)
		}
		var v huitong.Validation
		c, doc := ic.build(&r, old.Version+1, &v)
		if c.HolderID != old.HolderID && c.HolderID != "" {
			v.Add("holderId", "immutable", "新版本的持证主体须与原证照相同")
		}
		if err := v.Err(); err != nil {
			return err
		}
		if ic.sig, err = s.activeSigner(ctx, tx, ic.dept.Code, ic.now); err != nil {
			return err
		}
		if err := ic.sig.sign(c, doc); err != nil {
			return err
		}
		if err := tx.InsertCertificates(ctx, []*huitong.Certificate{c}); err != nil {
			return err
		}
		old.Status, old.SupersededBy = huitong.CertSuperseded, c.ID
		if err := tx.SetCertificateStatus(ctx, old); err != nil {
			return err
		}
		out = c
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.reissue", Object: c.ID,
			Detail: audit.Detail(map[string]any{"supersedes": old.ID, "seal": c.SealID})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: reissue %s: %w", id, err)
	}
	return out, nil
}

// findForChange loads a valid certificate the caller may change.
func (s *Service) findForChange(ctx context.Context, tx *store.Tx, p *huitong.Principal, id string) (*huitong.Certificate, error) {
	if _, err := parseID(id); err != nil {
		return nil, err
	}
	c, err := tx.FindCertificate(ctx, id)
	if err != nil {
		return nil, err
	}
	if !isStaffOf(p, c.Issuer) && !p.Has(huitong.RoleOperator) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有颁发部门可以变更或注销证照")
	}
	if c.Status != huitong.CertValid {
		return nil, &huitong.Error{Code: huitong.ECONFLICT, Message: fmt.Sprintf("证照 %s 状态为“%s”，不能再变更或注销", id, c.Status.Label()),
			Fields: []huitong.FieldError{{Field: "id", Rule: RuleStatusImmutable, Message: "已注销或已被新版本取代"}}}
	}
	return c, nil
}

// Revoke ends a certificate with a reason (see huitong.CertService).
func (s *Service) Revoke(ctx context.Context, id, reason string) (*huitong.Certificate, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldErr("reason", "required", "注销证照须说明原因")
	}
	var out *huitong.Certificate
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		c, err := s.findForChange(ctx, tx, p, id)
		if err != nil {
			return err
		}
		c.Status, c.RevokedAt, c.RevokeReason = huitong.CertRevoked, s.clock.Now(), reason
		if err := tx.SetCertificateStatus(ctx, c); err != nil {
			return err
		}
		out = c
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.revoke", Object: id,
			Detail: audit.Detail(map[string]any{"reason": reason})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: revoke %s: %w", id, err)
	}
	return s.hydrate(out)
}

// parseID checks an identifier (GB/T 36904, MOD 37,36 check character):
// EINVALID with rule cert.identifier and the gbcode rule in the message.
func parseID(id string) (gbcode.CertID, error) {
	c, err := gbcode.ParseCertID(id)
	if err != nil {
		return c, &huitong.Error{Code: huitong.EINVALID, Message: "证照标识无效: " + err.(*gbcode.Error).Message,
			Fields: []huitong.FieldError{{Field: "id", Rule: RuleIdentifier + "." + gbcode.RuleOf(err), Message: err.(*gbcode.Error).Message}}}
	}
	return c, nil
}
