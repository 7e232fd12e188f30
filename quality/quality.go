// Package quality governs the data delivered into table-mounted resources:
// the data element register (which rule checks an item, which department
// is the authoritative source of an element, 一数一源), quality scores of
// batches and resources with their trend, near-duplicate subjects, and
// disputes (疑义) opened where a resource disagrees with the authoritative
// source about a subject, routed to that department with a deadline in
// working days.
package quality

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/store"
	"huitong/workday"
)

// Config holds the quality settings.
type Config struct {
	// DisputeDays is the number of working days the authoritative
	// department has to answer a dispute (HUITONG_DISPUTE_DAYS, default
	// 10). The 政务数据共享条例 sets limits whose exact figure was not
	// confirmed from its text; keep it configurable.
	DisputeDays int
	// Calendar gives the working days dispute deadlines are counted on:
	// the platform's one calendar (package workday, HUITONG_CALENDAR),
	// the same the exchange counts answer deadlines on. Nil means the
	// shipped calendar.
	Calendar *workday.Calendar
	// ValidityWindow is how far back the validity of a resource looks at
	// its deliveries (default 30 days).
	ValidityWindow time.Duration
	// HashJoinMax is the largest number of subjects on the smaller side
	// for which a full comparison of two resources holds that side's
	// compared values in memory (about 100 bytes a subject) and reads both
	// in stored order, which is sequential and grows linearly; a larger
	// pair is merged in key order with flat memory instead. Default
	// 2,000,000; negative: always merge.
	HashJoinMax int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{DisputeDays: 10, ValidityWindow: 30 * 24 * time.Hour, HashJoinMax: 2000000}
}

// FromEnv applies HUITONG_DISPUTE_DAYS and HUITONG_CALENDAR from getenv
// over c.
func (c *Config) FromEnv(getenv func(string) string) error {
	if v := getenv("HUITONG_DISPUTE_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 60 {
			return fmt.Errorf("HUITONG_DISPUTE_DAYS: want 1 to 60 working days, got %q", v)
		}
		c.DisputeDays = n
	}
	if v := getenv("HUITONG_CALENDAR"); v != "" {
		cal, err := workday.LoadCalendar(v)
		if err != nil {
			return fmt.Errorf("HUITONG_CALENDAR: %w", err)
		}
		c.Calendar = cal
	}
	return nil
}

// Catalog is what quality needs of the catalog.
type Catalog interface {
	Published(ctx context.Context, code string) (*huitong.Resource, error)
}

// Service is the quality governance service.
type Service struct {
	db    *store.DB
	cat   Catalog
	cfg   Config
	clock huitong.Clock
	log   *slog.Logger

	mu       sync.Mutex
	reg      *Registry // nil until loaded, reset on change
	loadedAt time.Time
}

// registryTTL bounds how long a change made on another instance takes to
// be seen here.
const registryTTL = time.Minute

// New returns a Service.
func New(db *store.DB, cat Catalog, cfg Config, clock huitong.Clock, log *slog.Logger) *Service {
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	if cfg.DisputeDays <= 0 {
		cfg.DisputeDays = DefaultConfig().DisputeDays
	}
	if cfg.ValidityWindow <= 0 {
		cfg.ValidityWindow = DefaultConfig().ValidityWindow
	}
	if cfg.HashJoinMax == 0 {
		cfg.HashJoinMax = DefaultConfig().HashJoinMax
	}
	return &Service{db: db, cat: cat, cfg: cfg, clock: clock, log: log}
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	return p, nil
}

// Registry returns the current data element register, loaded again after
// every change made through this service and at least every minute, so
// changes made on other instances are seen within a minute.
func (s *Service) Registry(ctx context.Context) (*Registry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.reg != nil && time.Since(s.loadedAt) < registryTTL {
		return s.reg, nil
	}
	elems, err := s.db.DataElements(ctx)
	if err != nil {
		return nil, err
	}
	s.reg, s.loadedAt = NewRegistry(elems), time.Now()
	return s.reg, nil
}

// Reload drops the cached register.
func (s *Service) Reload() {
	s.mu.Lock()
	s.reg = nil
	s.mu.Unlock()
}

// Elements lists the register. Any signed-in principal may read it.
func (s *Service) Elements(ctx context.Context) ([]*huitong.DataElement, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	reg, err := s.Registry(ctx)
	if err != nil {
		return nil, err
	}
	out := reg.Elements()
	if out == nil {
		out = []*huitong.DataElement{}
	}
	return out, nil
}

// SetElement adds or replaces an entry of the register (operators only):
// its rule, role and authoritative department. EINVALID names bad fields,
// including an authority that is not a department.
func (s *Service) SetElement(ctx context.Context, e *huitong.DataElement) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.Has(huitong.RoleOperator) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维人员可以维护数据元目录")
	}
	if err := ValidateElement(e); err != nil {
		return err
	}
	e.UpdatedBy, e.UpdatedAt = p.Actor(), s.clock.Now()
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if e.Authority != "" {
			if _, err := tx.FindDepartment(ctx, e.Authority); huitong.ErrorCode(err) == huitong.ENOTFOUND {
				var v huitong.Validation
				v.Add("authority", "exists", "权威来源部门不存在: %s", e.Authority)
				return v.Err()
			} else if err != nil {
				return err
			}
		}
		if err := tx.SaveDataElement(ctx, e); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "element.set", Object: e.Code,
			Detail: audit.Detail(map[string]any{"rule": e.Rule, "role": e.Role, "authority": e.Authority, "aliases": e.Aliases})})
	})
	if err != nil {
		return fmt.Errorf("quality: set element %s: %w", e.Code, err)
	}
	s.Reload()
	return nil
}

// DeleteElement removes an entry of the register (operators only).
func (s *Service) DeleteElement(ctx context.Context, code string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.Has(huitong.RoleOperator) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维人员可以维护数据元目录")
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteDataElement(ctx, code); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "element.delete", Object: code})
	})
	if err != nil {
		return fmt.Errorf("quality: delete element %s: %w", code, err)
	}
	s.Reload()
	return nil
}

// Outcome is what AfterBatch found.
type Outcome struct {
	Opened         int // disputes opened (or reopened)
	Resolved       int // disputes resolved because the values now agree
	NearDuplicates int // records beyond the first of each near-duplicate group
	Groups         int // near-duplicate groups
	Resource       *huitong.QualityScore
}

// AfterBatch runs the governance passes after a finished delivery to res:
// near duplicates, conflicts with the authoritative sources (both ways;
// only the records written after change sequence since when they are
// few), and a new quality snapshot of res taken as of at (the delivery's
// time). It works as the platform, whoever delivered.
func (s *Service) AfterBatch(ctx context.Context, res *huitong.Resource, batch *huitong.Batch, at time.Time, since int64) (*Outcome, error) {
	out := &Outcome{}
	var err error
	if out.Groups, out.NearDuplicates, err = s.RefreshDuplicates(ctx, res); err != nil {
		return nil, err
	}
	if out.Opened, out.Resolved, err = s.Reconcile(ctx, res, since); err != nil {
		return nil, err
	}
	if out.Resource, err = s.Snapshot(ctx, res, batch, at); err != nil {
		return nil, err
	}
	return out, nil
}

// Snapshot computes res's quality as it stands at at, just after batch
// (nil for none), stores it in the trend and returns it.
func (s *Service) Snapshot(ctx context.Context, res *huitong.Resource, batch *huitong.Batch, at time.Time) (*huitong.QualityScore, error) {
	q, err := s.resourceScore(ctx, res, at, batch)
	if err != nil {
		return nil, err
	}
	if batch != nil {
		q.Batch = batch.ID
	}
	if err := s.db.InsertQualityScore(ctx, q); err != nil {
		return nil, err
	}
	return q, nil
}

// resourceScore scores res at now; cur, when not nil, is a batch just
// finishing (not yet recorded as done), counted as the last delivery.
func (s *Service) resourceScore(ctx context.Context, res *huitong.Resource, now time.Time, cur *huitong.Batch) (*huitong.QualityScore, error) {
	st, err := s.db.RecordStats(ctx, res.Code)
	if err != nil {
		return nil, err
	}
	_, dupRecords, err := s.duplicateCounts(ctx, res.Code)
	if err != nil {
		return nil, err
	}
	disputed, err := s.db.DisputedSubjects(ctx, res.Code)
	if err != nil {
		return nil, err
	}
	received, accepted, err := s.db.BatchTotals(ctx, res.Code, now.Add(-s.cfg.ValidityWindow))
	if err != nil {
		return nil, err
	}
	last, err := s.db.LastDelivery(ctx, res.Code, 1<<62)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		received, accepted, last = received+cur.Received, accepted+cur.Accepted, now
	}
	q := ScoreResource(ResourceFacts{Records: st.Records, Filled: st.Filled, Items: len(res.Items), Flagged: st.Flagged, Disputed: disputed,
		NearDuplicates: dupRecords, Received: received, Accepted: accepted, Cycle: res.UpdateCycle, LastDelivery: last, At: now})
	q.Resource = res.Code
	return &q, nil
}

// ResourceQuality is a resource's current score and its trend.
type ResourceQuality struct {
	Resource string                  `json:"resource"`
	Name     string                  `json:"name"`
	Current  *huitong.QualityScore   `json:"current"`
	Trend    []*huitong.QualityScore `json:"trend"`
	Groups   int                     `json:"nearDuplicateGroups"`
	Disputes int                     `json:"openDisputes"`
}

// Quality returns the current score of a published resource (computed now,
// so timeliness reflects the time since the last delivery) and the stored
// snapshots of the last days days (default 90). Scores are metadata: any
// signed-in principal may read them.
func (s *Service) Quality(ctx context.Context, code string, days int) (*ResourceQuality, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	res, err := s.cat.Published(ctx, code)
	if err != nil {
		return nil, err
	}
	if days <= 0 {
		days = 90
	}
	cur, err := s.resourceScore(ctx, res, s.clock.Now(), nil)
	if err != nil {
		return nil, err
	}
	trend, err := s.db.QualityTrend(ctx, code, s.clock.Now().AddDate(0, 0, -days), 500)
	if err != nil {
		return nil, err
	}
	if trend == nil {
		trend = []*huitong.QualityScore{}
	}
	groups, _, err := s.duplicateCounts(ctx, code)
	if err != nil {
		return nil, err
	}
	disputed, err := s.db.DisputedSubjects(ctx, code)
	if err != nil {
		return nil, err
	}
	return &ResourceQuality{Resource: code, Name: res.Name, Current: cur, Trend: trend, Groups: groups, Disputes: disputed}, nil
}

// Overview returns the newest stored snapshot of every resource that has
// received data, by resource code.
func (s *Service) Overview(ctx context.Context) ([]*huitong.QualityScore, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	out, err := s.db.LatestQualityScores(ctx)
	if out == nil && err == nil {
		out = []*huitong.QualityScore{}
	}
	return out, err
}

func (s *Service) duplicateCounts(ctx context.Context, code string) (groups, extra int, err error) {
	_, total, records, err := s.db.DuplicateGroups(ctx, code, 0, 1)
	if err != nil {
		return 0, 0, err
	}
	return total, records - total, nil
}

// errStop ends a scan early.
var errStop = errors.New("stop")
