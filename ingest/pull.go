package ingest

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// Scheduled pulls from a department's own database. The platform connects
// with the DSN the department registered (stored sealed with the master
// keyring, SM4-GCM, bound to the pull's id), runs the query, and delivers
// the rows through the same pipeline as a file. With a change column the
// pull is incremental: each run asks for rows whose change column is at or
// after the largest value the last successful run saw (at or after, not
// after: rows written in the same instant as the last one are not missed,
// and rows seen again are unchanged and write nothing).
//
// Singleton: a run holds the lease "pull:<id>" in the database, renewed
// while it works, and re-reads the pull's next run time after taking it,
// so of N instances one runs a due pull and the others skip it.

// Pull drivers.
const (
	DriverPostgres = "postgres"
	DriverMySQL    = "mysql"
)

var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,62}$`)

// Schedule is when a pull runs: "@every <duration>" (at least 1m),
// "@hourly", "@daily" (00:00) or "@daily HH:MM", in China time.
type Schedule struct {
	every time.Duration
	daily bool
	h, m  int
}

// ParseSchedule reads a schedule.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "@hourly":
		return Schedule{every: time.Hour}, nil
	case s == "@daily":
		return Schedule{daily: true}, nil
	case strings.HasPrefix(s, "@daily "):
		t, err := time.Parse("15:04", strings.TrimSpace(strings.TrimPrefix(s, "@daily ")))
		if err != nil {
			return Schedule{}, fmt.Errorf("“%s”: @daily 后应为 HH:MM", s)
		}
		return Schedule{daily: true, h: t.Hour(), m: t.Minute()}, nil
	case strings.HasPrefix(s, "@every "):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(s, "@every ")))
		if err != nil || d < time.Minute {
			return Schedule{}, fmt.Errorf("“%s”: @every 后应为不小于 1m 的时长，如 15m、1h", s)
		}
		return Schedule{every: d}, nil
	}
	return Schedule{}, fmt.Errorf("“%s”无效，应为 @every 15m、@hourly、@daily 或 @daily 02:30", s)
}

// Next returns the first run time after t.
func (sc Schedule) Next(t time.Time) time.Time {
	if !sc.daily {
		return t.Add(sc.every).UTC()
	}
	c := t.In(chinaTime)
	next := time.Date(c.Year(), c.Month(), c.Day(), sc.h, sc.m, 0, 0, chinaTime)
	if !next.After(t) {
		next = next.AddDate(0, 0, 1)
	}
	return next.UTC()
}

// redactDSN returns the DSN with its password removed, for display.
func redactDSN(driver, dsn string) (string, error) {
	switch driver {
	case DriverPostgres:
		u, err := url.Parse(dsn)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
			return "", fmt.Errorf("PostgreSQL 连接串应为 postgres://用户:密码@主机:端口/数据库")
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		return u.String(), nil
	case DriverMySQL:
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return "", fmt.Errorf("MySQL 连接串应为 用户:密码@tcp(主机:3306)/数据库: %v", err)
		}
		cfg.Passwd = ""
		return cfg.FormatDSN(), nil
	}
	return "", fmt.Errorf("数据库类型应为 postgres 或 mysql")
}

func dsnAD(id int64) []byte { return []byte(fmt.Sprintf("ingest_pulls/dsn/%d", id)) }

// validatePull checks the fields of a pull; dsn is checked when given.
func validatePull(p *huitong.Pull, dsn string) error {
	var v huitong.Validation
	if strings.TrimSpace(p.Name) == "" {
		v.Add("name", "required", "请填写任务名称")
	}
	if p.Driver != DriverPostgres && p.Driver != DriverMySQL {
		v.Add("driver", "enum", "数据库类型应为 postgres 或 mysql")
	} else if dsn != "" {
		if _, err := redactDSN(p.Driver, dsn); err != nil {
			v.Add("dsn", "format", "%s", err.Error())
		}
	}
	q := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p.Query), ";"))
	lower := strings.ToLower(q)
	switch {
	case q == "":
		v.Add("query", "required", "请填写查询语句")
	case !strings.HasPrefix(lower, "select") && !strings.HasPrefix(lower, "with"):
		v.Add("query", "select", "查询语句应以 SELECT 或 WITH 开头(只读查询)")
	case strings.Contains(q, ";"):
		v.Add("query", "single", "只能有一条查询语句")
	}
	p.Query = q
	if p.ChangeColumn != "" && !identifier.MatchString(p.ChangeColumn) {
		v.Add("changeColumn", "identifier", "变更列应为列名(字母、数字、下划线)")
	}
	switch p.Mode {
	case "":
		p.Mode = huitong.ModeIncremental
	case huitong.ModeFull, huitong.ModeIncremental:
	default:
		v.Add("mode", "enum", "交付方式应为 full 或 incremental")
	}
	if p.Mode == huitong.ModeFull && p.ChangeColumn != "" {
		v.Add("changeColumn", "mode", "全量抽取不使用变更列；增量抽取才按变更列续抽")
	}
	if _, err := ParseSchedule(p.Schedule); err != nil {
		v.Add("schedule", "format", "%s", err.Error())
	}
	return v.Err()
}

func (s *Service) canManagePull(ctx context.Context, p *huitong.Principal, code string) (*huitong.Resource, error) {
	res, err := s.resource(ctx, code)
	if err != nil {
		return nil, err
	}
	if p.Department != res.Provider || !(p.Has(huitong.RoleDeptAdmin) || p.UserID == 0 && p.KeyID != 0) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "定时抽取任务保存本部门数据库的连接凭据，只有提供方部门的管理员可以设置")
	}
	return res, nil
}

// CreatePull registers a scheduled pull of resource code from the
// department's database (department admins of the provider, or its API
// keys). dsn is sealed before it is stored and never returned. The first
// run is due at once.
func (s *Service) CreatePull(ctx context.Context, code string, in *huitong.Pull, dsn string) (*huitong.Pull, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.canManagePull(ctx, p, code)
	if err != nil {
		return nil, err
	}
	pull := *in
	pull.Resource, pull.Provider = code, res.Provider
	if strings.TrimSpace(dsn) == "" {
		var v huitong.Validation
		v.Add("dsn", "required", "请填写数据库连接串")
		return nil, v.Err()
	}
	if err := validatePull(&pull, dsn); err != nil {
		return nil, err
	}
	pull.DSNDisplay, _ = redactDSN(pull.Driver, dsn)
	now := s.clock.Now()
	pull.Enabled, pull.NextRunAt, pull.CreatedBy, pull.CreatedAt, pull.UpdatedAt = true, now, p.Actor(), now, now
	pull.Cursor, pull.CursorType = "", ""
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertPull(ctx, &pull, ""); err != nil {
			return err
		}
		sealed, err := s.keys.Seal([]byte(dsn), dsnAD(pull.ID))
		if err != nil {
			return err
		}
		if err := tx.SetPullDSN(ctx, pull.ID, base64.StdEncoding.EncodeToString(sealed), pull.DSNDisplay); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "pull.create", Object: code,
			Detail: audit.Detail(map[string]any{"pull": pull.ID, "driver": pull.Driver, "dsn": pull.DSNDisplay, "schedule": pull.Schedule, "mode": pull.Mode})})
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: create pull: %w", err)
	}
	return &pull, nil
}

// PullUpdate is a change to a pull; nil fields stay.
type PullUpdate struct {
	Name         *string               `json:"name,omitempty"`
	DSN          *string               `json:"dsn,omitempty"`
	Query        *string               `json:"query,omitempty"`
	ChangeColumn *string               `json:"changeColumn,omitempty"`
	Mode         *huitong.DeliveryMode `json:"mode,omitempty"`
	Schedule     *string               `json:"schedule,omitempty"`
	Enabled      *bool                 `json:"enabled,omitempty"`
	ResetCursor  bool                  `json:"resetCursor,omitempty"` // next run reads everything again
}

// UpdatePull changes a pull (the provider's department admins).
func (s *Service) UpdatePull(ctx context.Context, id int64, u PullUpdate) (*huitong.Pull, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	var out *huitong.Pull
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		pull, _, err := tx.FindPull(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.canManagePull(ctx, p, pull.Resource); err != nil {
			return err
		}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&pull.Name, u.Name)
		set(&pull.Query, u.Query)
		set(&pull.ChangeColumn, u.ChangeColumn)
		set(&pull.Schedule, u.Schedule)
		if u.Mode != nil {
			pull.Mode = *u.Mode
		}
		if u.Enabled != nil {
			pull.Enabled = *u.Enabled
		}
		dsn := ""
		if u.DSN != nil {
			dsn = *u.DSN
		}
		if err := validatePull(pull, dsn); err != nil {
			return err
		}
		if u.ResetCursor || u.Query != nil || u.ChangeColumn != nil {
			pull.Cursor, pull.CursorType = "", ""
		}
		if u.Schedule != nil {
			sc, _ := ParseSchedule(pull.Schedule)
			pull.NextRunAt = sc.Next(s.clock.Now())
		}
		pull.UpdatedAt = s.clock.Now()
		if err := tx.UpdatePull(ctx, pull); err != nil {
			return err
		}
		if dsn != "" {
			pull.DSNDisplay, _ = redactDSN(pull.Driver, dsn)
			sealed, err := s.keys.Seal([]byte(dsn), dsnAD(id))
			if err != nil {
				return err
			}
			if err := tx.SetPullDSN(ctx, id, base64.StdEncoding.EncodeToString(sealed), pull.DSNDisplay); err != nil {
				return err
			}
		}
		out = pull
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "pull.update", Object: pull.Resource,
			Detail: audit.Detail(map[string]any{"pull": id, "dsnChanged": dsn != "", "enabled": pull.Enabled, "schedule": pull.Schedule})})
	})
	if err != nil {
		return nil, fmt.Errorf("ingest: update pull %d: %w", id, err)
	}
	return out, nil
}

// DeletePull removes a pull and its sealed credentials.
func (s *Service) DeletePull(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		pull, _, err := tx.FindPull(ctx, id)
		if err != nil {
			return err
		}
		if _, err := s.canManagePull(ctx, p, pull.Resource); err != nil {
			return err
		}
		if err := tx.DeletePull(ctx, id); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "pull.delete", Object: pull.Resource,
			Detail: audit.Detail(map[string]any{"pull": id})})
	})
}

// Pulls lists the pulls of resource code ("" for the caller's department's,
// every one for operators) without credentials.
func (s *Service) Pulls(ctx context.Context, code string) ([]*huitong.Pull, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.db.Pulls(ctx, code)
	if err != nil {
		return nil, err
	}
	out := []*huitong.Pull{}
	for _, pl := range list {
		if pl.Provider == p.Department || p.Has(huitong.RoleOperator) {
			out = append(out, pl)
		}
	}
	return out, nil
}

// Pull returns one pull to its provider's staff and operators.
func (s *Service) Pull(ctx context.Context, id int64) (*huitong.Pull, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	pl, _, err := s.db.FindPull(ctx, id)
	if err != nil {
		return nil, err
	}
	if pl.Provider != p.Department && !p.Has(huitong.RoleOperator) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "定时抽取任务不存在: %d", id)
	}
	return pl, nil
}

// RunPull runs a pull now for the provider's staff. ECONFLICT while it
// runs elsewhere.
func (s *Service) RunPull(ctx context.Context, id int64) (*huitong.Batch, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	pl, err := s.Pull(ctx, id)
	if err != nil {
		return nil, err
	}
	if !provides(p, pl.Provider) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有提供方部门可以手动运行抽取任务")
	}
	b, ran, err := s.runPull(ctx, id, true)
	if err == nil && !ran {
		return nil, huitong.Errorf(huitong.ECONFLICT, "抽取任务 %d 正在运行", id)
	}
	return b, err
}

// runPull runs pull id if this instance takes its lease and (unless
// manual) it is still due. ran reports whether it ran.
func (s *Service) runPull(ctx context.Context, id int64, manual bool) (*huitong.Batch, bool, error) {
	now := s.clock.Now()
	name := fmt.Sprintf("pull:%d", id)
	ok, _, err := s.db.AcquireLease(ctx, name, s.instance, now, now.Add(s.cfg.Lease))
	if err != nil || !ok {
		return nil, false, err
	}
	defer s.db.ReleaseLease(context.WithoutCancel(ctx), name, s.instance)
	ctx, cancel := context.WithTimeout(ctx, s.cfg.PullTimeout)
	defer cancel()
	go func() { // keep the lease while the pull runs
		t := time.NewTicker(s.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.db.Update(ctx, func(tx *store.Tx) error {
					return tx.RenewLease(ctx, name, s.instance, s.clock.Now().Add(s.cfg.Lease))
				})
			}
		}
	}()
	pl, sealed, err := s.db.FindPull(ctx, id)
	if err != nil {
		return nil, false, err
	}
	if !manual && (!pl.Enabled || pl.NextRunAt.After(now)) {
		return nil, false, nil // another instance ran it meanwhile
	}
	sc, err := ParseSchedule(pl.Schedule)
	if err != nil {
		return nil, false, err
	}
	b, runErr := s.pullOnce(ctx, pl, sealed)
	pl.Runs++
	pl.LastRunAt, pl.NextRunAt, pl.UpdatedAt = now, sc.Next(now), s.clock.Now()
	pl.LastError, pl.LastStatus = "", "done"
	if b != nil {
		pl.LastBatch = b.ID
		pl.LastStatus = string(b.Status)
	}
	if runErr != nil {
		pl.LastStatus, pl.LastError = "failed", huitong.ErrorMessage(runErr)
		if huitong.ErrorCode(runErr) == huitong.EINTERNAL {
			pl.LastError = runErr.Error() // the department's own database: show what it said
		}
	}
	if err := s.db.Update(context.WithoutCancel(ctx), func(tx *store.Tx) error { return tx.UpdatePull(ctx, pl) }); err != nil {
		return b, true, err
	}
	return b, true, runErr
}

// pullOnce connects, queries and delivers.
func (s *Service) pullOnce(ctx context.Context, pl *huitong.Pull, sealed string) (*huitong.Batch, error) {
	blob, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil {
		return nil, fmt.Errorf("ingest: pull %d: sealed dsn: %w", pl.ID, err)
	}
	dsn, err := s.keys.Open(blob, dsnAD(pl.ID))
	if err != nil {
		return nil, fmt.Errorf("ingest: pull %d: open dsn: %w", pl.ID, err)
	}
	driver := "pgx"
	if pl.Driver == DriverMySQL {
		driver = "mysql"
	}
	db, err := sql.Open(driver, string(dsn))
	if err != nil {
		return nil, huitong.Errorf(huitong.EUNAVAILABLE, "无法连接部门数据库(%s): %v", pl.DSNDisplay, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	q, args := pullQuery(pl)
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, huitong.Errorf(huitong.EUNAVAILABLE, "部门数据库(%s)查询失败: %v", pl.DSNDisplay, err)
	}
	defer rows.Close()
	src, err := newSQLSource(rows, pl.ChangeColumn)
	if err != nil {
		return nil, err
	}
	actor := &huitong.Principal{Username: fmt.Sprintf("pull:%d", pl.ID), Department: pl.Provider, Roles: []huitong.Role{huitong.RoleStaff}}
	b, err := s.Deliver(huitong.WithPrincipal(ctx, actor), pl.Resource, src, Options{Format: FormatSQL, Mode: pl.Mode, Source: "pull", FileName: pl.Name})
	if err == nil && b != nil && b.Status == huitong.BatchDone && src.last != nil {
		pl.Cursor, pl.CursorType = cursorText(src.last)
	}
	return b, err
}

// pullQuery wraps the department's query for an incremental pull: rows at
// or after the cursor, in change-column order.
func pullQuery(pl *huitong.Pull) (string, []any) {
	if pl.ChangeColumn == "" {
		return pl.Query, nil
	}
	col, ph := `"`+pl.ChangeColumn+`"`, "$1"
	if pl.Driver == DriverMySQL {
		col, ph = "`"+pl.ChangeColumn+"`", "?"
	}
	q := "SELECT * FROM (" + pl.Query + ") huitong_src"
	var args []any
	if pl.Cursor != "" {
		q += " WHERE huitong_src." + col + " >= " + ph
		args = append(args, cursorValue(pl.Cursor, pl.CursorType))
	}
	return q + " ORDER BY huitong_src." + col, args
}

func cursorText(v any) (string, string) {
	switch x := v.(type) {
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano), "time"
	case int64:
		return strconv.FormatInt(x, 10), "int"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), "float"
	case []byte:
		return string(x), "string"
	}
	return fmt.Sprint(v), "string"
}

func cursorValue(s, kind string) any {
	switch kind {
	case "time":
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	case "int":
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
	case "float":
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// sqlSource turns query rows into delivery rows.
type sqlSource struct {
	rows      *sql.Rows
	cols      []string
	vals      []any
	ptrs      []any
	cells     []string
	n         int
	changeIdx int
	last      any // change column value of the last row
	m         sourceMeta
}

func newSQLSource(rows *sql.Rows, changeColumn string) (*sqlSource, error) {
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	s := &sqlSource{rows: rows, changeIdx: -1, m: sourceMeta{encoding: "sql"}}
	for i, c := range cols {
		s.cols = append(s.cols, cleanHeader(c))
		if strings.EqualFold(c, changeColumn) {
			s.changeIdx = i
		}
	}
	if changeColumn != "" && s.changeIdx < 0 {
		return nil, unreadable("columns", "查询结果中没有变更列“%s”", changeColumn)
	}
	s.vals, s.ptrs, s.cells = make([]any, len(cols)), make([]any, len(cols)), make([]string, len(cols))
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s, nil
}

func (s *sqlSource) columns() []string { return s.cols }
func (s *sqlSource) meta() *sourceMeta { return &s.m }

// Read makes sqlSource an io.Reader for Deliver's signature; it is never
// read as bytes.
func (s *sqlSource) Read([]byte) (int, error) { return 0, io.EOF }

func (s *sqlSource) next() (int, []string, *huitong.Reject, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return 0, nil, nil, huitong.Errorf(huitong.EUNAVAILABLE, "读取部门数据库结果失败: %v", err)
		}
		return 0, nil, nil, io.EOF
	}
	s.n++
	if err := s.rows.Scan(s.ptrs...); err != nil {
		return s.n, nil, &huitong.Reject{Row: s.n, Rule: "type", Message: "该行无法读取: " + err.Error()}, nil
	}
	for i, v := range s.vals {
		s.cells[i] = sqlText(v)
	}
	if s.changeIdx >= 0 && s.vals[s.changeIdx] != nil {
		v := s.vals[s.changeIdx]
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		s.last = v
	}
	return s.n, s.cells, nil, nil
}

// sqlText writes a database value as delivered text: dates (a time at
// midnight UTC, as DATE columns come) as 2006-01-02, other times as
// 2006-01-02 15:04:05 in China time.
func sqlText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case []byte:
		return string(x)
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		if x.Location() == time.UTC && x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.In(chinaTime).Format("2006-01-02 15:04:05")
	}
	return fmt.Sprint(v)
}

// Run does the background work until ctx ends: every Tick it marks failed
// the batches whose worker died (lease expired) and runs the pulls that
// are due. Every instance runs it; leases keep each pull to one of them.
func (s *Service) Run(ctx context.Context) {
	s.sweep(ctx)
	t := time.NewTicker(s.cfg.Tick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep(ctx)
		}
	}
}

func (s *Service) sweep(ctx context.Context) {
	failed, err := s.Recover(ctx)
	if err != nil {
		s.log.Warn("ingest: recover batches", "err", err)
	} else if failed > 0 {
		s.log.Warn("ingest: marked interrupted batches failed", "n", failed)
	}
	if _, err := s.RunDue(ctx); err != nil {
		s.log.Warn("ingest: due pulls", "err", err)
	}
}

// RunDue runs the pulls that are due and that no other instance is
// running, one after another, and returns the batches this instance made.
// A pull that fails is logged and recorded on the pull; the others go on.
func (s *Service) RunDue(ctx context.Context) ([]*huitong.Batch, error) {
	due, err := s.db.DuePulls(ctx, s.clock.Now())
	if err != nil {
		return nil, err
	}
	var out []*huitong.Batch
	for _, id := range due {
		b, ran, err := s.runPull(ctx, id, false)
		switch {
		case err != nil:
			s.log.Warn("ingest: pull failed", "pull", id, "err", err)
		case ran && b != nil:
			s.log.Info("ingest: pulled", "pull", id, "batch", b.ID, "accepted", b.Accepted, "rejected", b.Rejected)
		}
		if ran && b != nil {
			out = append(out, b)
		}
	}
	return out, nil
}

// Recover marks failed every running batch whose lease has expired (its
// worker crashed or was killed): rows it had acknowledged stay, the rest
// were never committed. It returns how many it marked.
func (s *Service) Recover(ctx context.Context) (int, error) {
	list, err := s.db.FailOrphanedBatches(ctx, s.clock.Now(), "处理中断(服务重启或崩溃)；已确认的行已入库，可重新交付同一文件，已入库的行不会重复")
	return len(list), err
}
