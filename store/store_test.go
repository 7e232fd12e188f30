package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

var ctx = context.Background()

const deptCode = "11620000MB0000001X"

func seedDepartment(t *testing.T, db *store.DB) {
	t.Helper()
	err := db.Update(ctx, func(tx *store.Tx) error {
		return tx.InsertDepartment(ctx, &huitong.Department{Code: deptCode, Name: "甘肃省公安厅", Jurisdiction: "620000", Level: huitong.LevelProvince})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		applied, err := db.Migrate(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(applied) != 0 {
			t.Fatalf("second migrate applied %v, want nothing", applied)
		}
	})
}

func TestDepartmentConflict(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedDepartment(t, db)
		err := db.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertDepartment(ctx, &huitong.Department{Code: deptCode, Name: "另一个", Jurisdiction: "620000", Level: huitong.LevelProvince})
		})
		if got := huitong.ErrorCode(err); got != huitong.ECONFLICT {
			t.Fatalf("got %v, want conflict", err)
		}
		d, err := db.FindDepartment(ctx, deptCode)
		if err != nil || d.Name != "甘肃省公安厅" || d.Level != huitong.LevelProvince {
			t.Fatalf("got %+v %v", d, err)
		}
		if _, err := db.FindDepartment(ctx, "nope"); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Fatalf("got %v, want not_found", err)
		}
		list, err := db.Departments(ctx, huitong.DepartmentFilter{Within: "620000", Query: "公安"})
		if err != nil || len(list) != 1 {
			t.Fatalf("got %d departments (%v), want 1", len(list), err)
		}
		list, _ = db.Departments(ctx, huitong.DepartmentFilter{Query: "%"})
		if len(list) != 0 {
			t.Fatalf("LIKE wildcard in query matched %d, want 0", len(list))
		}
	})
}

func TestSequenceConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		var mu sync.Mutex
		seen := map[int64]bool{}
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 10 {
					var n int64
					err := db.Update(ctx, func(tx *store.Tx) (err error) {
						n, err = tx.NextSequence(ctx, "x")
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if seen[n] {
						t.Errorf("sequence value %d handed out twice", n)
					}
					seen[n] = true
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 80 {
			t.Fatalf("got %d distinct values, want 80", len(seen))
		}
	})
}

func TestResourceVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedDepartment(t, db)
		now := time.Now().UTC()
		r := &huitong.Resource{Code: "301001/000001", Version: 1, Status: huitong.StatusDraft, Name: "户籍人口信息", Provider: deptCode,
			Classification: huitong.Classification{Class: "3", Item: "01", Category: "001"}, CreatedAt: now, UpdatedAt: now,
			Items: []huitong.Item{{Name: "公民身份号码", Type: "C", Key: true}}}
		must(t, db.Update(ctx, func(tx *store.Tx) error { return tx.InsertResource(ctx, r) }))
		err := db.Update(ctx, func(tx *store.Tx) error { return tx.InsertResource(ctx, r) })
		if huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Fatalf("got %v, want conflict", err)
		}
		r.Status = huitong.StatusPublished
		must(t, db.Update(ctx, func(tx *store.Tx) error { return tx.SaveVersion(ctx, r) }))
		r2 := *r
		r2.Version, r2.Status, r2.Name = 2, huitong.StatusDraft, "户籍人口基本信息"
		must(t, db.Update(ctx, func(tx *store.Tx) error { return tx.SaveVersion(ctx, &r2) }))

		var head *store.ResourceHead
		must(t, db.View(ctx, func(tx *store.Tx) (err error) { head, err = tx.FindResourceHead(ctx, r.Code); return }))
		if head.LatestVersion != 2 || head.PublishedVersion != 1 || head.Status != huitong.StatusDraft {
			t.Fatalf("got head %+v, want latest 2 published 1 draft", head)
		}
		vs, err := db.ResourceVersions(ctx, r.Code)
		if err != nil || len(vs) != 2 || vs[0].Name != "户籍人口基本信息" || vs[1].Items[0].Name != "公民身份号码" {
			t.Fatalf("got versions %+v %v", vs, err)
		}
		codes, total, err := db.LikeSearch(ctx, "户籍", 10)
		if err != nil || total != 1 || codes[0] != r.Code {
			t.Fatalf("got %v %d %v", codes, total, err)
		}
		var n int
		must(t, db.EachCurrentResource(ctx, func(*huitong.Resource) error { n++; return nil }))
		if n != 2 {
			t.Fatalf("got %d current docs, want 2 (draft and published)", n)
		}
	})
}

func TestAuditChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i := range 12 {
			must(t, db.Audit(ctx, &huitong.AuditEntry{Actor: "u", Action: "test", Object: fmt.Sprint(i), Detail: `{"i":1}`}))
		}
		n, _, _, err := db.VerifyAudit(ctx)
		if err != nil || n != 12 {
			t.Fatalf("got %d verified, err %v; want 12", n, err)
		}
		// Tamper with entry 5 directly in the database.
		if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		_, chain, seq, err := db.VerifyAudit(ctx)
		if err == nil || seq != 5 || chain != store.DefaultChain {
			t.Fatalf("got chain %q seq %d err %v, want failure at 5", chain, seq, err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'u' WHERE seq = 5`); err != nil {
			t.Fatal(err)
		}
		// Remove the last entry: the head no longer matches.
		if _, err := db.ExecContext(ctx, `DELETE FROM audit_log WHERE seq = 12`); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := db.VerifyAudit(ctx); err == nil {
			t.Fatal("truncated chain verified")
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuditChainsListed verifies every chain in the log, a chain whose
// head row is gone included: its entries are still walked, and the
// missing head is reported rather than the chain skipped.
func TestAuditChainsListed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for i := range 9 {
			chain := []string{"a", "b", "main"}[i%3]
			must(t, db.Audit(ctx, &huitong.AuditEntry{Chain: chain, Actor: "u", Action: "test", Object: fmt.Sprint(i), Detail: `{"i":1}`}))
		}
		rep, err := db.VerifyAuditAll(ctx)
		if err != nil || rep.Chains != 3 || rep.Entries != 9 {
			t.Fatalf("got %d chains, %d entries, %v; want 3 and 9", rep.Chains, rep.Entries, err)
		}
		if _, err := db.ExecContext(ctx, `UPDATE audit_log SET actor = 'mallory' WHERE chain = 'b' AND seq = 2`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, `DELETE FROM audit_heads WHERE chain = 'b'`); err != nil {
			t.Fatal(err)
		}
		rep, err = db.VerifyAuditAll(ctx)
		if err == nil || rep.BadChain != "b" {
			t.Fatalf("got bad chain %q, %v; want chain b refused", rep.BadChain, err)
		}
	})
}
