package huitong

import (
	"context"
	"slices"
	"time"
)

// Level is the tier of government a jurisdiction or department belongs to.
type Level string

// Levels of government, matching GB/T 2260's three tiers.
const (
	LevelProvince   Level = "province"
	LevelPrefecture Level = "prefecture"
	LevelCounty     Level = "county"
)

// Valid reports whether l is one of the three levels.
func (l Level) Valid() bool {
	return l == LevelProvince || l == LevelPrefecture || l == LevelCounty
}

// Label returns the Chinese name of the level.
func (l Level) Label() string {
	switch l {
	case LevelProvince:
		return "省级"
	case LevelPrefecture:
		return "市级"
	case LevelCounty:
		return "县级"
	}
	return string(l)
}

// Department is a government body (部门). Code is its unified social credit
// code (GB 32100-2015), Jurisdiction the 6-digit GB/T 2260 division it serves.
type Department struct {
	Code         string    `json:"code"`
	Name         string    `json:"name"`
	ShortName    string    `json:"shortName,omitempty"`
	Jurisdiction string    `json:"jurisdiction"`
	Level        Level     `json:"level"`
	Authority    bool      `json:"authority,omitempty"` // the data authority (大数据管理局) that reviews the catalog
	CreatedAt    time.Time `json:"createdAt"`
}

// DepartmentFilter selects departments; zero fields match everything.
type DepartmentFilter struct {
	Jurisdiction string // exact division code
	Within       string // division code: departments whose jurisdiction lies inside it
	Level        Level
	Query        string // substring of the name
}

// Role is a set of permissions held by an account.
type Role string

// Roles. Staff register and edit their own department's entries; a
// department admin also manages the department's accounts and API keys; a
// reviewer (at the data authority) publishes or rejects catalog entries; an
// operator runs the platform.
const (
	RoleStaff     Role = "staff"
	RoleDeptAdmin Role = "dept_admin"
	RoleReviewer  Role = "reviewer"
	RoleOperator  Role = "operator"
)

// Roles lists every role in order of increasing privilege.
var Roles = []Role{RoleStaff, RoleDeptAdmin, RoleReviewer, RoleOperator}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Label returns the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleStaff:
		return "部门工作人员"
	case RoleDeptAdmin:
		return "部门管理员"
	case RoleReviewer:
		return "目录审核员"
	case RoleOperator:
		return "平台运维"
	}
	return string(r)
}

// User is a staff account. The password hash never leaves the store package.
type User struct {
	ID           int64     `json:"id"`
	Username     string    `json:"username"`
	DisplayName  string    `json:"displayName"`
	Department   string    `json:"department"`
	Roles        []Role    `json:"roles"`
	Disabled     bool      `json:"disabled"`
	FailedLogins int       `json:"-"`
	LockedUntil  time.Time `json:"lockedUntil,omitzero"`
	LastLoginAt  time.Time `json:"lastLoginAt,omitzero"`
	CreatedAt    time.Time `json:"createdAt"`
}

// Has reports whether the user holds role r.
func (u *User) Has(r Role) bool { return slices.Contains(u.Roles, r) }

// UserFilter selects accounts.
type UserFilter struct {
	Department string
	Username   string
}

// APIKey is a credential for a department's system. The secret is shown
// once at creation and stored only as a hash.
type APIKey struct {
	ID         int64     `json:"id"`
	Prefix     string    `json:"prefix"` // first characters of the key, to recognise it
	Name       string    `json:"name"`
	Department string    `json:"department"`
	CreatedBy  string    `json:"createdBy"`
	CreatedAt  time.Time `json:"createdAt"`
	LastUsedAt time.Time `json:"lastUsedAt,omitzero"`
	RevokedAt  time.Time `json:"revokedAt,omitzero"`
}

// Principal is who is acting: a signed-in person or a department system
// holding an API key.
type Principal struct {
	UserID     int64
	Username   string
	KeyID      int64
	Department string
	Roles      []Role
	SessionID  string
	// Holder is set for a certificate holder signed in to its own wallet
	// (the citizen ID number or credit code): such a principal holds no
	// role and no department, so every government check refuses it.
	Holder       string
	HolderKind   HolderKind
	HolderName   string
	HolderAcctID int64
}

// Has reports whether the principal holds role r. API keys hold staff rights.
func (p *Principal) Has(r Role) bool { return p != nil && slices.Contains(p.Roles, r) }

// Actor names the principal in audit entries: a username or "key:<id>".
func (p *Principal) Actor() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.UserID != 0:
		return p.Username
	case p.KeyID != 0:
		return "key:" + itoa(p.KeyID)
	case p.HolderAcctID != 0:
		return "holder:" + itoa(p.HolderAcctID)
	}
	return "system"
}

type principalKey struct{}

// WithPrincipal returns a context carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx, or nil.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}

// System is the principal for work the platform does by itself (demo
// loading, migrations, scheduled jobs).
var System = &Principal{Username: "system", Roles: []Role{RoleOperator}}
