package exchange

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/divisions"
	"huitong/store"
)

// RequestInput is what a consumer asks for.
type RequestInput struct {
	Resource       string
	Items          []string // item codes or names
	Uses           []string // default query and verify
	PlainItems     []string // sensitive items wanted unmasked
	Purpose        string
	LegalBasis     string
	Jurisdiction   string // GB/T 2260 code, "*" for any; default the consumer's own
	Until          time.Time
	ExpectedVolume int
}

// Decision is a provider's answer to a request.
type Decision struct {
	Decision   string    // approve or refuse
	Items      []string  // approve: a subset of the requested items (default all)
	PlainItems []string  // approve: a subset of the requested plain items (default all)
	Until      time.Time // approve: no later than requested (default as requested)
	Reason     string    // refuse: required
	DailyQuota int       // approve: subjects a day (default Config.DailyQuota); -1 for no limit
	RatePerSec float64   // approve: requests a second (default Config.RatePerSec); -1 for no limit
}

// exportMethods are the share methods (共享方式) under which bulk export is
// allowed: download, copy, and system integration.
var exportMethods = []huitong.ShareMethod{huitong.MethodDownload, huitong.MethodCopy, huitong.MethodSystem}

// Request files a share request for the caller's department. For an
// unconditional resource it is approved at once and the grant made, unless
// it asks for sensitive items in plain text or the provider revoked the
// consumer's standing grant: then it waits for the provider like a
// conditional one. EFORBIDDEN (rule share.none) for a 不予共享 resource;
// EINVALID naming every broken field.
func (s *Service) Request(ctx context.Context, in RequestInput) (*huitong.ShareRequest, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(huitong.RoleStaff) && !p.Has(huitong.RoleDeptAdmin) {
		return nil, refuse(huitong.EFORBIDDEN, "role.staff", "只有部门工作人员可以提交共享申请")
	}
	res, err := s.published(ctx, strings.TrimSpace(in.Resource))
	if err != nil {
		return nil, err
	}
	if res.ShareType == huitong.ShareNone {
		return nil, refuse(huitong.EFORBIDDEN, "share.none", "资源 %s(%s) 为不予共享，依据: %s；不能申请", res.Code, res.Name, res.LegalBasis)
	}
	if res.Provider == p.Department {
		return nil, refuse(huitong.EINVALID, "resource.own", "资源 %s 由本部门提供，无需申请共享", res.Code)
	}
	consumer, err := s.department(ctx, p.Department)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	r := &huitong.ShareRequest{
		Resource: res.Code, ResourceName: res.Name, Provider: res.Provider, Consumer: p.Department,
		Purpose: strings.TrimSpace(in.Purpose), LegalBasis: strings.TrimSpace(in.LegalBasis),
		Jurisdiction: strings.TrimSpace(in.Jurisdiction), Until: in.Until.UTC(), ExpectedVolume: in.ExpectedVolume,
		Status: huitong.RequestPending, CreatedBy: p.Actor(), CreatedAt: now, UpdatedAt: now,
	}
	if r.Jurisdiction == "" {
		r.Jurisdiction = consumer.Jurisdiction
	}
	var v huitong.Validation
	r.Items = s.resolveItems(&v, "items", res, in.Items, true)
	r.PlainItems = s.resolveItems(&v, "plainItems", res, in.PlainItems, false)
	for _, k := range r.PlainItems {
		if !slices.Contains(r.Items, k) {
			v.Add("plainItems", "not_requested", "明文信息项 %s 不在申请的信息项中", k)
		} else if it := res.byKey[k]; !it.Sensitive {
			v.Add("plainItems", "not_sensitive", "信息项 %s 不是敏感项，本就以明文返回", it.Name)
		}
	}
	r.Uses = in.Uses
	if len(r.Uses) == 0 {
		r.Uses = []string{huitong.UseQuery, huitong.UseVerify}
	}
	r.Uses = normalizeUses(&v, res, r.Uses)
	text(&v, "purpose", r.Purpose, 4, 500, "用途")
	if res.ShareType == huitong.ShareConditional || r.LegalBasis != "" {
		text(&v, "legalBasis", r.LegalBasis, 2, 500, "依据")
	}
	if r.Jurisdiction != "*" && !divisions.Known(r.Jurisdiction) {
		v.Add("jurisdiction", "division", "范围 %q 不是有效的行政区划代码(GB/T 2260)；不限范围请填 *", r.Jurisdiction)
	}
	switch {
	case r.Until.IsZero():
		v.Add("until", "required", "请填写使用期限(截止日期)")
	case !r.Until.After(now):
		v.Add("until", "future", "使用期限 %s 已过", r.Until.In(cst).Format(time.DateOnly))
	case r.Until.After(now.AddDate(0, 0, s.cfg.MaxGrantDays)):
		v.Add("until", "max", "使用期限最长 %d 天(至 %s)", s.cfg.MaxGrantDays, now.AddDate(0, 0, s.cfg.MaxGrantDays).In(cst).Format(time.DateOnly))
	}
	if r.ExpectedVolume < 0 || r.ExpectedVolume > 10_000_000 {
		v.Add("expectedVolume", "range", "预计调用量(每日主体数)应在 0 到 10000000 之间")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	r.DueBy = s.cal.Deadline(now, s.cfg.ResponseDays)

	automatic := res.ShareType == huitong.ShareUnconditional && len(r.PlainItems) == 0
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if automatic {
			if g, err := tx.StandingGrant(ctx, r.Consumer, r.Resource); err == nil && g.Status == huitong.GrantRevoked {
				automatic = false // the provider withdrew it: ask again
			}
		}
		if err := tx.InsertShareRequest(ctx, r); err != nil {
			return err
		}
		if err := tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "share.request", Object: r.Resource,
			Detail: audit.Detail(map[string]any{"request": r.ID, "items": r.Items, "uses": r.Uses, "purpose": r.Purpose, "jurisdiction": r.Jurisdiction,
				"until": r.Until.Format(time.RFC3339), "dueBy": r.DueBy.Format(time.RFC3339)})}); err != nil {
			return err
		}
		if !automatic {
			return nil
		}
		g := s.newGrant(r, r.Items, r.PlainItems, r.Until, s.cfg.DailyQuota, s.cfg.RatePerSec, "system", now)
		return s.approve(ctx, tx, huitong.System, r, g, "无条件共享资源，自动同意")
	})
	if err != nil {
		return nil, err
	}
	if r.Grant != 0 {
		s.grants.del(grantKey(r.Consumer, r.Resource))
	}
	s.decorate(ctx, r)
	return r, nil
}

func normalizeUses(v *huitong.Validation, res *resourceView, uses []string) []string {
	var out []string
	for _, u := range uses {
		u = strings.TrimSpace(u)
		switch {
		case !slices.Contains(huitong.Uses, u):
			v.Add("uses", "enum", "用途方式 %q 应为 query、verify、subscribe 或 export", u)
		case u == huitong.UseExport && !slices.ContainsFunc(res.ShareMethods, func(m huitong.ShareMethod) bool { return slices.Contains(exportMethods, m) }):
			v.Add("uses", "export.method", "资源 %s 的共享方式不含下载、拷贝或系统对接，不能批量导出", res.Code)
		case (u == huitong.UseExport || u == huitong.UseSubscribe) && res.Mount.Kind != huitong.MountTable:
			v.Add("uses", u+".mount", "资源 %s 挂接为%s，只有平台库表资源可以%s", res.Code, huitong.Label("mount", string(res.Mount.Kind)), map[string]string{huitong.UseExport: "批量导出", huitong.UseSubscribe: "订阅变更"}[u])
		case !slices.Contains(out, u):
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return slices.Index(huitong.Uses, a) - slices.Index(huitong.Uses, b) })
	return out
}

// resolveItems maps item codes or names to item keys, naming unknown and
// unshareable ones.
func (s *Service) resolveItems(v *huitong.Validation, field string, res *resourceView, items []string, required bool) []string {
	if required && len(items) == 0 {
		v.Add(field, "required", "请选择至少一个信息项")
	}
	var out []string
	for _, name := range items {
		k, ok := res.itemKey(name)
		switch {
		case !ok:
			v.Add(field, "item.unknown", "资源 %s 没有信息项 %q", res.Code, name)
		case res.byKey[k].ShareType == huitong.ShareNone:
			v.Add(field, "item.not_shareable", "信息项 %s 不予共享", res.byKey[k].Name)
		case !slices.Contains(out, k):
			out = append(out, k)
		}
	}
	return out
}

// text checks a free-text field: length in runes and no control characters.
func text(v *huitong.Validation, field, s string, min, max int, what string) {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		v.Add(field, "required", "%s必填", what)
	case n < min || n > max:
		v.Add(field, "length", "%s应为 %d 到 %d 个字符，现为 %d 个", what, min, max, n)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' }) || !utf8.ValidString(s):
		v.Add(field, "charset", "%s含有控制字符或无效编码", what)
	}
}

func (s *Service) newGrant(r *huitong.ShareRequest, items, plain []string, until time.Time, quota int, rate float64, by string, now time.Time) *huitong.Grant {
	return &huitong.Grant{
		Resource: r.Resource, ResourceName: r.ResourceName, Provider: r.Provider, Consumer: r.Consumer,
		Items: items, PlainItems: plain, Uses: r.Uses, Purpose: r.Purpose, LegalBasis: r.LegalBasis,
		Jurisdiction: r.Jurisdiction, From: now, Until: until, DailyQuota: quota, RatePerSec: rate, Request: r.ID,
		Status: huitong.GrantActive, CreatedBy: by, CreatedAt: now, UpdatedAt: now,
	}
}

// approve stores g and marks r approved with it, in tx.
func (s *Service) approve(ctx context.Context, tx *store.Tx, p *huitong.Principal, r *huitong.ShareRequest, g *huitong.Grant, reason string) error {
	if err := tx.InsertGrant(ctx, g); err != nil {
		return err
	}
	now := s.clock.Now()
	r.Status, r.Grant, r.Reason, r.DecidedBy, r.DecidedAt, r.UpdatedAt = huitong.RequestApproved, g.ID, reason, p.Actor(), now, now
	if err := tx.UpdateShareRequest(ctx, r); err != nil {
		return err
	}
	if err := tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "share.approve", Object: r.Resource,
		Detail: audit.Detail(map[string]any{"request": r.ID, "grant": g.ID, "reason": reason})}); err != nil {
		return err
	}
	return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "grant.create", Object: g.Resource,
		Detail: audit.Detail(map[string]any{"grant": g.ID, "consumer": g.Consumer, "items": g.Items, "plainItems": g.PlainItems, "uses": g.Uses,
			"jurisdiction": g.Jurisdiction, "until": g.Until.Format(time.RFC3339), "dailyQuota": g.DailyQuota, "ratePerSec": g.RatePerSec})})
}

// mayDecide reports whether p may decide r: the provider's staff, or for
// an escalated request the data authority.
func (s *Service) mayDecide(ctx context.Context, p *huitong.Principal, r *huitong.ShareRequest) bool {
	return actsFor(p, r.Provider) || (r.Escalated && s.isAuthority(ctx, p)) || p.Has(huitong.RoleOperator)
}

// Decide records the provider's decision on a pending request: approve
// (possibly fewer items, fewer plain items or a shorter term; the grant is
// made) or refuse with a reason. The provider's staff decide; once a
// request is escalated the data authority may decide too. ENOTFOUND for a
// request the caller may not see, ECONFLICT when it is no longer pending.
func (s *Service) Decide(ctx context.Context, id int64, d Decision) (*huitong.ShareRequest, *huitong.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out *huitong.ShareRequest
	var grant *huitong.Grant
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.FindShareRequest(ctx, id)
		if err != nil {
			return err
		}
		if !s.visible(ctx, p, r) {
			return huitong.Errorf(huitong.ENOTFOUND, "共享申请不存在: %d", id)
		}
		if !s.mayDecide(ctx, p, r) {
			return refuse(huitong.EFORBIDDEN, "role.provider", "只有提供方部门(或逾期后数据主管部门)可以审批该申请")
		}
		if r.Status != huitong.RequestPending {
			return refuse(huitong.ECONFLICT, "request.state", "申请已处理(%s)，不能再审批", r.Status.Label())
		}
		now := s.clock.Now()
		var v huitong.Validation
		switch d.Decision {
		case "approve":
			res, err := s.published(ctx, r.Resource)
			if err != nil {
				return err
			}
			items := r.Items
			if len(d.Items) > 0 {
				items = s.resolveItems(&v, "items", res, d.Items, true)
				for _, k := range items {
					if !slices.Contains(r.Items, k) {
						v.Add("items", "not_requested", "信息项 %s 不在申请范围内，只能同意申请的信息项或其中一部分", k)
					}
				}
			}
			plain := r.PlainItems
			if d.PlainItems != nil {
				plain = s.resolveItems(&v, "plainItems", res, d.PlainItems, false)
			}
			plain = slices.DeleteFunc(slices.Clone(plain), func(k string) bool { return !slices.Contains(items, k) })
			for _, k := range plain {
				if !slices.Contains(r.PlainItems, k) {
					v.Add("plainItems", "not_requested", "信息项 %s 未申请明文", k)
				}
			}
			until := r.Until
			if !d.Until.IsZero() {
				if d.Until.After(r.Until) {
					v.Add("until", "max", "同意的期限不能晚于申请的 %s", r.Until.In(cst).Format(time.DateOnly))
				} else if !d.Until.After(now) {
					v.Add("until", "future", "同意的期限已过")
				}
				until = d.Until.UTC()
			}
			quota, rate := s.cfg.DailyQuota, s.cfg.RatePerSec
			if d.DailyQuota != 0 {
				quota = max(d.DailyQuota, 0)
			}
			if d.RatePerSec != 0 {
				rate = max(d.RatePerSec, 0)
			}
			if err := v.Err(); err != nil {
				return err
			}
			grant = s.newGrant(r, items, plain, until, quota, rate, p.Actor(), now)
			if err := s.approve(ctx, tx, p, r, grant, strings.TrimSpace(d.Reason)); err != nil {
				return err
			}
		case "refuse":
			reason := strings.TrimSpace(d.Reason)
			text(&v, "reason", reason, 2, 1000, "不予同意的理由")
			if err := v.Err(); err != nil {
				return err
			}
			r.Status, r.Reason, r.DecidedBy, r.DecidedAt, r.UpdatedAt = huitong.RequestRefused, reason, p.Actor(), now, now
			if err := tx.UpdateShareRequest(ctx, r); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "share.refuse", Object: r.Resource,
				Detail: audit.Detail(map[string]any{"request": r.ID, "reason": reason})}); err != nil {
				return err
			}
		default:
			v.Add("decision", "enum", "decision 应为 approve 或 refuse")
			return v.Err()
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	s.grants.del(grantKey(out.Consumer, out.Resource))
	s.decorate(ctx, out)
	return out, grant, nil
}

// Withdraw lets the consumer take back a pending request.
func (s *Service) Withdraw(ctx context.Context, id int64) (*huitong.ShareRequest, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.ShareRequest
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		r, err := tx.FindShareRequest(ctx, id)
		if err != nil {
			return err
		}
		if !s.visible(ctx, p, r) {
			return huitong.Errorf(huitong.ENOTFOUND, "共享申请不存在: %d", id)
		}
		if !actsFor(p, r.Consumer) {
			return refuse(huitong.EFORBIDDEN, "role.consumer", "只有申请部门可以撤回申请")
		}
		if r.Status != huitong.RequestPending {
			return refuse(huitong.ECONFLICT, "request.state", "申请已处理(%s)，不能撤回", r.Status.Label())
		}
		now := s.clock.Now()
		r.Status, r.DecidedBy, r.DecidedAt, r.UpdatedAt = huitong.RequestWithdrawn, p.Actor(), now, now
		if err := tx.UpdateShareRequest(ctx, r); err != nil {
			return err
		}
		out = r
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "share.withdraw", Object: r.Resource,
			Detail: audit.Detail(map[string]any{"request": r.ID})})
	})
	if err != nil {
		return nil, err
	}
	s.decorate(ctx, out)
	return out, nil
}

// visible reports whether p may see request r: its consumer, its provider,
// the data authority and operators.
func (s *Service) visible(ctx context.Context, p *huitong.Principal, r *huitong.ShareRequest) bool {
	return p.Department == r.Consumer || p.Department == r.Provider || s.isAuthority(ctx, p)
}

// ShareRequest returns request id. ENOTFOUND when the caller may not see it.
func (s *Service) ShareRequest(ctx context.Context, id int64) (*huitong.ShareRequest, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	r, err := s.db.FindShareRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.visible(ctx, p, r) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "共享申请不存在: %d", id)
	}
	s.decorate(ctx, r)
	return r, nil
}

// Roles of a list: which side of requests and grants the caller looks at.
const (
	RoleConsumer  = "consumer"  // the caller's department asked
	RoleProvider  = "provider"  // the caller's department provides
	RoleAuthority = "authority" // everything (the data authority, operators)
)

// ShareRequests lists requests for the caller in role: consumer (its
// department's requests, the default), provider (requests for its
// department's resources) or authority (all; data authority only).
func (s *Service) ShareRequests(ctx context.Context, role string, f huitong.ShareRequestFilter) ([]*huitong.ShareRequest, int, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	switch role {
	case "", RoleConsumer:
		f.Consumer = p.Department
	case RoleProvider:
		f.Provider = p.Department
	case RoleAuthority:
		if !s.isAuthority(ctx, p) {
			return nil, 0, refuse(huitong.EFORBIDDEN, "role.authority", "只有数据主管部门和平台运维可以查看全部共享申请")
		}
	default:
		return nil, 0, refuse(huitong.EINVALID, "role.enum", "role 应为 consumer、provider 或 authority")
	}
	list, total, err := s.db.ShareRequests(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	for _, r := range list {
		s.decorate(ctx, r)
	}
	return list, total, nil
}

// decorate fills the display fields: names and whether it is overdue.
func (s *Service) decorate(ctx context.Context, r *huitong.ShareRequest) {
	r.ConsumerName = s.departmentName(ctx, r.Consumer)
	r.ProviderName = s.departmentName(ctx, r.Provider)
	r.Overdue = r.Status == huitong.RequestPending && s.clock.Now().After(r.DueBy)
}

// Escalate passes every pending request past its due time to the data
// authority: it is marked escalated (the authority's queue shows it and
// the authority may decide it) and the act is audited. It returns the
// requests escalated. The platform runs it every minute.
func (s *Service) Escalate(ctx context.Context) ([]*huitong.ShareRequest, error) {
	now := s.clock.Now()
	due, err := s.db.OverdueShareRequests(ctx, now)
	if err != nil {
		return nil, err
	}
	var out []*huitong.ShareRequest
	for _, r := range due {
		err := s.db.Update(ctx, func(tx *store.Tx) error {
			cur, err := tx.FindShareRequest(ctx, r.ID)
			if err != nil {
				return err
			}
			if cur.Status != huitong.RequestPending || cur.Escalated {
				return nil
			}
			cur.Escalated, cur.EscalatedAt, cur.UpdatedAt = true, now, now
			if err := tx.UpdateShareRequest(ctx, cur); err != nil {
				return err
			}
			r = cur
			return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: huitong.System.Actor(), Action: "share.escalate", Object: cur.Resource,
				Detail: audit.Detail(map[string]any{"request": cur.ID, "provider": cur.Provider, "dueBy": cur.DueBy.Format(time.RFC3339),
					"workingDays": s.cfg.ResponseDays})})
		})
		if err != nil {
			return out, fmt.Errorf("exchange: escalate request %d: %w", r.ID, err)
		}
		if r.Escalated {
			out = append(out, r)
		}
	}
	return out, nil
}
