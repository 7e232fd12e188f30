package exchange

import (
	"context"
	"slices"
	"strings"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/divisions"
	"huitong/store"
)

func grantKey(consumer, resource string) string { return consumer + "|" + resource }

// grantsFor returns the consumer's grants on resource, cached for CacheTTL.
func (s *Service) grantsFor(ctx context.Context, consumer, resource string) ([]*huitong.Grant, error) {
	k := grantKey(consumer, resource)
	if gs, ok := s.grants.get(k); ok {
		return gs, nil
	}
	gs, err := s.db.GrantsFor(ctx, consumer, resource)
	if err != nil {
		return nil, err
	}
	s.grants.put(k, gs)
	return gs, nil
}

// Forget drops cached grants of consumer on resource (another instance
// changed one).
func (s *Service) Forget(consumer, resource string) { s.grants.del(grantKey(consumer, resource)) }

// chooseGrant picks the grant under which p may use res for use and
// items: the one named, or the newest active grant allowing the use and
// holding the items. For an unconditional resource with no grant of the
// consumer's, the standing grant is made (all items, sensitive ones
// masked, the consumer's jurisdiction, query and verification). The
// refusals carry rules: grant.none, grant.expired, grant.revoked,
// grant.not_yet, use.not_granted, item.not_granted.
func (s *Service) chooseGrant(ctx context.Context, p *huitong.Principal, res *resourceView, id int64, use string, items []string) (*huitong.Grant, error) {
	if !actsFor(p, p.Department) {
		return nil, refuse(huitong.EFORBIDDEN, "role.staff", "只有部门工作人员和部门系统可以使用共享数据")
	}
	gs, err := s.grantsFor(ctx, p.Department, res.Code)
	if err != nil {
		return nil, err
	}
	if id != 0 {
		i := slices.IndexFunc(gs, func(g *huitong.Grant) bool { return g.ID == id })
		if i < 0 {
			return nil, refuse(huitong.EFORBIDDEN, "grant.none", "本部门没有资源 %s 的共享授权 %d", res.Code, id)
		}
		gs = gs[i : i+1]
	}
	if len(gs) == 0 && res.ShareType == huitong.ShareUnconditional {
		g, err := s.standingGrant(ctx, p, res)
		if err != nil {
			return nil, err
		}
		gs = []*huitong.Grant{g}
	}
	if len(gs) == 0 {
		how := "请先提交共享申请并经提供方同意"
		if res.ShareType == huitong.ShareNone {
			how = "该资源不予共享"
		}
		return nil, refuse(huitong.EFORBIDDEN, "grant.none", "本部门没有资源 %s(%s) 的共享授权；%s", res.Code, res.Name, how)
	}
	now := s.clock.Now()
	var why error
	for _, g := range gs {
		switch g.StatusAt(now) {
		case huitong.GrantRevoked:
			why = firstErr(why, refuse(huitong.EFORBIDDEN, "grant.revoked", "共享授权 %d 已于 %s 撤销: %s", g.ID, g.RevokedAt.In(cst).Format(time.DateOnly), g.RevokeReason))
			continue
		case huitong.GrantExpired:
			why = firstErr(why, refuse(huitong.EFORBIDDEN, "grant.expired", "共享授权 %d 已于 %s 到期", g.ID, g.Until.In(cst).Format(time.DateOnly)))
			continue
		}
		if now.Before(g.From) {
			why = firstErr(why, refuse(huitong.EFORBIDDEN, "grant.not_yet", "共享授权 %d 自 %s 起生效", g.ID, g.From.In(cst).Format(time.DateOnly)))
			continue
		}
		if !g.Allows(use) {
			why = firstErr(why, refuse(huitong.EFORBIDDEN, "use.not_granted", "共享授权 %d 不含%s", g.ID, useLabel(use)))
			continue
		}
		for _, k := range items {
			if !g.HasItem(k) {
				name := k
				if it := res.byKey[k]; it != nil {
					name = it.Name
				}
				why = firstErr(why, refuse(huitong.EFORBIDDEN, "item.not_granted", "共享授权 %d 不含信息项 %s", g.ID, name))
				g = nil
				break
			}
		}
		if g != nil {
			return g, nil
		}
	}
	return nil, why
}

func firstErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

func useLabel(u string) string {
	switch u {
	case huitong.UseQuery:
		return "查询"
	case huitong.UseVerify:
		return "核验"
	case huitong.UseSubscribe:
		return "订阅"
	case huitong.UseExport:
		return "批量导出"
	}
	return u
}

// standingGrant returns the consumer's standing grant on an unconditional
// resource, making it (and auditing that) on first use.
func (s *Service) standingGrant(ctx context.Context, p *huitong.Principal, res *resourceView) (*huitong.Grant, error) {
	consumer, err := s.department(ctx, p.Department)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now()
	var keys []string
	for _, k := range res.keys {
		if res.byKey[k].ShareType != huitong.ShareNone {
			keys = append(keys, k)
		}
	}
	g := &huitong.Grant{Resource: res.Code, ResourceName: res.Name, Provider: res.Provider, Consumer: p.Department,
		Items: keys, Uses: []string{huitong.UseQuery, huitong.UseVerify}, Purpose: "无条件共享", Jurisdiction: consumer.Jurisdiction,
		From: now, Until: time.Date(2099, 12, 31, 16, 0, 0, 0, time.UTC), DailyQuota: s.cfg.DailyQuota, RatePerSec: s.cfg.RatePerSec,
		Standing: true, Status: huitong.GrantActive, CreatedBy: "system", CreatedAt: now, UpdatedAt: now}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if old, err := tx.StandingGrant(ctx, g.Consumer, g.Resource); err == nil {
			g = old
			return nil
		}
		if err := tx.InsertGrant(ctx, g); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "grant.create", Object: g.Resource,
			Detail: audit.Detail(map[string]any{"grant": g.ID, "consumer": g.Consumer, "standing": true, "items": g.Items, "uses": g.Uses, "jurisdiction": g.Jurisdiction})})
	})
	if err != nil {
		return nil, err
	}
	s.grants.del(grantKey(g.Consumer, g.Resource))
	return g, nil
}

// inScope reports whether a subject of jurisdiction j lies within the
// grant's jurisdiction: the division itself or one below it (GB/T 2260),
// or anywhere for "*". A subject whose key carries no division (keys other
// than ID numbers and credit codes) is placed at the provider's.
func inScope(g *huitong.Grant, res *resourceView, j string) bool {
	if g.Jurisdiction == "*" {
		return true
	}
	if j == "" {
		j = res.Jurisdiction
	}
	if divisions.Contains(g.Jurisdiction, j) {
		return true
	}
	// Codes the division table does not hold (retired counties still in
	// old ID numbers) fall back to the code's own prefix.
	gj := g.Jurisdiction
	switch {
	case len(gj) != 6 || len(j) != 6:
		return false
	case strings.HasSuffix(gj, "0000"):
		return j[:2] == gj[:2]
	case strings.HasSuffix(gj, "00"):
		return j[:4] == gj[:4]
	}
	return j == gj
}

// visibleGrant reports whether p may see grant g.
func (s *Service) visibleGrant(ctx context.Context, p *huitong.Principal, g *huitong.Grant) bool {
	return p.Department == g.Consumer || p.Department == g.Provider || s.isAuthority(ctx, p)
}

func (s *Service) decorateGrant(ctx context.Context, g *huitong.Grant) {
	g.ConsumerName = s.departmentName(ctx, g.Consumer)
	g.ProviderName = s.departmentName(ctx, g.Provider)
	if st := g.StatusAt(s.clock.Now()); st != g.Status {
		g.Status = st
	}
}

// Grant returns grant id. ENOTFOUND when the caller may not see it.
func (s *Service) Grant(ctx context.Context, id int64) (*huitong.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	g, err := s.db.FindGrant(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.visibleGrant(ctx, p, g) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "共享授权不存在: %d", id)
	}
	s.decorateGrant(ctx, g)
	return g, nil
}

// Grants lists grants for the caller in role: consumer (its department's,
// the default), provider (on its department's resources) or authority.
func (s *Service) Grants(ctx context.Context, role string, f huitong.GrantFilter) ([]*huitong.Grant, int, error) {
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
			return nil, 0, refuse(huitong.EFORBIDDEN, "role.authority", "只有数据主管部门和平台运维可以查看全部共享授权")
		}
	default:
		return nil, 0, refuse(huitong.EINVALID, "role.enum", "role 应为 consumer、provider 或 authority")
	}
	list, total, err := s.db.Grants(ctx, f, s.clock.Now())
	if err != nil {
		return nil, 0, err
	}
	for _, g := range list {
		s.decorateGrant(ctx, g)
	}
	return list, total, nil
}

// mayManage reports whether p may revoke or limit grant g: the provider's
// staff, the data authority, operators.
func (s *Service) mayManage(ctx context.Context, p *huitong.Principal, g *huitong.Grant) bool {
	return actsFor(p, g.Provider) || s.isAuthority(ctx, p)
}

// changeGrant applies fn to grant id in a transaction and audits action.
func (s *Service) changeGrant(ctx context.Context, id int64, action string, fn func(p *huitong.Principal, g *huitong.Grant) (map[string]any, error)) (*huitong.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Grant
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		g, err := tx.FindGrant(ctx, id)
		if err != nil {
			return err
		}
		if !s.visibleGrant(ctx, p, g) {
			return huitong.Errorf(huitong.ENOTFOUND, "共享授权不存在: %d", id)
		}
		if !s.mayManage(ctx, p, g) {
			return refuse(huitong.EFORBIDDEN, "role.provider", "只有提供方部门或数据主管部门可以变更共享授权")
		}
		detail, err := fn(p, g)
		if err != nil {
			return err
		}
		g.UpdatedAt = s.clock.Now()
		if err := tx.UpdateGrant(ctx, g); err != nil {
			return err
		}
		detail["grant"] = g.ID
		detail["consumer"] = g.Consumer
		out = g
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: action, Object: g.Resource, Detail: audit.Detail(detail)})
	})
	if err != nil {
		return nil, err
	}
	s.grants.del(grantKey(out.Consumer, out.Resource))
	s.limits.forget(out.ID)
	if s.OnGrantChange != nil {
		s.OnGrantChange(out.Consumer, out.Resource)
	}
	s.decorateGrant(ctx, out)
	return out, nil
}

// Revoke ends grant id at once with a reason (the provider or the data
// authority). It takes effect immediately on this instance and within
// CacheTTL (or at once through the bus notice) on the others.
func (s *Service) Revoke(ctx context.Context, id int64, reason string) (*huitong.Grant, error) {
	reason = strings.TrimSpace(reason)
	return s.changeGrant(ctx, id, "grant.revoke", func(p *huitong.Principal, g *huitong.Grant) (map[string]any, error) {
		var v huitong.Validation
		text(&v, "reason", reason, 2, 1000, "撤销理由")
		if err := v.Err(); err != nil {
			return nil, err
		}
		if g.Status == huitong.GrantRevoked {
			return nil, refuse(huitong.ECONFLICT, "grant.state", "共享授权 %d 已撤销", g.ID)
		}
		now := s.clock.Now()
		g.Status, g.RevokedAt, g.RevokedBy, g.RevokeReason = huitong.GrantRevoked, now, p.Actor(), reason
		return map[string]any{"reason": reason}, nil
	})
}

// SetLimits changes the daily quota (subjects a day, 0 = none) and the
// rate limit (requests a second, 0 = none) of grant id.
func (s *Service) SetLimits(ctx context.Context, id int64, quota int, rate float64) (*huitong.Grant, error) {
	return s.changeGrant(ctx, id, "grant.limits", func(p *huitong.Principal, g *huitong.Grant) (map[string]any, error) {
		var v huitong.Validation
		if quota < 0 || quota > 100_000_000 {
			v.Add("dailyQuota", "range", "每日限额应在 0(不限) 到 100000000 之间")
		}
		if rate < 0 || rate > 100_000 {
			v.Add("ratePerSec", "range", "每秒限速应在 0(不限) 到 100000 之间")
		}
		if err := v.Err(); err != nil {
			return nil, err
		}
		old := map[string]any{"dailyQuota": g.DailyQuota, "ratePerSec": g.RatePerSec}
		g.DailyQuota, g.RatePerSec = quota, rate
		return map[string]any{"from": old, "dailyQuota": quota, "ratePerSec": rate}, nil
	})
}

// Provides reports whether the caller's department provides resource
// code, from the cached published catalog entry: the records route serves
// the provider's own staff directly and everyone else through sharing.
// False for an unknown resource (sharing then answers 404).
func (s *Service) Provides(ctx context.Context, code string) bool {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return false
	}
	res, err := s.published(ctx, code)
	return err == nil && res.Provider == p.Department
}
