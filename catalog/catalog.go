// Package catalog is the government information resource catalog
// (政务信息资源目录): registration with the national catalog metadata,
// review and publication, versions, withdrawal, the change record, and
// Chinese full-text search with facets.
package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// Service implements huitong.CatalogService over a store, keeping two
// in-memory search indexes in step with it.
type Service struct {
	db    *store.DB
	clock huitong.Clock
	log   *slog.Logger
	ix    *indexes
	names sync.Map // department code -> name, for facet labels

	// OnChange, when set, is called after every committed change with the
	// entry's code, so other instances can refresh their indexes.
	OnChange func(code string)
}

var _ huitong.CatalogService = (*Service)(nil)

// New returns a Service. Call Rebuild before serving searches.
func New(db *store.DB, clock huitong.Clock, log *slog.Logger) *Service {
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{db: db, clock: clock, log: log, ix: newIndexes(db)}
}

func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	return p, nil
}

// canEdit reports whether p may change entries of the provider department.
func canEdit(p *huitong.Principal, provider string) bool {
	return p.Has(huitong.RoleOperator) || (p.Department == provider && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin)))
}

// canSeeWorking reports whether p may see unpublished versions of provider's entries.
func canSeeWorking(p *huitong.Principal, provider string) bool {
	return p.Department == provider || p.Has(huitong.RoleReviewer) || p.Has(huitong.RoleOperator)
}

// Create registers a draft. The code is the classification code, a slash
// and the next six-digit sequence number within that classification.
func (s *Service) Create(ctx context.Context, r *huitong.Resource) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if r.Provider == "" {
		r.Provider = p.Department
	}
	if !canEdit(p, r.Provider) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只能为本部门登记信息资源")
	}
	if err := Validate(r); err != nil {
		return err
	}
	now := s.clock.Now()
	r.Version, r.Status = 1, huitong.StatusDraft
	r.CreatedBy, r.CreatedAt, r.UpdatedAt = p.Actor(), now, now
	r.SubmittedAt, r.PublishedAt, r.ReviewedBy, r.ReviewNote = time.Time{}, time.Time{}, "", ""
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		d, err := tx.FindDepartment(ctx, r.Provider)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return fieldErr("provider", "exists", "提供方部门不存在: %s", r.Provider)
		} else if err != nil {
			return err
		}
		r.Jurisdiction, r.Level = d.Jurisdiction, d.Level
		if err := checkRelated(ctx, tx, r); err != nil {
			return err
		}
		if dup, err := tx.ResourceByName(ctx, r.Provider, r.Name); err != nil {
			return err
		} else if dup != "" {
			return huitong.Errorf(huitong.ECONFLICT, "本部门已登记同名信息资源“%s”(%s)", r.Name, dup)
		}
		n, err := tx.NextSequence(ctx, "resource:"+r.Classification.Code())
		if err != nil {
			return err
		}
		if n > 999999 {
			return huitong.Errorf(huitong.ECONFLICT, "分类 %s 下的顺序码已用尽", r.Classification.Code())
		}
		r.Code = fmt.Sprintf("%s/%06d", r.Classification.Code(), n)
		if r.Mount.Kind == huitong.MountTable && r.Mount.Table == "" {
			r.Mount.Table = TableName(r.Code)
		}
		if err := tx.InsertResource(ctx, r); err != nil {
			return err
		}
		return s.record(ctx, tx, p, r, "create", "")
	})
	if err != nil {
		return fmt.Errorf("catalog: create: %w", err)
	}
	s.changed(ctx, r.Code)
	return nil
}

// TableName is the platform table that holds a table-mounted resource's data.
func TableName(code string) string {
	return "rd_" + strings.NewReplacer("/", "_").Replace(code)
}

func fieldErr(field, rule, format string, args ...any) error {
	var v huitong.Validation
	v.Add(field, rule, format, args...)
	return v.Err()
}

func checkRelated(ctx context.Context, tx *store.Tx, r *huitong.Resource) error {
	for _, code := range r.Related {
		if code == r.Code {
			return fieldErr("related", "self", "资源不能关联自身")
		}
		if _, err := tx.FindResourceHead(ctx, code); huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return fieldErr("related", "exists", "关联资源 %s 不存在", code)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// record appends the change to the entry's history and the audit chain.
func (s *Service) record(ctx context.Context, tx *store.Tx, p *huitong.Principal, r *huitong.Resource, action, note string) error {
	if err := tx.InsertChange(ctx, &huitong.Change{Code: r.Code, Version: r.Version, Action: action, Actor: p.Actor(), Note: note, At: s.clock.Now()}); err != nil {
		return err
	}
	detail := map[string]any{"version": r.Version, "status": r.Status}
	if note != "" {
		detail["note"] = note
	}
	return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "resource." + action, Object: r.Code, Detail: audit.Detail(detail)})
}

// changed refreshes the local indexes and tells other instances.
func (s *Service) changed(ctx context.Context, code string) {
	if err := s.ix.reload(ctx, code); err != nil {
		s.log.Error("catalog: reindex", "code", code, "err", err)
	}
	if s.OnChange != nil {
		s.OnChange(code)
	}
}

// Reindex reloads one entry into the search indexes (another instance
// changed it).
func (s *Service) Reindex(ctx context.Context, code string) error { return s.ix.reload(ctx, code) }

// Rebuild loads every entry into fresh search indexes.
func (s *Service) Rebuild(ctx context.Context) error { return s.ix.rebuild(ctx) }

// latest loads the summary and the latest version of code, as seen by p:
// ENOTFOUND when p may not see an entry that was never published.
func latest(ctx context.Context, tx *store.Tx, p *huitong.Principal, code string) (*store.ResourceHead, *huitong.Resource, error) {
	head, err := tx.FindResourceHead(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	if !canSeeWorking(p, head.Provider) && head.PublishedVersion == 0 {
		return nil, nil, huitong.Errorf(huitong.ENOTFOUND, "资源不存在: %s", code)
	}
	cur, err := tx.FindResourceVersion(ctx, code, head.LatestVersion)
	if err != nil {
		return nil, nil, err
	}
	return head, cur, nil
}

// Update changes the working version of code: a draft in place, a
// published or withdrawn entry as a new draft version.
func (s *Service) Update(ctx context.Context, code string, in *huitong.Resource) (*huitong.Resource, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Resource
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		head, cur, err := latest(ctx, tx, p, code)
		if err != nil {
			return err
		}
		if !canEdit(p, head.Provider) {
			return huitong.Errorf(huitong.EFORBIDDEN, "只能修改本部门的信息资源")
		}
		if cur.Status == huitong.StatusSubmitted {
			return huitong.Errorf(huitong.ECONFLICT, "资源 %s 正在审核中，不能修改；请等待审核结果", code)
		}
		if in.Classification != (huitong.Classification{}) && in.Classification != cur.Classification {
			return fieldErr("classification", "immutable", "资源分类决定资源代码，登记后不可修改；如需改变分类请新建资源")
		}
		next := *in
		next.Code, next.Classification, next.Provider = code, cur.Classification, cur.Provider
		next.Jurisdiction, next.Level = cur.Jurisdiction, cur.Level
		next.CreatedBy, next.CreatedAt = cur.CreatedBy, cur.CreatedAt
		if next.Mount.Kind == huitong.MountTable {
			next.Mount.Table = TableName(code)
		}
		if err := Validate(&next); err != nil {
			return err
		}
		if err := checkRelated(ctx, tx, &next); err != nil {
			return err
		}
		if dup, err := tx.ResourceByName(ctx, next.Provider, next.Name); err != nil {
			return err
		} else if dup != "" && dup != code {
			return huitong.Errorf(huitong.ECONFLICT, "本部门已登记同名信息资源“%s”(%s)", next.Name, dup)
		}
		next.Status, next.UpdatedAt = huitong.StatusDraft, s.clock.Now()
		next.SubmittedAt, next.ReviewedBy, next.PublishedAt, next.ReviewNote = time.Time{}, "", time.Time{}, ""
		action := "update"
		if cur.Status == huitong.StatusDraft {
			next.Version = cur.Version
		} else {
			next.Version, action = cur.Version+1, "revise"
			next.CreatedBy, next.CreatedAt = p.Actor(), next.UpdatedAt
		}
		if err := tx.SaveVersion(ctx, &next); err != nil {
			return err
		}
		out = &next
		return s.record(ctx, tx, p, &next, action, changedFields(cur, &next))
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: update %s: %w", code, err)
	}
	s.changed(ctx, code)
	return out, nil
}

// Find returns the version of code the caller may see (see the interface).
func (s *Service) Find(ctx context.Context, code string, version int) (*huitong.Resource, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Resource
	err = s.db.View(ctx, func(tx *store.Tx) error {
		head, err := tx.FindResourceHead(ctx, code)
		if err != nil {
			return err
		}
		working := canSeeWorking(p, head.Provider)
		switch {
		case version > 0:
		case working:
			version = head.LatestVersion
		case head.PublishedVersion > 0:
			version = head.PublishedVersion
		default:
			return huitong.Errorf(huitong.ENOTFOUND, "资源不存在: %s", code)
		}
		r, err := tx.FindResourceVersion(ctx, code, version)
		if err != nil {
			return err
		}
		if !working && (r.Status == huitong.StatusDraft || r.Status == huitong.StatusSubmitted) {
			return huitong.Errorf(huitong.ENOTFOUND, "资源 %s 没有第 %d 版", code, version)
		}
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Published returns the published version of code, for capabilities that
// serve data (sharing, open data). ENOTFOUND when none is published.
func (s *Service) Published(ctx context.Context, code string) (*huitong.Resource, error) {
	var out *huitong.Resource
	err := s.db.View(ctx, func(tx *store.Tx) error {
		head, err := tx.FindResourceHead(ctx, code)
		if err != nil {
			return err
		}
		if head.PublishedVersion == 0 {
			return huitong.Errorf(huitong.ENOTFOUND, "资源 %s 未发布", code)
		}
		out, err = tx.FindResourceVersion(ctx, code, head.PublishedVersion)
		return err
	})
	return out, err
}

// transition moves the latest version of code from one status to another
// after check approves, recording action.
func (s *Service) transition(ctx context.Context, code, action, note string, check func(p *huitong.Principal, head *store.ResourceHead, cur *huitong.Resource) error, apply func(tx *store.Tx, cur *huitong.Resource) error) (*huitong.Resource, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Resource
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		head, cur, err := latest(ctx, tx, p, code)
		if err != nil {
			return err
		}
		if err := check(p, head, cur); err != nil {
			return err
		}
		cur.UpdatedAt = s.clock.Now()
		if err := apply(tx, cur); err != nil {
			return err
		}
		if err := tx.SaveVersion(ctx, cur); err != nil {
			return err
		}
		out = cur
		return s.record(ctx, tx, p, cur, action, note)
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: %s %s: %w", action, code, err)
	}
	s.changed(ctx, code)
	return out, nil
}

func wrongState(code string, cur *huitong.Resource, want ...huitong.Status) error {
	labels := make([]string, len(want))
	for i, w := range want {
		labels[i] = huitong.Label("status", string(w))
	}
	return huitong.Errorf(huitong.ECONFLICT, "资源 %s 第 %d 版状态为“%s”，此操作要求“%s”", code, cur.Version, huitong.Label("status", string(cur.Status)), strings.Join(labels, "或"))
}

// Submit sends the draft for review.
func (s *Service) Submit(ctx context.Context, code string) (*huitong.Resource, error) {
	return s.transition(ctx, code, "submit", "", func(p *huitong.Principal, head *store.ResourceHead, cur *huitong.Resource) error {
		if !canEdit(p, head.Provider) {
			return huitong.Errorf(huitong.EFORBIDDEN, "只能提交本部门的信息资源")
		}
		if cur.Status != huitong.StatusDraft {
			return wrongState(code, cur, huitong.StatusDraft)
		}
		return nil
	}, func(tx *store.Tx, cur *huitong.Resource) error {
		cur.Status, cur.SubmittedAt, cur.ReviewNote = huitong.StatusSubmitted, cur.UpdatedAt, ""
		return nil
	})
}

func reviewer(p *huitong.Principal) error {
	if !p.Has(huitong.RoleReviewer) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有数据主管部门的目录审核员可以审核")
	}
	return nil
}

// Publish approves the submitted version; the previously published
// version, if any, becomes superseded.
func (s *Service) Publish(ctx context.Context, code string) (*huitong.Resource, error) {
	var prev int
	reviewedBy := ""
	return s.transition(ctx, code, "publish", "", func(p *huitong.Principal, head *store.ResourceHead, cur *huitong.Resource) error {
		if err := reviewer(p); err != nil {
			return err
		}
		if cur.Status != huitong.StatusSubmitted {
			return wrongState(code, cur, huitong.StatusSubmitted)
		}
		prev, reviewedBy = head.PublishedVersion, p.Actor()
		return nil
	}, func(tx *store.Tx, cur *huitong.Resource) error {
		if prev > 0 && prev != cur.Version {
			old, err := tx.FindResourceVersion(ctx, code, prev)
			if err != nil {
				return err
			}
			old.Status, old.UpdatedAt = huitong.StatusSuperseded, cur.UpdatedAt
			if err := tx.SaveVersion(ctx, old); err != nil {
				return err
			}
		}
		cur.Status, cur.PublishedAt, cur.ReviewedBy, cur.ReviewNote = huitong.StatusPublished, cur.UpdatedAt, reviewedBy, ""
		return nil
	})
}

// Reject returns the submitted version to draft with the reviewer's reason.
func (s *Service) Reject(ctx context.Context, code, reason string) (*huitong.Resource, error) {
	reason = strings.TrimSpace(reason)
	reviewedBy := ""
	return s.transition(ctx, code, "reject", reason, func(p *huitong.Principal, head *store.ResourceHead, cur *huitong.Resource) error {
		if err := reviewer(p); err != nil {
			return err
		}
		if reason == "" {
			return fieldErr("reason", "required", "退回须说明理由")
		}
		if cur.Status != huitong.StatusSubmitted {
			return wrongState(code, cur, huitong.StatusSubmitted)
		}
		reviewedBy = p.Actor()
		return nil
	}, func(tx *store.Tx, cur *huitong.Resource) error {
		cur.Status, cur.ReviewNote, cur.ReviewedBy = huitong.StatusDraft, reason, reviewedBy
		return nil
	})
}

// Withdraw takes the published entry out of the catalog. The provider's
// department admin or a reviewer may withdraw, with a reason. A newer
// draft, if any, stays and can be submitted again.
func (s *Service) Withdraw(ctx context.Context, code, reason string) (*huitong.Resource, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldErr("reason", "required", "撤销须说明理由")
	}
	var out *huitong.Resource
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		head, err := tx.FindResourceHead(ctx, code)
		if err != nil {
			return err
		}
		if !(p.Has(huitong.RoleReviewer) || p.Has(huitong.RoleOperator) || (p.Department == head.Provider && p.Has(huitong.RoleDeptAdmin))) {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有本部门管理员或目录审核员可以撤销资源")
		}
		if head.PublishedVersion == 0 {
			return huitong.Errorf(huitong.ECONFLICT, "资源 %s 没有已发布的版本可撤销", code)
		}
		cur, err := tx.FindResourceVersion(ctx, code, head.PublishedVersion)
		if err != nil {
			return err
		}
		cur.Status, cur.UpdatedAt, cur.ReviewNote = huitong.StatusWithdrawn, s.clock.Now(), reason
		if err := tx.SaveVersion(ctx, cur); err != nil {
			return err
		}
		out = cur
		return s.record(ctx, tx, p, cur, "withdraw", reason)
	})
	if err != nil {
		return nil, fmt.Errorf("catalog: withdraw %s: %w", code, err)
	}
	s.changed(ctx, code)
	return out, nil
}

// Versions lists the versions of code the caller may see, newest first.
func (s *Service) Versions(ctx context.Context, code string) ([]*huitong.Resource, error) {
	r, err := s.Find(ctx, code, 0) // visibility check
	if err != nil {
		return nil, err
	}
	all, err := s.db.ResourceVersions(ctx, code)
	if err != nil {
		return nil, err
	}
	p := huitong.PrincipalFrom(ctx)
	if canSeeWorking(p, r.Provider) {
		return all, nil
	}
	return slices.DeleteFunc(all, func(v *huitong.Resource) bool {
		return v.Status == huitong.StatusDraft || v.Status == huitong.StatusSubmitted
	}), nil
}

// Changes lists the recorded changes of code, oldest first.
func (s *Service) Changes(ctx context.Context, code string) ([]*huitong.Change, error) {
	if _, err := s.Find(ctx, code, 0); err != nil {
		return nil, err
	}
	return s.db.Changes(ctx, code)
}
