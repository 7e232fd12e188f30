package web_test

import (
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"huitong/store"
	"huitong/store/storetest"
)

// TestGovernancePulls: 公安厅's admin registers a pull (the DSN never comes
// back, not even on a refused form), staff may run it but not manage it,
// pause, resume, a failed run shown, delete.
func TestGovernancePulls(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env, base := newGovPlatform(t, db)
		admin := govBrowser(t, base, "gat-admin")
		const secret = "s3cret-pw"
		form := func(dsn, schedule string) url.Values {
			return url.Values{"csrf": {admin.csrf()}, "resource": {env.People}, "name": {"户籍库"}, "driver": {"postgres"}, "dsn": {dsn},
				"query": {"SELECT sfzh AS 公民身份号码, xm AS 姓名 FROM hukou"}, "mode": {"incremental"}, "changeColumn": {"gxsj"}, "schedule": {schedule}}
		}
		// A refused form does not send the DSN back.
		p := admin.post("/governance/pulls", form("postgres://hk:"+secret+"@127.0.0.1:1/hukou", "every day"))
		if p.status != http.StatusUnprocessableEntity || p.doc.Find("#dsn-again").Length() != 1 || strings.Contains(p.body, secret) {
			t.Fatalf("bad schedule: got %d; want 422, the DSN asked again and never echoed", p.status)
		}
		if got := text(p.doc.Find("#pull-form .field-error")); !strings.Contains(got, "@every") {
			t.Errorf("bad schedule message: got %q", got)
		}
		if p := admin.post("/governance/pulls", url.Values{"resource": {env.People}}); p.status != http.StatusForbidden {
			t.Errorf("create without CSRF: got %d, want 403", p.status)
		}
		follow(t, admin.post("/governance/pulls", form("postgres://hk:"+secret+"@127.0.0.1:1/hukou?sslmode=disable&connect_timeout=2", "@daily 02:00")), "/governance/pulls")
		list, err := env.Ingest.Pulls(env.As("gat-admin"), "")
		if err != nil || len(list) != 1 {
			t.Fatalf("pulls: got %d (%v), want 1", len(list), err)
		}
		id := list[0].ID
		p = admin.get("/governance/pulls")
		if strings.Contains(p.body, secret) {
			t.Fatalf("the pulls page shows the DSN's password")
		}
		row := p.doc.Find(fmt.Sprintf("#pull-%d", id))
		if !strings.Contains(text(row.Find(".gov-dsn")), "hk@127.0.0.1:1/hukou") || !strings.Contains(text(row), "每天 02:00") {
			t.Errorf("pull row: got %q, want the DSN without its password and the schedule", text(row))
		}

		// Staff may run it, not manage it; the server holds that line too.
		staff := govBrowser(t, base, "gat")
		p = staff.get("/governance/pulls")
		if p.doc.Find("#pull-form").Length() != 0 || p.doc.Find(fmt.Sprintf("#run-%d", id)).Length() != 1 || p.doc.Find(fmt.Sprintf("#pause-%d", id)).Length() != 0 {
			t.Errorf("staff: want a run button, no registration form and no pause")
		}
		if p := staff.post(fmt.Sprintf("/governance/pulls/%d/pause", id), url.Values{"csrf": {staff.csrf()}}); p.status != http.StatusForbidden {
			t.Errorf("staff pausing: got %d, want 403", p.status)
		}
		if p := govBrowser(t, base, "rs").get("/governance/pulls"); strings.Contains(p.body, "户籍库") {
			t.Errorf("another department sees 公安厅's pull")
		}

		// Pause and resume.
		follow(t, admin.post(fmt.Sprintf("/governance/pulls/%d/pause", id), url.Values{"csrf": {admin.csrf()}}), "/governance/pulls")
		if p := admin.get("/governance/pulls"); !strings.Contains(text(p.doc.Find(fmt.Sprintf("#pull-%d .gov-pull-state", id))), "已暂停") || p.doc.Find(fmt.Sprintf("#resume-%d", id)).Length() != 1 {
			t.Errorf("after pausing: got %q", text(p.doc.Find(fmt.Sprintf("#pull-%d", id))))
		}
		follow(t, admin.post(fmt.Sprintf("/governance/pulls/%d/resume", id), url.Values{"csrf": {admin.csrf()}}), "/governance/pulls")

		// Run now against a database nobody listens on: the failure is shown.
		follow(t, staff.post(fmt.Sprintf("/governance/pulls/%d/run", id), url.Values{"csrf": {staff.csrf()}}), "/governance/")
		p = admin.get("/governance/pulls")
		if got := text(p.doc.Find(fmt.Sprintf("#pull-%d .gov-pull-error", id))); got == "" || strings.Contains(p.body, secret) {
			t.Errorf("after a failed run: error %q; want it shown, without the password", got)
		}

		// Delete.
		follow(t, admin.post(fmt.Sprintf("/governance/pulls/%d/delete", id), url.Values{"csrf": {admin.csrf()}}), "/governance/pulls")
		if list, _ := env.Ingest.Pulls(env.As("gat-admin"), ""); len(list) != 0 {
			t.Errorf("after deleting: %d pulls left", len(list))
		}
	})
}

// TestGovernancePullRun runs a pull from a real PostgreSQL database of the
// department's own (a schema on the test server) from the page, and lands
// on the batch report.
func TestGovernancePullRun(t *testing.T) {
	if storetest.PostgresDSN() == "" {
		t.Skip("HUITONG_TEST_POSTGRES not set")
	}
	env, base := newGovPlatform(t, storetest.Open(t, store.SQLite))
	src := storetest.DSN(t, store.Postgres)
	sdb, err := sql.Open("pgx", src)
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	if _, err := sdb.Exec(`CREATE TABLE hukou (sfzh TEXT PRIMARY KEY, xm TEXT, gxsj TIMESTAMPTZ NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 3; i++ {
		if _, err := sdb.Exec(`INSERT INTO hukou VALUES ($1, $2, now())`, citizen(i), fmt.Sprintf("人%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sdb.Exec(`INSERT INTO hukou VALUES ('12345', '坏号', now())`); err != nil {
		t.Fatal(err)
	}
	admin := govBrowser(t, base, "gat-admin")
	follow(t, admin.post("/governance/pulls", url.Values{"csrf": {admin.csrf()}, "resource": {env.People}, "name": {"户籍库"}, "driver": {"postgres"},
		"dsn": {src}, "query": {"SELECT sfzh AS 公民身份号码, xm AS 姓名, gxsj FROM hukou"}, "mode": {"incremental"}, "changeColumn": {"gxsj"},
		"schedule": {"@every 1h"}}), "/governance/pulls")
	list, err := env.Ingest.Pulls(env.As("gat-admin"), "")
	if err != nil || len(list) != 1 {
		t.Fatalf("pulls: got %d (%v)", len(list), err)
	}
	loc := follow(t, admin.post(fmt.Sprintf("/governance/pulls/%d/run", list[0].ID), url.Values{"csrf": {admin.csrf()}}), "/governance/batches/")
	p := admin.get(loc)
	if text(p.doc.Find("#count-accepted")) != "3" || text(p.doc.Find("#count-rejected")) != "1" || !strings.Contains(text(p.doc.Find(".flash-ok")), "抽取完成") {
		t.Errorf("pulled batch: accepted %q, rejected %q, flash %q; want 3, 1 and 抽取完成",
			text(p.doc.Find("#count-accepted")), text(p.doc.Find("#count-rejected")), text(p.doc.Find(".flash")))
	}
	if !strings.Contains(text(p.doc.Find(".subhead")), "户籍人口基本信息") || text(p.doc.Find("#batch-status")) != "已完成" {
		t.Errorf("pulled batch header: got %q", text(p.doc.Find(".subhead")))
	}
}
