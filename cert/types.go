package cert

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/store"
)

var (
	itemCodeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,31}$`)
	colorRE    = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)
)

// itemTypes are the data types a certificate item may have.
var itemTypes = []huitong.ItemType{huitong.TypeString, huitong.TypeDate, huitong.TypeNumber, huitong.TypeInteger, huitong.TypeMoney, huitong.TypeBool, huitong.TypeMemo}

// ValidateType checks a certificate type and normalises it in place
// (codes upper-cased, the definer taken from the code). EINVALID names
// every broken field.
func ValidateType(t *huitong.CertType) error {
	var v huitong.Validation
	t.Code = strings.ToUpper(gbcode.Normalize(t.Code))
	t.Name = strings.TrimSpace(t.Name)
	if t.Code != "" {
		if len(t.Code) != 21 {
			v.Add("code", "length", "证照类型代码应为21位(定义部门统一社会信用代码18位+3位顺序号)，实际为%d位", utf8.RuneCountInString(t.Code))
		} else if _, err := gbcode.USCC(t.Code[:18]); err != nil {
			v.Add("code", gbcode.RuleOf(err), "证照类型代码前18位: %s", err.(*gbcode.Error).Message)
		} else if !isDigits(t.Code[18:]) {
			v.Add("code", "charset", "证照类型代码第19-21位应为3位数字顺序号，实际为%s", t.Code[18:])
		} else {
			t.Definer = t.Code[:18]
		}
	}
	if t.Definer != "" {
		if _, err := gbcode.USCC(t.Definer); err != nil {
			v.Add("definer", gbcode.RuleOf(err), "定义部门代码: %s", err.(*gbcode.Error).Message)
		}
	} else if t.Code == "" {
		v.Add("definer", "required", "需要定义部门的统一社会信用代码(或完整的证照类型代码)")
	}
	if t.Name == "" {
		v.Add("name", "required", "证照名称不能为空")
	} else if utf8.RuneCountInString(t.Name) > 50 {
		v.Add("name", "length", "证照名称最长50个字符")
	} else if rule, msg := huitong.Hostile(t.Name, false); rule != "" {
		v.Add("name", rule, "证照名称%s", msg)
	}
	if rule, msg := huitong.Hostile(t.DefinerName, false); rule != "" {
		v.Add("definerName", rule, "定义部门名称%s", msg)
	}
	if !t.HolderKind.Valid() {
		v.Add("holderKind", "enum", "持证主体类型应为 person(自然人) 或 entity(法人和其他组织)，收到 %q", t.HolderKind)
	}
	if len(t.Items) == 0 {
		v.Add("items", "required", "至少需要一个信息项")
	}
	seen := map[string]bool{}
	for i, it := range t.Items {
		f := fmt.Sprintf("items[%d]", i)
		if !itemCodeRE.MatchString(it.Code) {
			v.Add(f+".code", "format", "信息项代码 %q 应以字母开头，由字母、数字、下划线组成，最长32位", it.Code)
		} else if seen[it.Code] {
			v.Add(f+".code", "unique", "信息项代码 %s 重复", it.Code)
		}
		seen[it.Code] = true
		if strings.TrimSpace(it.Name) == "" {
			v.Add(f+".name", "required", "信息项名称不能为空")
		} else if rule, msg := huitong.Hostile(it.Name, false); rule != "" {
			v.Add(f+".name", rule, "信息项名称%s", msg)
		}
		if !slices.Contains(itemTypes, it.Type) {
			v.Add(f+".type", "enum", "数据类型 %q 无效，应为 C D N I Y L M 之一", it.Type)
		}
		if it.Length < 0 {
			v.Add(f+".length", "range", "长度不能为负数")
		}
	}
	if t.Validity.Months < 0 || t.Validity.MaxMonths < 0 {
		v.Add("validity", "range", "有效期月数不能为负数")
	}
	if t.Validity.Permanent && (t.Validity.Months > 0 || t.Validity.MaxMonths > 0) {
		v.Add("validity", "conflict", "长期有效的证照类型不能再规定有效期月数")
	}
	if t.Validity.MaxMonths > 0 && t.Validity.Months > t.Validity.MaxMonths {
		v.Add("validity.months", "range", "默认有效期(%d个月)超过最长有效期(%d个月)", t.Validity.Months, t.Validity.MaxMonths)
	}
	if t.Layout.Color != "" && !colorRE.MatchString(t.Layout.Color) {
		v.Add("layout.color", "format", "颜色应为 #RRGGBB")
	}
	if o := t.Layout.Orientation; o != "" && o != "portrait" && o != "landscape" {
		v.Add("layout.orientation", "enum", "版式方向应为 portrait 或 landscape")
	}
	for _, code := range t.Layout.Items {
		if !seen[code] {
			v.Add("layout.items", "exists", "版式中的信息项 %s 不在信息项列表中", code)
		}
	}
	for i, code := range t.Issuers {
		c, err := gbcode.USCC(code)
		if err != nil {
			v.Add(fmt.Sprintf("issuers[%d]", i), gbcode.RuleOf(err), "颁发部门代码: %s", err.(*gbcode.Error).Message)
			continue
		}
		t.Issuers[i] = c
	}
	for i, r := range t.IssuerRules {
		if !r.Level.Valid() {
			v.Add(fmt.Sprintf("issuerRules[%d].level", i), "enum", "层级应为 province、prefecture 或 county")
		}
	}
	if len(t.Issuers) == 0 && len(t.IssuerRules) == 0 {
		v.Add("issuers", "required", "需要列出颁发部门(issuers)或颁发部门规则(issuerRules)")
	}
	return v.Err()
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MayIssue reports whether the department may issue certificates of t:
// it is listed in t.Issuers, or its level equals a rule's level and its
// name ends with the rule's suffix.
func MayIssue(t *huitong.CertType, d *huitong.Department) bool {
	if slices.Contains(t.Issuers, d.Code) {
		return true
	}
	for _, r := range t.IssuerRules {
		if r.Level == d.Level && strings.HasSuffix(d.Name, r.NameSuffix) {
			return true
		}
	}
	return false
}

// canDefine reports whether p may define or change types whose definer is
// definer: operators any, a provincial department's admin its own.
func canDefine(ctx context.Context, tx *store.Tx, p *huitong.Principal, definer string) (bool, error) {
	if p.Has(huitong.RoleOperator) {
		return true, nil
	}
	if !p.Has(huitong.RoleDeptAdmin) || p.Department != definer {
		return false, nil
	}
	d, err := tx.FindDepartment(ctx, p.Department)
	if err != nil {
		return false, err
	}
	return d.Level == huitong.LevelProvince, nil
}

// Types lists every certificate type. It needs no principal: type
// definitions are public.
func (s *Service) Types(ctx context.Context) ([]*huitong.CertType, error) {
	return s.db.CertTypes(ctx)
}

// Type returns one certificate type. ENOTFOUND when unknown.
func (s *Service) Type(ctx context.Context, code string) (*huitong.CertType, error) {
	var t *huitong.CertType
	err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		t, err = tx.FindCertType(ctx, strings.ToUpper(code))
		return err
	})
	return t, err
}

// CreateType defines a certificate type. Without a code, the code is the
// definer's USCC and the next free 3-digit sequence. Operators define any
// type; the admin of a provincial department defines its own (definer =
// its code). EINVALID, EFORBIDDEN, ECONFLICT (code taken).
func (s *Service) CreateType(ctx context.Context, t *huitong.CertType) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if t.Definer == "" && t.Code == "" && !p.Has(huitong.RoleOperator) {
		t.Definer = p.Department
	}
	if err := ValidateType(t); err != nil {
		return err
	}
	now := s.clock.Now()
	t.CreatedBy, t.CreatedAt, t.UpdatedAt, t.Retired = p.Actor(), now, now, false
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		ok, err := canDefine(ctx, tx, p, t.Definer)
		if err != nil {
			return err
		} else if !ok {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或定义部门(省级)的部门管理员可以定义证照类型")
		}
		if err := s.checkIssuers(ctx, tx, t); err != nil {
			return err
		}
		if t.Code == "" {
			n, err := tx.NextSequence(ctx, "certtype:"+t.Definer)
			if err != nil {
				return err
			}
			if n > 999 {
				return huitong.Errorf(huitong.ECONFLICT, "定义部门 %s 的证照类型顺序号已用尽", t.Definer)
			}
			t.Code = fmt.Sprintf("%s%03d", t.Definer, n)
		}
		if err := tx.InsertCertType(ctx, t); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.type_create", Object: t.Code,
			Detail: audit.Detail(map[string]any{"name": t.Name, "holderKind": t.HolderKind, "issuers": t.Issuers, "issuerRules": t.IssuerRules})})
	})
	if err != nil {
		return fmt.Errorf("cert: create type: %w", err)
	}
	return nil
}

func (s *Service) checkIssuers(ctx context.Context, tx *store.Tx, t *huitong.CertType) error {
	for i, code := range t.Issuers {
		if _, err := tx.FindDepartment(ctx, code); huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return fieldErr(fmt.Sprintf("issuers[%d]", i), "exists", "颁发部门不存在: %s", code)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// UpdateType replaces a type's name, items, validity, layout, issuers and
// retired flag; the code and definer stay. Certificates already issued keep
// what they were signed with. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateType(ctx context.Context, code string, in *huitong.CertType) (*huitong.CertType, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.CertType
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		cur, err := tx.FindCertType(ctx, strings.ToUpper(code))
		if err != nil {
			return err
		}
		if ok, err := canDefine(ctx, tx, p, cur.Definer); err != nil {
			return err
		} else if !ok {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或定义部门的部门管理员可以修改证照类型")
		}
		next := *in
		next.Code, next.Definer, next.CreatedBy, next.CreatedAt = cur.Code, cur.Definer, cur.CreatedBy, cur.CreatedAt
		if next.DefinerName == "" {
			next.DefinerName = cur.DefinerName
		}
		if err := ValidateType(&next); err != nil {
			return err
		}
		if err := s.checkIssuers(ctx, tx, &next); err != nil {
			return err
		}
		next.UpdatedAt = s.clock.Now()
		if err := tx.UpdateCertType(ctx, &next); err != nil {
			return err
		}
		out = &next
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.type_update", Object: cur.Code,
			Detail: audit.Detail(map[string]any{"name": next.Name, "retired": next.Retired, "issuers": next.Issuers, "issuerRules": next.IssuerRules})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: update type %s: %w", code, err)
	}
	return out, nil
}

// DeleteType removes a type that has no certificates (ECONFLICT otherwise:
// retire it instead). Operators only.
func (s *Service) DeleteType(ctx context.Context, code string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.Has(huitong.RoleOperator) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维可以删除证照类型")
	}
	code = strings.ToUpper(code)
	return s.db.Update(ctx, func(tx *store.Tx) error {
		n, err := tx.CountCertificates(ctx, code)
		if err != nil {
			return err
		}
		if n > 0 {
			return huitong.Errorf(huitong.ECONFLICT, "证照类型 %s 已颁发 %d 张证照，不能删除；请改为停用(retired)", code, n)
		}
		if err := tx.DeleteCertType(ctx, code); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.type_delete", Object: code})
	})
}
