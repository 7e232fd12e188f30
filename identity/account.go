package identity

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/divisions"
	"huitong/gbcode"
	"huitong/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,47}$`)

// CreateUser adds a staff account with the given password. The operator
// may create any account; a department admin only staff and admins of their
// own department. The password must pass ValidatePassword.
func (s *Service) CreateUser(ctx context.Context, u *huitong.User, password string) error {
	if err := ValidatePassword(password); err != nil {
		return &huitong.Error{Code: huitong.EINVALID, Message: "password: " + err.Error(),
			Fields: []huitong.FieldError{{Field: "password", Rule: "policy", Message: err.Error()}}}
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	return s.CreateUserHashed(ctx, u, hash)
}

// CreateUserHashed is CreateUser with a ready argon2id hash.
// NB: only for loading accounts whose password was already hashed (the demo
// loader hashes the shared demo password once); it skips the password policy.
func (s *Service) CreateUserHashed(ctx context.Context, u *huitong.User, hash string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	u.Username = strings.ToLower(strings.TrimSpace(u.Username))
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	var v huitong.Validation
	if !usernameRE.MatchString(u.Username) {
		v.Add("username", "format", "用户名须为 2-48 位小写字母、数字、点、下划线或连字符，以字母或数字开头")
	}
	if u.DisplayName == "" || utf8.RuneCountInString(u.DisplayName) > 50 {
		v.Add("displayName", "required", "姓名必填，且不超过 50 个字符")
	} else if rule, msg := huitong.Hostile(u.DisplayName, false); rule != "" {
		v.Add("displayName", rule, "姓名%s", msg)
	}
	if len(u.Roles) == 0 {
		v.Add("roles", "required", "至少需要一个角色")
	}
	for _, r := range u.Roles {
		if !r.Valid() {
			v.Add("roles", "enum", "未知角色: %s", r)
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	if !p.Has(huitong.RoleOperator) {
		if !p.Has(huitong.RoleDeptAdmin) || u.Department != p.Department {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或本部门管理员可以创建账户")
		}
		for _, r := range u.Roles {
			if r == huitong.RoleOperator || r == huitong.RoleReviewer {
				return huitong.Errorf(huitong.EFORBIDDEN, "部门管理员不能授予角色 %s", r.Label())
			}
		}
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		d, err := tx.FindDepartment(ctx, u.Department)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return &huitong.Error{Code: huitong.EINVALID, Message: "department: 部门不存在",
				Fields: []huitong.FieldError{{Field: "department", Rule: "exists", Message: "部门不存在: " + u.Department}}}
		} else if err != nil {
			return err
		}
		if u.Has(huitong.RoleReviewer) && !d.Authority {
			return huitong.Errorf(huitong.EINVALID, "roles: 目录审核员须属于数据主管部门")
		}
		if err := tx.InsertUser(ctx, u, hash); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "user.create", Object: u.Username,
			Detail: audit.Detail(map[string]any{"department": u.Department, "roles": u.Roles})})
	})
	if err != nil {
		return fmt.Errorf("identity: create user: %w", err)
	}
	return nil
}

// Users lists accounts: the operator sees any department's, a department
// admin their own department's.
func (s *Service) Users(ctx context.Context, f huitong.UserFilter) ([]*huitong.User, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(huitong.RoleOperator) {
		if !p.Has(huitong.RoleDeptAdmin) {
			return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维或部门管理员可以查看账户")
		}
		if f.Department == "" {
			f.Department = p.Department
		}
		if f.Department != p.Department {
			return nil, huitong.Errorf(huitong.EFORBIDDEN, "只能查看本部门的账户")
		}
	}
	return s.db.Users(ctx, f)
}

// User returns the account of the given id, for the caller itself, the
// operator or an admin of the account's department.
func (s *Service) User(ctx context.Context, id int64) (u *huitong.User, err error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.db.View(ctx, func(tx *store.Tx) error {
		u, err = tx.FindUser(ctx, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if u.ID != p.UserID && !p.Has(huitong.RoleOperator) && !(p.Has(huitong.RoleDeptAdmin) && u.Department == p.Department) {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "用户不存在: %d", id)
	}
	return u, nil
}

// Unlock clears a lockout (operator or the account's department admin).
func (s *Service) Unlock(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		u, err := tx.FindUser(ctx, id)
		if err != nil {
			return err
		}
		if !p.Has(huitong.RoleOperator) && !(p.Has(huitong.RoleDeptAdmin) && u.Department == p.Department) {
			return huitong.Errorf(huitong.EFORBIDDEN, "无权解锁该账户")
		}
		if err := tx.RecordLogin(ctx, id, false, 0, time.Time{}); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "user.unlock", Object: u.Username})
	})
}

// ChangePassword sets a new password for the caller after checking the old
// one, and ends the caller's other sessions.
func (s *Service) ChangePassword(ctx context.Context, oldPassword, newPassword string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if p.UserID == 0 {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有工作人员账户有密码")
	}
	if err := ValidatePassword(newPassword); err != nil {
		return &huitong.Error{Code: huitong.EINVALID, Message: "newPassword: " + err.Error(),
			Fields: []huitong.FieldError{{Field: "newPassword", Rule: "policy", Message: err.Error()}}}
	}
	hash, err := HashPassword(newPassword)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		_, old, err := tx.FindUserByName(ctx, p.Username)
		if err != nil {
			return err
		}
		if ok, _ := CheckPassword(old, oldPassword); !ok {
			return huitong.Errorf(huitong.EFORBIDDEN, "原密码错误")
		}
		if err := tx.SetPassword(ctx, p.UserID, hash); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, p.UserID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "user.password", Object: p.Username})
	})
}

// CreateDepartment registers a department (operator only). Its code must
// be a valid unified social credit code (GB 32100-2015) and its
// jurisdiction a known GB/T 2260 division whose level is the department's.
func (s *Service) CreateDepartment(ctx context.Context, d *huitong.Department) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if !p.Has(huitong.RoleOperator) {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有平台运维可以登记部门")
	}
	d.Name = strings.TrimSpace(d.Name)
	var v huitong.Validation
	if code, err := gbcode.USCC(d.Code); err != nil {
		v.Add("code", ruleOf(err), "统一社会信用代码无效: %s", messageOf(err))
	} else {
		d.Code = code
	}
	if d.Name == "" || utf8.RuneCountInString(d.Name) > 100 {
		v.Add("name", "required", "部门名称必填，且不超过 100 个字符")
	} else if rule, msg := huitong.Hostile(d.Name, false); rule != "" {
		v.Add("name", rule, "部门名称%s", msg)
	}
	if div, ok := divisions.Lookup(d.Jurisdiction); !ok || len(d.Jurisdiction) != 6 {
		v.Add("jurisdiction", "division", "行政区划代码 %q 不在 GB/T 2260 区划表中", d.Jurisdiction)
	} else {
		lvl := map[divisions.Level]huitong.Level{divisions.Province: huitong.LevelProvince, divisions.Prefecture: huitong.LevelPrefecture, divisions.County: huitong.LevelCounty}[div.Level]
		if d.Level == "" {
			d.Level = lvl
		} else if d.Level != lvl {
			v.Add("level", "match", "层级 %s 与行政区划 %s(%s) 不符", d.Level.Label(), div.Name, lvl.Label())
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	d.CreatedAt = s.clock.Now()
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertDepartment(ctx, d); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "department.create", Object: d.Code,
			Detail: audit.Detail(map[string]any{"name": d.Name, "jurisdiction": d.Jurisdiction})})
	})
	if err != nil {
		return fmt.Errorf("identity: create department: %w", err)
	}
	return nil
}

// Departments lists departments; any signed-in principal may.
func (s *Service) Departments(ctx context.Context, f huitong.DepartmentFilter) ([]*huitong.Department, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.db.Departments(ctx, f)
}

// Department returns one department.
func (s *Service) Department(ctx context.Context, code string) (*huitong.Department, error) {
	return s.db.FindDepartment(ctx, code)
}

func ruleOf(err error) string {
	if e, ok := err.(*gbcode.Error); ok {
		return e.Rule
	}
	return "format"
}

func messageOf(err error) string {
	if e, ok := err.(*gbcode.Error); ok {
		return e.Message
	}
	return err.Error()
}
