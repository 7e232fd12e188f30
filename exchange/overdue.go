package exchange

import (
	"context"
	"slices"
	"time"

	"huitong"
)

// Supervision of share requests (逾期督办). A provider answers a request
// within Config.ResponseDays working days (国发〔2016〕51号: 10); a request
// still pending after its due time is overdue, and Escalate passes it to
// the data authority (数据主管部门), which may then decide it. The
// authority's queue shows every overdue request, escalated or not yet, and
// the escalated requests decided since.

// OverdueRequest is a pending share request past its due time, with how
// late it is.
type OverdueRequest struct {
	*huitong.ShareRequest
	// WorkingDaysLate counts the working days (against the holiday
	// calendar) after the last day to answer, up to and including today:
	// 1 on the first working day past due.
	WorkingDaysLate int `json:"workingDaysLate"`
	// DaysLate counts calendar days the same way.
	DaysLate int `json:"daysLate"`
}

// OverdueReport is the data authority's supervision queue.
type OverdueReport struct {
	// Pending are the pending requests past their due time, escalated or
	// not yet, the longest overdue first.
	Pending []OverdueRequest `json:"pending"`
	// Decided are escalated requests that have since been decided or
	// withdrawn, the newest requests first.
	Decided []*huitong.ShareRequest `json:"decided"`
	// Now is the time the lateness was counted at.
	Now time.Time `json:"now"`
}

// maxOverdue bounds each list of the report.
const maxOverdue = 1000

// IsAuthority reports whether the caller works at the data authority
// (大数据管理局, a department marked as the authority) or runs the platform
// (operators, catalog reviewers): those who supervise sharing, see every
// request and grant, and decide escalated requests. False without a caller.
func (s *Service) IsAuthority(ctx context.Context) bool {
	p := huitong.PrincipalFrom(ctx)
	return p != nil && s.isAuthority(ctx, p)
}

// Overdue returns the data authority's supervision queue: every pending
// request past its due time (escalated or not yet escalated; at most 1000)
// with the working and calendar days it is late, and up to limit (default
// 50, at most 1000) escalated requests decided since. EUNAUTHORIZED
// without a caller; EFORBIDDEN (rule role.authority) for anyone but the
// data authority's staff and operators.
func (s *Service) Overdue(ctx context.Context, limit int) (*OverdueReport, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !s.isAuthority(ctx, p) {
		return nil, refuse(huitong.EFORBIDDEN, "role.authority", "只有数据主管部门工作人员和平台运维可以查看逾期督办")
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxOverdue)
	now := s.clock.Now()
	waiting, err := s.db.OverdueShareRequests(ctx, now) // pending, past due, not escalated yet
	if err != nil {
		return nil, err
	}
	escalated, _, err := s.db.ShareRequests(ctx, huitong.ShareRequestFilter{Status: huitong.RequestPending, Escalated: true, Limit: maxOverdue})
	if err != nil {
		return nil, err
	}
	rep := &OverdueReport{Pending: []OverdueRequest{}, Decided: []*huitong.ShareRequest{}, Now: now}
	for _, r := range append(waiting, escalated...) {
		if len(rep.Pending) == maxOverdue {
			break
		}
		s.decorate(ctx, r)
		last := r.DueBy.Add(-time.Nanosecond) // DueBy is 24:00 of the last day to answer
		rep.Pending = append(rep.Pending, OverdueRequest{ShareRequest: r,
			WorkingDaysLate: s.cal.WorkingDaysBetween(last, now), DaysLate: calendarDaysBetween(last, now)})
	}
	slices.SortStableFunc(rep.Pending, func(a, b OverdueRequest) int {
		if c := a.DueBy.Compare(b.DueBy); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	// The decided ones: escalated requests no longer pending, newest
	// requests first.
	all, _, err := s.db.ShareRequests(ctx, huitong.ShareRequestFilter{Escalated: true, Limit: maxOverdue})
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.Status == huitong.RequestPending {
			continue
		}
		if len(rep.Decided) == limit {
			break
		}
		s.decorate(ctx, r)
		rep.Decided = append(rep.Decided, r)
	}
	return rep, nil
}

// calendarDaysBetween counts the days after the day of from up to and
// including the day of to, in Beijing (0 when to is not after from).
func calendarDaysBetween(from, to time.Time) int {
	f, t := from.In(cst), to.In(cst)
	a := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return max(0, int(b.Sub(a).Hours()/24))
}
