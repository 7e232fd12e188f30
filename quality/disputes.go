package quality

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// privileged reports whether p oversees every department's disputes: the
// platform's operators and the data authority's reviewers.
func privileged(p *huitong.Principal) bool {
	return p.Has(huitong.RoleOperator) || p.Has(huitong.RoleReviewer)
}

func markOverdue(d *huitong.Dispute, now time.Time) {
	d.Overdue = d.Status == huitong.DisputeOpen && now.After(d.Deadline)
}

// Disputes lists disputes matching f that the caller may see: those routed
// to or about the caller's department; operators and reviewers see all.
// Open disputes past their deadline are marked Overdue.
func (s *Service) Disputes(ctx context.Context, f huitong.DisputeFilter) ([]*huitong.Dispute, int, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, 0, err
	}
	if !privileged(p) {
		if f.Department != "" && f.Department != p.Department {
			return nil, 0, huitong.Errorf(huitong.EFORBIDDEN, "只能查看本部门相关的疑义")
		}
		f.Department = p.Department
	}
	now := s.clock.Now()
	list, total, err := s.db.Disputes(ctx, f, now)
	if err != nil {
		return nil, 0, err
	}
	for _, d := range list {
		markOverdue(d, now)
	}
	return list, total, nil
}

// Dispute returns dispute id if the caller may see it (ENOTFOUND otherwise).
func (s *Service) Dispute(ctx context.Context, id int64) (*huitong.Dispute, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var d *huitong.Dispute
	err = s.db.View(ctx, func(tx *store.Tx) error {
		d, err = tx.FindDispute(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !privileged(p) && p.Department != d.Authority && p.Department != d.Provider {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "疑义不存在: %d", id)
	}
	markOverdue(d, s.clock.Now())
	return d, nil
}

// Answer actions.
const (
	AnswerConfirm = "confirm" // the authority's value is right; the other source must correct
	AnswerCorrect = "correct" // the authority corrects its value (and re-delivers)
)

// Answer records the authoritative department's answer to an open dispute
// (or a correction after a confirmation): confirm with a note giving the
// basis, or correct with the corrected value and a note. Only the
// authority's own staff answer; EFORBIDDEN for others, ECONFLICT when the
// dispute is resolved or already corrected, EINVALID for a missing note or
// value.
func (s *Service) Answer(ctx context.Context, id int64, action, note, corrected string) (*huitong.Dispute, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	note, corrected = strings.TrimSpace(note), strings.TrimSpace(corrected)
	var v huitong.Validation
	switch action {
	case AnswerConfirm, AnswerCorrect:
	default:
		v.Add("action", "enum", "答复应为 confirm(确认本部门数据无误) 或 correct(更正)")
	}
	if note == "" {
		v.Add("note", "required", "请填写核实意见或依据")
	} else if utf8.RuneCountInString(note) > 2000 {
		v.Add("note", "length", "核实意见最长2000字")
	}
	if action == AnswerCorrect && corrected == "" {
		v.Add("correctedValue", "required", "更正时须填写更正后的值")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	var d *huitong.Dispute
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		d, err = tx.FindDispute(ctx, id)
		if err != nil {
			return err
		}
		if p.Department != d.Authority {
			if privileged(p) {
				return huitong.Errorf(huitong.EFORBIDDEN, "疑义由权威来源部门核实答复，平台只督办")
			}
			return huitong.Errorf(huitong.EFORBIDDEN, "只有权威来源部门可以答复该疑义")
		}
		switch {
		case d.Status == huitong.DisputeResolved:
			return huitong.Errorf(huitong.ECONFLICT, "疑义 %d 已因数据一致而办结", id)
		case d.Status == huitong.DisputeCorrected:
			return huitong.Errorf(huitong.ECONFLICT, "疑义 %d 已更正，等待重新交付后自动办结", id)
		case d.Status == huitong.DisputeConfirmed && action == AnswerConfirm:
			return huitong.Errorf(huitong.ECONFLICT, "疑义 %d 已确认", id)
		}
		now := s.clock.Now()
		d.Answer, d.AnsweredBy, d.AnsweredAt, d.UpdatedAt = note, p.Actor(), now, now
		if action == AnswerConfirm {
			d.Status = huitong.DisputeConfirmed
		} else {
			d.Status, d.CorrectedValue = huitong.DisputeCorrected, corrected
		}
		if err := tx.SaveDispute(ctx, d); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "dispute." + action,
			Object: fmt.Sprintf("dispute:%d", id), Detail: audit.Detail(map[string]any{"element": d.Element, "resource": d.Resource, "note": note})})
	})
	if err != nil {
		return nil, fmt.Errorf("quality: answer dispute %d: %w", id, err)
	}
	markOverdue(d, s.clock.Now())
	return d, nil
}
