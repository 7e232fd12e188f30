package demo_test

import (
	"context"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/demo"
	"huitong/divisions"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

var operator = huitong.WithPrincipal(context.Background(), huitong.System)

func services(db *store.DB) (*identity.Service, *catalog.Service) {
	return identity.New(db, identity.Config{}, nil), catalog.New(db, nil, nil)
}

// working lists every entry's latest version, as the operator sees them.
func working(t *testing.T, cat *catalog.Service) *huitong.ResourceList {
	t.Helper()
	var all huitong.ResourceList
	for offset := 0; ; offset += 200 {
		page, err := cat.SearchScope(operator, huitong.ResourceFilter{Offset: offset, Limit: 200}, catalog.ScopeWorking)
		if err != nil {
			t.Fatalf("search working: %v", err)
		}
		all.Items, all.Total, all.Facets = append(all.Items, page.Items...), page.Total, page.Facets
		if len(page.Items) < 200 {
			return &all
		}
	}
}

func TestLoad(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, cat := services(db)
		sum, err := demo.Load(ctx, ids, cat, demo.Options{Resources: 60})
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if sum.Resources != 60 {
			t.Errorf("Resources: got %d, want 60", sum.Resources)
		}
		if want := int(math.Round(60 * demo.DefaultPublished)); sum.Published != want {
			t.Errorf("Published: got %d, want %d", sum.Published, want)
		}
		depts, err := ids.Departments(operator, huitong.DepartmentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		byCode := map[string]*huitong.Department{}
		for _, d := range depts {
			byCode[d.Code] = d
		}

		t.Run("Departments", func(t *testing.T) {
			if len(depts) != sum.Departments {
				t.Errorf("departments: got %d, want %d", len(depts), sum.Departments)
			}
			authorities, names := 0, map[string]bool{}
			for _, d := range depts {
				code, err := gbcode.USCC(d.Code)
				if err != nil || code != d.Code {
					t.Errorf("%s: code %s: got %v, want a valid unified social credit code", d.Name, d.Code, err)
				}
				if !strings.HasPrefix(d.Code, "11") && !strings.HasPrefix(d.Code, "12") {
					t.Errorf("%s: code %s: got prefix %s, want 11 (机关) or 12 (事业单位)", d.Name, d.Code, d.Code[:2])
				}
				if d.Code[2:8] != d.Jurisdiction {
					t.Errorf("%s: code %s: got division %s, want the jurisdiction %s", d.Name, d.Code, d.Code[2:8], d.Jurisdiction)
				}
				if !divisions.Contains(demo.Province, d.Jurisdiction) {
					t.Errorf("%s: jurisdiction %s: got outside 甘肃省, want inside", d.Name, d.Jurisdiction)
				}
				if names[d.Name] {
					t.Errorf("%s: got the name twice, want unique names", d.Name)
				}
				names[d.Name] = true
				if d.Authority {
					authorities++
				}
			}
			if authorities != 1 {
				t.Errorf("data authorities: got %d, want 1", authorities)
			}
		})

		t.Run("Prefectures", func(t *testing.T) {
			prefs := divisions.Children(demo.Province)
			if len(prefs) != 14 {
				t.Fatalf("prefectures of 甘肃省: got %d, want 14", len(prefs))
			}
			for _, p := range prefs {
				got, err := ids.Departments(operator, huitong.DepartmentFilter{Jurisdiction: p.Code})
				if err != nil {
					t.Fatal(err)
				}
				if len(got) == 0 {
					t.Errorf("%s: got no departments, want some", p.Name)
				}
				for _, d := range got {
					if d.Level != huitong.LevelPrefecture {
						t.Errorf("%s: level got %s, want prefecture", d.Name, d.Level)
					}
				}
			}
			county := 0
			for _, d := range depts {
				if d.Level == huitong.LevelCounty {
					county++
				}
			}
			if county == 0 {
				t.Errorf("county departments: got 0, want some")
			}
		})

		t.Run("Accounts", func(t *testing.T) {
			users, err := ids.Users(operator, huitong.UserFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(users) != sum.Users || len(sum.Accounts) != sum.Users {
				t.Errorf("users: got %d in the store and %d in the summary, want %d", len(users), len(sum.Accounts), sum.Users)
			}
			re := regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,47}$`)
			staff := map[string]bool{}
			for _, a := range sum.Accounts {
				if !re.MatchString(a.Username) {
					t.Errorf("username %q: got no match, want %s", a.Username, re)
				}
				if d := byCode[a.Department]; d == nil || d.Name != a.DepartmentName {
					t.Errorf("%s: department %s %s: got no such department", a.Username, a.Department, a.DepartmentName)
				}
				if len(a.Roles) == 1 && a.Roles[0] == huitong.RoleStaff {
					staff[a.Department] = true
				}
			}
			for _, d := range depts {
				if !staff[d.Code] {
					t.Errorf("%s: got no staff account, want one", d.Name)
				}
			}
			for _, tc := range []struct {
				username string
				role     huitong.Role
			}{{"admin", huitong.RoleOperator}, {"reviewer", huitong.RoleReviewer}, {"gat", huitong.RoleStaff}, {"gat-admin", huitong.RoleDeptAdmin}, {"lz-ga", huitong.RoleStaff}} {
				t.Run(tc.username, func(t *testing.T) {
					login, err := ids.Login(ctx, tc.username, demo.Password, identity.KindAPI)
					if err != nil {
						t.Fatalf("login %s with %q: %v", tc.username, demo.Password, err)
					}
					if !login.User.Has(tc.role) {
						t.Errorf("roles: got %v, want %s", login.User.Roles, tc.role)
					}
				})
			}
			if _, err := ids.Login(ctx, "admin", "wrong", identity.KindAPI); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
				t.Errorf("login with a wrong password: got %v, want %s", err, huitong.EUNAUTHORIZED)
			}
		})

		// A fresh catalog service proves the entries are in the store, not
		// only in the loading service's indexes.
		fresh := catalog.New(db, nil, nil)
		if err := fresh.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		// Anyone in government reads the published catalog.
		reader := huitong.WithPrincipal(ctx, &huitong.Principal{UserID: 1, Username: "reader", Department: depts[0].Code, Roles: []huitong.Role{huitong.RoleStaff}})

		t.Run("Published", func(t *testing.T) {
			pub, err := fresh.Search(reader, huitong.ResourceFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if pub.Total != sum.Published {
				t.Errorf("published entries: got %d, want %d", pub.Total, sum.Published)
			}
			if all := working(t, fresh); all.Total != 60 {
				t.Errorf("entries: got %d, want 60", all.Total)
			}
		})

		t.Run("Search", func(t *testing.T) {
			res, err := fresh.Search(reader, huitong.ResourceFilter{Query: "户籍", Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, r := range res.Items {
				found = found || (r.Name == "户籍人口基本信息" && byCode[r.Provider].Name == "甘肃省公安厅")
			}
			if res.Total == 0 || !found {
				t.Errorf("search 户籍: got %d hits without 甘肃省公安厅's 户籍人口基本信息, want it among them", res.Total)
			}
		})

		t.Run("History", func(t *testing.T) {
			staffOf := map[string]string{}
			for _, a := range sum.Accounts {
				if len(a.Roles) == 1 && a.Roles[0] == huitong.RoleStaff {
					staffOf[a.Department] = a.Username
				}
			}
			rejected, revised := 0, 0
			for _, r := range working(t, fresh).Items {
				changes, err := fresh.Changes(operator, r.Code)
				if err != nil {
					t.Fatal(err)
				}
				if len(changes) == 0 || changes[0].Action != "create" {
					t.Fatalf("%s: changes got %+v, want a create first", r.Code, changes)
				}
				for _, c := range changes {
					switch c.Action {
					case "publish":
						if c.Actor != "reviewer" {
							t.Errorf("%s: published by %s, want reviewer", r.Code, c.Actor)
						}
					case "reject":
						if c.Actor != "reviewer" || c.Note == "" {
							t.Errorf("%s: rejected by %s with reason %q, want reviewer with a reason", r.Code, c.Actor, c.Note)
						}
						rejected++
					case "create", "update", "submit", "revise":
						if c.Actor != staffOf[r.Provider] {
							t.Errorf("%s: %s by %s, want %s", r.Code, c.Action, c.Actor, staffOf[r.Provider])
						}
					}
				}
				if r.Version == 2 && r.Status == huitong.StatusPublished {
					v1, err := fresh.Find(operator, r.Code, 1)
					if err != nil {
						t.Fatal(err)
					}
					if v1.Status != huitong.StatusSuperseded {
						t.Errorf("%s: version 1 status got %s, want superseded", r.Code, v1.Status)
					}
					revised++
				}
			}
			if rejected == 0 || revised == 0 {
				t.Errorf("got %d rejections and %d revised entries, want some of each", rejected, revised)
			}
		})

		t.Run("Audit", func(t *testing.T) {
			n, chain, seq, err := db.VerifyAudit(ctx)
			if err != nil || chain != "" {
				t.Fatalf("audit chain: got break in %q at %d (%v), want intact", chain, seq, err)
			}
			// Every department, account, catalog change and the test's
			// sign-ins are audited.
			if want := int64(sum.Departments + sum.Users + 3*sum.Resources); n < want {
				t.Errorf("audit entries: got %d, want at least %d", n, want)
			}
		})

		t.Run("Twice", func(t *testing.T) {
			_, err := demo.Load(ctx, ids, cat, demo.Options{Resources: 60})
			if huitong.ErrorCode(err) != huitong.ECONFLICT {
				t.Errorf("second Load: got %v, want %s", err, huitong.ECONFLICT)
			}
		})
	})
}

// snapshot is what a load leaves, for comparing two loads.
func snapshot(t *testing.T, opt demo.Options) []string {
	t.Helper()
	db := storetest.Open(t, store.SQLite)
	ids, cat := services(db)
	if _, err := demo.Load(context.Background(), ids, cat, opt); err != nil {
		t.Fatalf("Load: %v", err)
	}
	depts, err := ids.Departments(operator, huitong.DepartmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range depts {
		out = append(out, d.Code+" "+d.Name)
	}
	for _, r := range working(t, cat).Items {
		out = append(out, r.Code+" "+r.Name+" "+string(r.Status)+" "+string(r.ShareType)+" "+r.Provider)
	}
	return out
}

func TestLoadDeterministic(t *testing.T) {
	a := snapshot(t, demo.Options{Seed: 7, Resources: 30})
	b := snapshot(t, demo.Options{Seed: 7, Resources: 30})
	if strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("two loads with seed 7: got different data, want the same")
	}
	c := snapshot(t, demo.Options{Seed: 8, Resources: 30})
	if a[0] == c[0] {
		t.Errorf("seeds 7 and 8: got the same first department code %s, want different ones", a[0])
	}
}

func TestLoadOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		opt   demo.Options
		field string
	}{
		{"ErrPublishedAboveOne", demo.Options{Published: 1.5}, "published"},
		{"ErrPublishedNegative", demo.Options{Published: -0.1}, "published"},
		{"ErrResourcesNegative", demo.Options{Resources: -1}, "resources"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storetest.Open(t, store.SQLite)
			ids, cat := services(db)
			_, err := demo.Load(context.Background(), ids, cat, tc.opt)
			if huitong.ErrorCode(err) != huitong.EINVALID {
				t.Fatalf("got %v, want %s", err, huitong.EINVALID)
			}
			if f := huitong.ErrorFields(err); len(f) != 1 || f[0].Field != tc.field {
				t.Errorf("fields: got %+v, want one on %s", f, tc.field)
			}
			if depts, _ := ids.Departments(operator, huitong.DepartmentFilter{}); len(depts) != 0 {
				t.Errorf("departments after refusal: got %d, want 0", len(depts))
			}
		})
	}
}

func TestLoadAllPublished(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ids, cat := services(db)
	sum, err := demo.Load(context.Background(), ids, cat, demo.Options{Resources: 25, Published: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Published != 25 {
		t.Errorf("published: got %d, want 25", sum.Published)
	}
	st := working(t, cat).Facets["status"]
	if len(st) != 1 || st[0].Value != string(huitong.StatusPublished) {
		t.Errorf("status facet: got %+v, want only published", st)
	}
}

// TestLoadDefault loads the full default demo and checks its mix.
func TestLoadDefault(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 400 entries")
	}
	db := storetest.Open(t, store.SQLite)
	ids, cat := services(db)
	start := time.Now()
	sum, err := demo.Load(context.Background(), ids, cat, demo.Options{})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	t.Logf("default demo: %d departments, %d accounts, %d entries (%d published) in %s",
		sum.Departments, sum.Users, sum.Resources, sum.Published, time.Since(start).Round(time.Millisecond))
	if sum.Resources != demo.DefaultResources || sum.Published != 340 {
		t.Errorf("entries: got %d with %d published, want %d with 340", sum.Resources, sum.Published, demo.DefaultResources)
	}
	all := working(t, cat)
	share := func(facet, value string) float64 {
		for _, f := range all.Facets[facet] {
			if f.Value == value {
				return float64(f.Count) / float64(all.Total)
			}
		}
		return 0
	}
	for _, tc := range []struct {
		facet, value string
		lo, hi       float64
	}{
		{"shareType", "unconditional", 0.48, 0.62},
		{"shareType", "conditional", 0.31, 0.45},
		{"shareType", "none", 0.04, 0.11},
		{"level", "province", 0.45, 0.65},
		{"level", "county", 0.05, 0.25},
		{"class", "1", 0.15, 0.60},
		{"class", "2", 0.15, 0.60},
		{"class", "3", 0.10, 0.50},
		{"status", "published", 0.85, 0.85},
		{"openType", "open", 0.05, 0.40},
	} {
		t.Run(tc.facet+"="+tc.value, func(t *testing.T) {
			if got := share(tc.facet, tc.value); got < tc.lo-1e-9 || got > tc.hi+1e-9 {
				t.Errorf("share: got %.3f, want %.2f-%.2f", got, tc.lo, tc.hi)
			}
		})
	}
	names := map[string]int{}
	for _, r := range all.Items {
		names[r.Name]++
	}
	if len(names) < len(all.Items)*9/10 {
		t.Errorf("distinct names: got %d of %d, want at least 90%%", len(names), len(all.Items))
	}
}

func BenchmarkLoadDefault(b *testing.B) {
	for b.Loop() {
		db := storetest.Open(b, store.SQLite)
		ids, cat := services(db)
		if _, err := demo.Load(context.Background(), ids, cat, demo.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
