package exchange

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"huitong"
	"huitong/gbcode"
	"huitong/store"
)

// Data-use records (数据使用记录): who used whose data, when, for what
// purpose, under which case and grant, read back from the audit chain.
// The subject's view finds entries through the keyed hash of the subject
// key (never the ID number itself); providers see the uses of their
// resources and consumers their own.

// usageOf turns an exchange audit entry into a Usage.
func (s *Service) usageOf(ctx context.Context, e *huitong.AuditEntry) huitong.Usage {
	u := huitong.Usage{Chain: e.Chain, Seq: e.Seq, At: e.At, Action: e.Action, Actor: e.Actor, Department: e.Department,
		Resource: e.Object, Result: e.Result}
	var d struct {
		Grant     int64    `json:"grant"`
		Items     []string `json:"items"`
		Purpose   string   `json:"purpose"`
		Case      string   `json:"case"`
		Reason    string   `json:"reason"`
		Count     int      `json:"count"`
		LatencyMS float64  `json:"latencyMs"`
	}
	if json.Unmarshal([]byte(e.Detail), &d) == nil {
		u.Grant, u.Items, u.Purpose, u.Case, u.Reason, u.Count, u.LatencyMS = d.Grant, d.Items, d.Purpose, d.Case, d.Reason, d.Count, d.LatencyMS
	}
	u.DepartmentName = s.departmentName(ctx, u.Department)
	if v, err := s.published(ctx, u.Resource); err == nil {
		u.ResourceName = v.Name
	}
	return u
}

// subjectKey normalises a subject key given without its kind: a valid
// citizen ID number or credit code in its stored form, anything else
// trimmed and half-width, as queries store it.
func subjectKey(raw string) (string, error) {
	if k, err := gbcode.CitizenID(raw); err == nil {
		return k, nil
	}
	if k, err := gbcode.USCC(raw); err == nil {
		return k, nil
	}
	k := gbcode.Normalize(raw)
	if k == "" || len([]rune(k)) > 64 {
		return "", refuse(huitong.EINVALID, "key.invalid", "请提供主体的公民身份号码、统一社会信用代码或其他主键(最多 64 个字符)")
	}
	return k, nil
}

// SubjectUsage lists the uses of one subject's data, newest first: which
// department, when, for what purpose, under which case and grant. Uses on
// other instances show within half a second (the index is written behind
// the entries, see journal.go). The data
// authority's staff and operators may look (the citizen-facing page comes
// with the service hall); every lookup is itself audited.
func (s *Service) SubjectUsage(ctx context.Context, key string, offset, limit int) ([]huitong.Usage, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !s.isAuthority(ctx, p) {
		return nil, refuse(huitong.EFORBIDDEN, "role.authority", "只有数据主管部门工作人员和平台运维可以查询数据主体的使用记录")
	}
	k, err := subjectKey(key)
	if err != nil {
		return nil, err
	}
	hash, err := s.SubjectHash(ctx, k)
	if err != nil {
		return nil, err
	}
	// The subject index is written behind the entries: write what this
	// instance has pending first, so its own latest uses show.
	if err := s.journal.flush(ctx); err != nil {
		return nil, err
	}
	entries, err := s.db.AuditBySubject(ctx, hash, offset, limit)
	if err != nil {
		return nil, err
	}
	out := make([]huitong.Usage, 0, len(entries))
	for _, e := range entries {
		out = append(out, s.usageOf(ctx, e))
	}
	masked := gbcode.MaskCitizenID(k)
	if _, err := gbcode.CitizenID(k); err != nil {
		masked = Mask(&huitong.Item{}, k)
	}
	lookup := &huitong.AuditEntry{Chain: s.cfg.Chain, At: s.clock.Now(), Actor: p.Actor(), Department: p.Department, Action: "usage.subject",
		Object: masked, Detail: `{"count":` + itoa(len(out)) + `,"subject":"` + hash + `"}`}
	if err := s.journal.append(ctx, &appendReq{entries: []*huitong.AuditEntry{lookup}}); err != nil {
		return nil, err
	}
	return out, nil
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// usageFilter turns a UsageFilter for role into a store filter.
func (s *Service) usageFilter(ctx context.Context, role string, f huitong.UsageFilter) (store.ExchangeAuditFilter, error) {
	p, err := caller(ctx)
	if err != nil {
		return store.ExchangeAuditFilter{}, err
	}
	sf := store.ExchangeAuditFilter{Action: f.Action, From: f.From, To: f.To, Offset: f.Offset, Limit: f.Limit}
	if sf.Action != "" && !strings.HasPrefix(sf.Action, "exchange.") {
		return sf, refuse(huitong.EINVALID, "action.prefix", "action 应为 exchange. 开头的操作")
	}
	// Uses are found through the audit log's index by object (resource):
	// a consumer's among the resources it holds grants on.
	consumerObjects := func(consumer string) error {
		codes, err := s.db.GrantResources(ctx, consumer)
		if err != nil {
			return err
		}
		if f.Resource != "" {
			codes = []string{f.Resource}
		}
		if len(codes) == 0 {
			codes = []string{"\x00none"}
		}
		sf.Objects, sf.Department = codes, consumer
		return nil
	}
	switch role {
	case "", RoleConsumer:
		if err := consumerObjects(p.Department); err != nil {
			return sf, err
		}
	case RoleProvider:
		codes, err := s.db.ResourceCodesOf(ctx, p.Department)
		if err != nil {
			return sf, err
		}
		if f.Resource != "" {
			if !slices.Contains(codes, f.Resource) {
				return sf, refuse(huitong.EFORBIDDEN, "resource.not_provider", "资源 %s 不由本部门提供", f.Resource)
			}
			codes = []string{f.Resource}
		}
		if len(codes) == 0 {
			codes = []string{"\x00none"}
		}
		sf.Objects, sf.Department = codes, f.Consumer
	case RoleAuthority:
		if !s.isAuthority(ctx, p) {
			return sf, refuse(huitong.EFORBIDDEN, "role.authority", "只有数据主管部门和平台运维可以查看全部使用记录")
		}
		if f.Consumer != "" {
			if err := consumerObjects(f.Consumer); err != nil {
				return sf, err
			}
		} else if f.Resource != "" {
			sf.Objects = []string{f.Resource}
		}
	default:
		return sf, refuse(huitong.EINVALID, "role.enum", "role 应为 consumer、provider 或 authority")
	}
	return sf, nil
}

// Usage lists uses of shared data, newest first: role consumer (the
// caller's department's own uses, the default), provider (uses of its
// department's resources) or authority (all).
func (s *Service) Usage(ctx context.Context, role string, f huitong.UsageFilter) ([]huitong.Usage, error) {
	sf, err := s.usageFilter(ctx, role, f)
	if err != nil {
		return nil, err
	}
	entries, err := s.db.ExchangeAudit(ctx, sf)
	if err != nil {
		return nil, err
	}
	out := make([]huitong.Usage, 0, len(entries))
	for _, e := range entries {
		u := s.usageOf(ctx, e)
		if f.Grant != 0 && u.Grant != f.Grant {
			continue
		}
		out = append(out, u)
	}
	return out, nil
}

// UsageSummary counts uses by resource, department, action and result for
// role, over the same selection as Usage.
func (s *Service) UsageSummary(ctx context.Context, role string, f huitong.UsageFilter) ([]store.UsageCount, error) {
	sf, err := s.usageFilter(ctx, role, f)
	if err != nil {
		return nil, err
	}
	return s.db.ExchangeUsageSummary(ctx, sf)
}
