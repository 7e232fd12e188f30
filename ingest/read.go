package ingest

import (
	"context"
	"strings"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/store"
)

// oversees reports whether p may see every department's batches (not
// their data): operators and the data authority's reviewers.
func oversees(p *huitong.Principal) bool {
	return p.Has(huitong.RoleOperator) || p.Has(huitong.RoleReviewer)
}

// Batch returns batch id to its provider's staff, operators and reviewers;
// ENOTFOUND for others.
func (s *Service) Batch(ctx context.Context, id int64) (*huitong.Batch, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b, err := s.db.FindBatch(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Department != b.Provider && !oversees(p) && !isSystem(p) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "批次不存在: %d", id)
	}
	return b, nil
}

// Batches lists the batches of resource code ("" for all the caller may
// see: its department's, or every one for operators and reviewers),
// newest first, with the total.
func (s *Service) Batches(ctx context.Context, code string, status huitong.BatchStatus, offset, limit int) ([]*huitong.Batch, int, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	f := store.BatchFilter{Resource: code, Status: status, Offset: offset, Limit: limit}
	if code != "" {
		res, err := s.cat.Published(ctx, code)
		if err != nil {
			return nil, 0, err
		}
		if p.Department != res.Provider && !oversees(p) {
			return nil, 0, huitong.Errorf(huitong.EFORBIDDEN, "只能查看本部门资源的交付批次")
		}
	} else if !oversees(p) {
		f.Provider = p.Department
	}
	list, total, err := s.db.Batches(ctx, f)
	if list == nil {
		list = []*huitong.Batch{}
	}
	return list, total, err
}

// Rejects lists the stored rejects (severity "reject"), warnings
// ("warning") or both ("") of batch id, for its provider's staff only: the
// values may be personal data.
func (s *Service) Rejects(ctx context.Context, id int64, severity string, offset, limit int) ([]huitong.Reject, int, error) {
	if err := s.canSeeRejects(ctx, id); err != nil {
		return nil, 0, err
	}
	if err := checkSeverity(severity); err != nil {
		return nil, 0, err
	}
	return s.db.Rejects(ctx, id, severity, offset, limit)
}

func checkSeverity(s string) error {
	if s != "" && s != huitong.SeverityReject && s != huitong.SeverityWarning {
		var v huitong.Validation
		v.Add("severity", "enum", "应为 reject 或 warning")
		return v.Err()
	}
	return nil
}

func (s *Service) canSeeRejects(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	b, err := s.db.FindBatch(ctx, id)
	if err != nil {
		return err
	}
	if p.Department != b.Provider && !isSystem(p) {
		if oversees(p) {
			return huitong.Errorf(huitong.EFORBIDDEN, "被拒收的行可能含个人信息，只有提供方部门可以查看")
		}
		return huitong.Errorf(huitong.ENOTFOUND, "批次不存在: %d", id)
	}
	return nil
}

// NormalizeKey returns the key a record is stored under: a citizen ID
// number (GB 11643) validated with an upper-case X, a credit code
// (GB 32100) validated upper case, any other key trimmed with full-width
// characters made half-width. EINVALID for a malformed ID number or code.
func NormalizeKey(kind huitong.KeyKind, raw string) (string, error) {
	var v huitong.Validation
	switch kind {
	case huitong.KeyCitizenID:
		id, err := gbcode.CitizenID(raw)
		if err != nil {
			v.Add("key", "citizen_id."+gbcode.RuleOf(err), "%s", gbMessage(err))
			return "", v.Err()
		}
		return id, nil
	case huitong.KeyUSCC:
		code, err := gbcode.USCC(raw)
		if err != nil {
			v.Add("key", "uscc."+gbcode.RuleOf(err), "%s", gbMessage(err))
			return "", v.Err()
		}
		return code, nil
	}
	k := gbcode.Normalize(raw)
	if k == "" {
		v.Add("key", "required", "主键不能为空")
		return "", v.Err()
	}
	return k, nil
}

// readable returns the resource when the caller's department provides it.
// Other departments are refused with EFORBIDDEN pointing to the share
// request process: data crosses departments only through sharing.
func (s *Service) readable(ctx context.Context, p *huitong.Principal, code string) (*huitong.Resource, error) {
	res, err := s.resource(ctx, code)
	if err != nil {
		return nil, err
	}
	if p.Department != res.Provider && !isSystem(p) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "资源 %s(%s) 的数据由%s提供，只有提供方可以直接查询；其他部门请通过共享申请获取：在资源目录中找到该资源，提交共享申请，经提供方审核同意后按批准的方式调用",
			code, res.Name, s.cat.DepartmentName(ctx, res.Provider))
	}
	return res, nil
}

// Record returns the record of key in resource code for the provider's own
// staff and systems: the current version, or the one current at asOf when
// it is not zero. Every read is audited. EFORBIDDEN for other departments
// (see readable), EINVALID for a malformed key, ENOTFOUND when there is no
// such record (or it was deleted, or did not exist yet at asOf).
func (s *Service) Record(ctx context.Context, code, key string, asOf time.Time) (*huitong.Record, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.readable(ctx, p, code)
	if huitong.ErrorCode(err) == huitong.EFORBIDDEN {
		// A refused read is recorded too: who tried to read what.
		if aerr := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "record.read", Object: code, Result: "denied",
			Detail: audit.Detail(map[string]any{"key": key})}); aerr != nil {
			return nil, aerr
		}
		return nil, err
	} else if err != nil {
		return nil, err
	}
	k, err := NormalizeKey(res.KeyItem().KeyKind, key)
	if err != nil {
		return nil, err
	}
	var rec *huitong.Record
	if asOf.IsZero() {
		rec, err = s.db.FindRecord(ctx, code, k)
	} else {
		rec, err = s.db.RecordAsOf(ctx, code, k, asOf)
	}
	detail := map[string]any{"key": k}
	if !asOf.IsZero() {
		detail["asOf"] = asOf.Format(time.RFC3339)
	}
	result := "ok"
	if err != nil {
		result = "failed"
	}
	if aerr := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "record.read", Object: code, Result: result,
		Detail: audit.Detail(detail)}); aerr != nil {
		return nil, aerr
	}
	return rec, err
}

// RecordHistory returns every version of key's record, oldest first, to
// the provider's own staff (audited like Record).
func (s *Service) RecordHistory(ctx context.Context, code, key string) ([]*huitong.Record, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.readable(ctx, p, code)
	if err != nil {
		return nil, err
	}
	k, err := NormalizeKey(res.KeyItem().KeyKind, key)
	if err != nil {
		return nil, err
	}
	list, err := s.db.RecordHistory(ctx, code, k)
	if err != nil {
		return nil, err
	}
	if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "record.history", Object: code,
		Detail: audit.Detail(map[string]any{"key": k})}); err != nil {
		return nil, err
	}
	return list, nil
}

// Records pages through the current records of resource code in key order
// (after the key after) for the provider's own staff, at most limit
// (default 50, at most 500). Values of sensitive items are masked.
func (s *Service) Records(ctx context.Context, code, after string, limit int) ([]*huitong.Record, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.readable(ctx, p, code)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	list, err := s.db.Records(ctx, code, after, limit, false)
	if err != nil {
		return nil, err
	}
	for _, r := range list {
		maskRecord(res, r)
	}
	if list == nil {
		list = []*huitong.Record{}
	}
	return list, nil
}

// maskRecord masks the values of sensitive items in a listing: ID numbers,
// mobile numbers and names by their gbcode masks, anything else but its
// first and last character.
func maskRecord(res *huitong.Resource, r *huitong.Record) {
	for i := range res.Items {
		it := &res.Items[i]
		if !it.Sensitive || it.Key {
			continue
		}
		k := it.Code
		if k == "" {
			k = it.Name
		}
		v, ok := r.Data[k]
		if !ok {
			continue
		}
		switch {
		case len(v) == 18 && strings.ContainsAny(v[17:], "0123456789X"):
			r.Data[k] = gbcode.MaskCitizenID(v)
		case len(v) == 11 && v[0] == '1':
			r.Data[k] = gbcode.MaskMobile(v)
		default:
			rs := []rune(v)
			if len(rs) > 2 {
				r.Data[k] = string(rs[0]) + strings.Repeat("*", min(len(rs)-2, 6)) + string(rs[len(rs)-1])
			} else {
				r.Data[k] = "**"
			}
		}
	}
}
