package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"huitong"
	"huitong/catalog"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

var (
	gat      = gbcode.MakeUSCC('1', '1', "620000", "01360002")
	rs       = gbcode.MakeUSCC('1', '1', "620000", "01360003")
	dsj      = gbcode.MakeUSCC('1', '1', "620000", "01360001")
	staff    = &huitong.Principal{UserID: 1, Username: "gat", Department: gat, Roles: []huitong.Role{huitong.RoleStaff}}
	rsStaff  = &huitong.Principal{UserID: 2, Username: "rst", Department: rs, Roles: []huitong.Role{huitong.RoleStaff}}
	reviewer = &huitong.Principal{UserID: 3, Username: "reviewer", Department: dsj, Roles: []huitong.Role{huitong.RoleReviewer}}
)

func as(p *huitong.Principal) context.Context {
	return huitong.WithPrincipal(context.Background(), p)
}

func setup(t *testing.T, db *store.DB) *catalog.Service {
	t.Helper()
	ids := identity.New(db, identity.Config{}, nil)
	for _, d := range []*huitong.Department{
		{Code: dsj, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Authority: true},
		{Code: gat, Name: "甘肃省公安厅", Jurisdiction: "620000"},
		{Code: rs, Name: "甘肃省人力资源和社会保障厅", Jurisdiction: "620000"},
	} {
		if err := ids.CreateDepartment(as(huitong.System), d); err != nil {
			t.Fatal(err)
		}
	}
	cat := catalog.New(db, nil, nil)
	if err := cat.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	return cat
}

func entry(name string) *huitong.Resource {
	return &huitong.Resource{
		Name: name, Abstract: "全省" + name + "，按日更新。", Classification: huitong.Classification{Class: "3", Item: "01", Category: "002"},
		Format: huitong.FormatDatabase, ShareType: huitong.ShareUnconditional, ShareMethods: []huitong.ShareMethod{huitong.MethodQuery},
		OpenType: huitong.OpenClosed, UpdateCycle: huitong.CycleDaily,
		Items: []huitong.Item{{Name: "公民身份号码", Type: huitong.TypeString, Key: true, KeyKind: huitong.KeyCitizenID}, {Name: "姓名", Type: huitong.TypeString}},
		Mount: huitong.Mount{Kind: huitong.MountTable},
	}
}

func codes(l *huitong.ResourceList) []string {
	var out []string
	for _, r := range l.Items {
		out = append(out, fmt.Sprintf("%s@%d:%s", r.Code, r.Version, r.Status))
	}
	slices.Sort(out)
	return out
}

func search(t *testing.T, cat *catalog.Service, p *huitong.Principal, q, scope string) []string {
	t.Helper()
	l, err := cat.SearchScope(as(p), huitong.ResourceFilter{Query: q, Limit: 100}, scope)
	if err != nil {
		t.Fatal(err)
	}
	return codes(l)
}

func TestSearchFollowsLifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := setup(t, db)
		r := entry("户籍人口基本信息")
		if err := cat.Create(as(staff), r); err != nil {
			t.Fatal(err)
		}
		if r.Code != "301002/000001" {
			t.Fatalf("code: got %s, want 301002/000001", r.Code)
		}
		if r.Mount.Table != "rd_301002_000001" {
			t.Fatalf("table: got %s", r.Mount.Table)
		}
		if got := search(t, cat, rsStaff, "户籍", ""); len(got) != 0 {
			t.Fatalf("draft in published search: %v", got)
		}
		if got := search(t, cat, staff, "户籍", catalog.ScopeWorking); !slices.Equal(got, []string{r.Code + "@1:draft"}) {
			t.Fatalf("provider's working search: got %v", got)
		}
		if got := search(t, cat, rsStaff, "户籍", catalog.ScopeWorking); len(got) != 0 {
			t.Fatalf("other department's working search sees a draft: %v", got)
		}
		if got := search(t, cat, reviewer, "", catalog.ScopeWorking); len(got) != 0 {
			t.Fatalf("review queue holds a draft: %v", got)
		}
		mustDo(t)(cat.Submit(as(staff), r.Code))
		if got := search(t, cat, reviewer, "", catalog.ScopeWorking); !slices.Equal(got, []string{r.Code + "@1:submitted"}) {
			t.Fatalf("review queue: got %v", got)
		}
		mustDo(t)(cat.Publish(as(reviewer), r.Code))
		if got := search(t, cat, rsStaff, "户籍", ""); !slices.Equal(got, []string{r.Code + "@1:published"}) {
			t.Fatalf("published search: got %v", got)
		}
		// A revision stays out of the published view until published.
		rev := entry("户籍人口基本信息")
		rev.Name = "户籍人口信息(新版)"
		rev.Classification = huitong.Classification{}
		mustDo(t)(cat.Update(as(staff), r.Code, rev))
		if got := search(t, cat, rsStaff, "新版", ""); len(got) != 0 {
			t.Fatalf("draft revision searchable by others: %v", got)
		}
		if pub, work := cat.Stats(); pub != 1 || work != 1 {
			t.Fatalf("stats with a pending revision: got %d published, %d working; want 1, 1", pub, work)
		}
		if got := search(t, cat, rsStaff, "户籍", ""); !slices.Equal(got, []string{r.Code + "@1:published"}) {
			t.Fatalf("published view after revision: got %v", got)
		}
		changes, err := cat.Changes(as(staff), r.Code)
		if err != nil {
			t.Fatal(err)
		}
		if last := changes[len(changes)-1]; last.Action != "revise" || last.Note != "修改: 名称" {
			t.Fatalf("revision change: got %s %q, want revise \"修改: 名称\"", last.Action, last.Note)
		}
		mustDo(t)(cat.Submit(as(staff), r.Code))
		mustDo(t)(cat.Publish(as(reviewer), r.Code))
		if got := search(t, cat, rsStaff, "新版", ""); !slices.Equal(got, []string{r.Code + "@2:published"}) {
			t.Fatalf("after publishing v2: got %v", got)
		}
		v1, err := cat.Find(as(rsStaff), r.Code, 1)
		if err != nil || v1.Status != huitong.StatusSuperseded {
			t.Fatalf("v1: got %v %v, want superseded", v1, err)
		}
		// A fresh rebuild gives what the incremental updates gave.
		other := catalog.New(db, nil, nil)
		if err := other.Rebuild(context.Background()); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"户籍", "新版", ""} {
			for _, scope := range []string{"", catalog.ScopeWorking} {
				if a, b := search(t, cat, staff, q, scope), search(t, other, staff, q, scope); !slices.Equal(a, b) {
					t.Fatalf("%q %s: incremental %v, rebuilt %v", q, scope, a, b)
				}
			}
		}
		// Withdrawal removes it from the published view of both instances
		// once the second hears of the change.
		admin := &huitong.Principal{UserID: 4, Username: "gat-admin", Department: gat, Roles: []huitong.Role{huitong.RoleDeptAdmin}}
		mustDo(t)(cat.Withdraw(as(admin), r.Code, "数据源停用"))
		if got := search(t, cat, rsStaff, "户籍", ""); len(got) != 0 {
			t.Fatalf("withdrawn still searchable: %v", got)
		}
		if err := other.Reindex(context.Background(), r.Code); err != nil {
			t.Fatal(err)
		}
		if got := search(t, other, rsStaff, "户籍", ""); len(got) != 0 {
			t.Fatalf("second instance after reindex: %v", got)
		}
	})
}

func TestFacetsAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := setup(t, db)
		for i, name := range []string{"户籍人口信息", "户籍迁移记录", "社会保险参保信息"} {
			p := staff
			if i == 2 {
				p = rsStaff
			}
			r := entry(name)
			if i == 1 {
				r.ShareType, r.ShareCondition = huitong.ShareConditional, "办理业务时核验"
			}
			if err := cat.Create(as(p), r); err != nil {
				t.Fatal(err)
			}
			mustDo(t)(cat.Submit(as(p), r.Code))
			mustDo(t)(cat.Publish(as(reviewer), r.Code))
		}
		l, err := cat.Search(as(rsStaff), huitong.ResourceFilter{Query: "户籍"})
		if err != nil {
			t.Fatal(err)
		}
		if l.Total != 2 || len(l.Facets["shareType"]) != 2 || l.Facets["provider"][0].Label != "甘肃省公安厅" {
			t.Fatalf("got total %d facets %+v", l.Total, l.Facets)
		}
		l, _ = cat.Search(as(rsStaff), huitong.ResourceFilter{Query: "户籍", ShareType: huitong.ShareConditional})
		if l.Total != 1 || l.Items[0].Name != "户籍迁移记录" {
			t.Fatalf("filtered: got %v", codes(l))
		}
		l, _ = cat.Search(as(rsStaff), huitong.ResourceFilter{Provider: rs})
		if l.Total != 1 || l.Items[0].Name != "社会保险参保信息" {
			t.Fatalf("by provider: got %v", codes(l))
		}
		l, _ = cat.Search(as(rsStaff), huitong.ResourceFilter{Query: "身份号码"})
		if l.Total != 3 {
			t.Fatalf("by item name: got %d, want 3", l.Total)
		}
	})
}

func TestRelatedMustExist(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		cat := setup(t, db)
		r := entry("婚姻登记信息")
		r.Related = []string{"301002/999999"}
		err := cat.Create(as(staff), r)
		if huitong.ErrorCode(err) != huitong.EINVALID || huitong.ErrorFields(err)[0].Field != "related" {
			t.Fatalf("got %v, want invalid related", err)
		}
	})
}

func mustDo(t *testing.T) func(*huitong.Resource, error) {
	return func(_ *huitong.Resource, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
}
