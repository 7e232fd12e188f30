// Package demo loads the demo province, 甘肃省 (GB/T 2260 division 62),
// into an empty database. Everything goes through the identity and catalog
// services, never raw SQL, so the demo data passes the same validation,
// permission checks, audit chain and change history as real use: the
// operator registers departments and accounts, each department's staff
// register their catalog entries, and the data authority's reviewer
// publishes or rejects them.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"

	"huitong"
	"huitong/catalog"
	"huitong/identity"
)

// Password is the password of every demo account.
const Password = "demo"

// Defaults of Options.
const (
	DefaultSeed      = 1
	DefaultResources = 400
	DefaultPublished = 0.85
)

// Options shape the demo. Zero fields take the defaults.
type Options struct {
	// Seed makes the data deterministic: the same seed gives the same
	// departments, codes, accounts and entries. Default 1.
	Seed int64
	// Resources is the number of catalog entries. Default 400.
	Resources int
	// Published is the share of entries whose current version is
	// published, between 0 and 1 (0 takes the default, 0.85). The rest are
	// drafts, entries under review and a few rejected back to draft with
	// the reviewer's reason. Among the published, a few were rejected once
	// and fixed, and a few were revised to a second published version.
	Published float64
}

func (o Options) withDefaults() (Options, error) {
	var v huitong.Validation
	if o.Resources < 0 || o.Resources > 100000 {
		v.Add("resources", "range", "演示资源数应在 0 到 100000 之间(0 取默认值 %d)，现为 %d", DefaultResources, o.Resources)
	}
	if o.Published < 0 || o.Published > 1 {
		v.Add("published", "range", "已发布比例应在 0 到 1 之间(0 取默认值 %.2f)，现为 %g", DefaultPublished, o.Published)
	}
	if err := v.Err(); err != nil {
		return o, err
	}
	if o.Seed == 0 {
		o.Seed = DefaultSeed
	}
	if o.Resources == 0 {
		o.Resources = DefaultResources
	}
	if o.Published == 0 {
		o.Published = DefaultPublished
	}
	return o, nil
}

// Summary is what Load created.
type Summary struct {
	Departments int
	Users       int
	Resources   int
	Published   int // entries whose current version is published
	Accounts    []Account
}

// Account is one demo account; every one has the password Password.
type Account struct {
	Username       string
	DisplayName    string
	Department     string // unified social credit code
	DepartmentName string
	Roles          []huitong.Role
}

// Load fills an empty database with the demo province: about 24
// provincial departments (甘肃省大数据管理局 is the data authority), six
// bureaus in each of the 14 prefectures and three in the first two
// counties of each; the accounts admin (operator) and reviewer (reviewer)
// at the data authority, and a staff account and a department admin
// ("<user>-admin") for every department; and opt.Resources catalog entries
// with their history. It returns ECONFLICT when the database already holds
// departments, EINVALID for options out of range, and any error of the
// services, wrapped with what was being loaded.
func Load(ctx context.Context, ids *identity.Service, cat *catalog.Service, opt Options) (*Summary, error) {
	opt, err := opt.withDefaults()
	if err != nil {
		return nil, err
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	existing, err := ids.Departments(sys, huitong.DepartmentFilter{})
	if err != nil {
		return nil, fmt.Errorf("demo: list departments: %w", err)
	}
	if len(existing) > 0 {
		return nil, huitong.Errorf(huitong.ECONFLICT, "数据库中已有 %d 个部门，演示数据只能载入空数据库", len(existing))
	}

	// Separate streams, so that asking for more entries leaves the
	// departments and accounts of a seed as they were.
	seed := uint64(opt.Seed)
	depts, err := planDepartments(rand.New(rand.NewPCG(seed, 1)))
	if err != nil {
		return nil, err
	}
	for _, d := range depts {
		if err := ids.CreateDepartment(sys, &d.Department); err != nil {
			return nil, fmt.Errorf("demo: department %s: %w", d.Name, err)
		}
	}

	people, err := createAccounts(sys, ids, depts, newNamer(rand.New(rand.NewPCG(seed, 2))))
	if err != nil {
		return nil, err
	}

	l := &loader{cat: cat, rng: rand.New(rand.NewPCG(seed, 3)), depts: depts, staff: people.staff, reviewer: people.reviewer}
	published, err := l.run(ctx, opt.Resources, opt.Published)
	if err != nil {
		return nil, err
	}
	return &Summary{Departments: len(depts), Users: len(people.accounts), Resources: opt.Resources, Published: published, Accounts: people.accounts}, nil
}

// accounts is what createAccounts made: the list for the summary and the
// principals the loader acts as.
type accounts struct {
	accounts []Account
	staff    map[string]*huitong.Principal // department code -> its staff account
	reviewer *huitong.Principal
}

// createAccounts creates admin and reviewer at the data authority and a
// staff account and a department admin for every department. The demo
// password is hashed once: argon2id per account would take minutes.
func createAccounts(sys context.Context, ids *identity.Service, depts []*dept, names *namer) (*accounts, error) {
	hash, err := identity.HashPassword(Password)
	if err != nil {
		return nil, fmt.Errorf("demo: hash password: %w", err)
	}
	out := &accounts{staff: map[string]*huitong.Principal{}}
	create := func(d *dept, username string, role huitong.Role) (*huitong.Principal, error) {
		u := &huitong.User{Username: username, DisplayName: names.next(), Department: d.Code, Roles: []huitong.Role{role}}
		if err := ids.CreateUserHashed(sys, u, hash); err != nil {
			return nil, fmt.Errorf("demo: account %s: %w", username, err)
		}
		out.accounts = append(out.accounts, Account{Username: u.Username, DisplayName: u.DisplayName, Department: d.Code, DepartmentName: d.Name, Roles: u.Roles})
		return &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles}, nil
	}
	var authority *dept
	for _, d := range depts {
		if d.Authority {
			authority = d
		}
	}
	if authority == nil {
		return nil, huitong.Errorf(huitong.EINTERNAL, "演示部门中没有数据主管部门")
	}
	if _, err := create(authority, "admin", huitong.RoleOperator); err != nil {
		return nil, err
	}
	if out.reviewer, err = create(authority, "reviewer", huitong.RoleReviewer); err != nil {
		return nil, err
	}
	for _, d := range depts {
		if out.staff[d.Code], err = create(d, d.user, huitong.RoleStaff); err != nil {
			return nil, err
		}
		if _, err := create(d, d.user+"-admin", huitong.RoleDeptAdmin); err != nil {
			return nil, err
		}
	}
	return out, nil
}
