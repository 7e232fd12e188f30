package exchange_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"huitong"
	"huitong/audit"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/store"
	"huitong/store/storetest"
)

// withAudit builds a province with a grant and a few dozen uses.
func withAudit(t *testing.T, db *store.DB) *exchangetest.Env {
	t.Helper()
	e := setup(t, db, exchangetest.Options{})
	ctx := context.Background()
	if _, err := e.Grant(ctx, "county", "ga", e.People, exchange.RequestInput{Items: []string{"XM", "XBDM"}}); err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		qq := q(e.People, e.PeopleKeys[i%10])
		if i%3 == 0 {
			qq.Values = map[string]string{"姓名": exchangetest.Name(i % 10)}
			if _, err := e.Exchange.Verify(e.As("county"), qq); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, _, err := e.Exchange.Get(e.As("county"), qq); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func TestCheckpointsAndTampering(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := withAudit(t, db)
		x := e.Exchange
		ctx := context.Background()
		if _, err := x.Checkpoint(e.As("ga")); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Fatalf("staff signs: got %v, want forbidden", err)
		}
		cp1, err := x.Checkpoint(e.As("op"))
		if err != nil {
			t.Fatal(err)
		}
		pub, _ := x.PublicKey(ctx)
		if err := audit.VerifyCheckpoint(pub, cp1); err != nil {
			t.Fatal(err)
		}
		if again, _ := x.Checkpoint(e.As("op")); again.Seq != cp1.Seq {
			t.Errorf("no new entries: got a new checkpoint at %d", again.Seq)
		}
		for i := range 5 {
			if _, _, err := x.Get(e.As("county"), q(e.People, e.PeopleKeys[i])); err != nil {
				t.Fatal(err)
			}
		}
		cp2, err := x.Checkpoint(e.As("op"))
		if err != nil || cp2.Seq <= cp1.Seq {
			t.Fatalf("second checkpoint: got %+v %v", cp2, err)
		}
		rep, err := db.VerifyAuditAll(ctx)
		if err != nil || rep.Checkpoints != 2 || rep.Latest["main"] != cp2.Seq || len(rep.Keys) != 1 || rep.Keys[0] != pub.Fingerprint() {
			t.Fatalf("verify: got %+v %v", rep, err)
		}

		t.Run("ExportVerifiesWithOpenSSL", func(t *testing.T) {
			if _, err := exec.LookPath("openssl"); err != nil {
				t.Skip("openssl not in PATH")
			}
			dir := filepath.Join(t.TempDir(), "export")
			got, n, err := x.ExportAudit(ctx, dir, "", 0, false)
			if err != nil || got.Seq != cp2.Seq || n != cp2.Seq-cp1.Seq {
				t.Fatalf("export: got %+v %d %v", got, n, err)
			}
			out, err := exec.Command("sh", filepath.Join(dir, "verify.sh")).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "OK: ") {
				t.Fatalf("verify.sh: %v\n%s", err, out)
			}
			all := filepath.Join(t.TempDir(), "all")
			if _, n, err := x.ExportAudit(ctx, all, "", 0, true); err != nil || n != cp2.Seq {
				t.Fatalf("export from the start: %d %v", n, err)
			}
			if out, err := exec.Command("sh", filepath.Join(all, "verify.sh")).CombinedOutput(); err != nil {
				t.Fatalf("verify.sh from the start: %v\n%s", err, out)
			}
		})

	})
}

// checkpointed builds a province with uses and two signed checkpoints.
func checkpointed(t *testing.T, db *store.DB) (*exchangetest.Env, *huitong.Checkpoint, *huitong.Checkpoint) {
	t.Helper()
	e := withAudit(t, db)
	cp1, err := e.Exchange.Checkpoint(e.As("op"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, _, err := e.Exchange.Get(e.As("county"), q(e.People, e.PeopleKeys[i])); err != nil {
			t.Fatal(err)
		}
	}
	cp2, err := e.Exchange.Checkpoint(e.As("op"))
	if err != nil {
		t.Fatal(err)
	}
	return e, cp1, cp2
}

// TestTamperingDetected changes the stored trail in the ways an attacker
// with database access could, and expects VerifyAuditAll to name the first
// entry that can no longer be trusted.
func TestTamperingDetected(t *testing.T) {
	type tamper func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error
	edit := func(seq func(cp1, cp2 *huitong.Checkpoint) int64) tamper {
		return func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_log SET detail = REPLACE(detail, '最低生活保障', '其他用途') WHERE chain = 'main' AND seq = ?`, seq(cp1, cp2))
			return err
		}
	}
	tests := []struct {
		name    string
		tamper  tamper
		wantSeq func(cp1, cp2 *huitong.Checkpoint) int64
		want    string
	}{
		{"ErrEditedEntry", edit(func(cp1, _ *huitong.Checkpoint) int64 { return cp1.Seq - 3 }),
			func(cp1, _ *huitong.Checkpoint) int64 { return cp1.Seq - 3 }, "does not match its contents"},
		{"ErrEditedAfterLastCheckpoint", edit(func(_, cp2 *huitong.Checkpoint) int64 { return cp2.Seq - 1 }),
			func(_, cp2 *huitong.Checkpoint) int64 { return cp2.Seq - 1 }, "does not match its contents"},
		{"ErrRewrittenAndRehashed", func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error {
			// The attacker edits an entry and recomputes every later hash
			// and the head: the chain is consistent again, but no longer
			// matches the signed checkpoint.
			target := cp1.Seq - 3
			var prev string
			var entries []*huitong.AuditEntry
			for e, err := range db.AuditRange(ctx, "main", 1, 1<<40) {
				if err != nil {
					return err
				}
				entries = append(entries, e)
			}
			for _, e := range entries {
				if e.Seq < target {
					prev = e.Hash
					continue
				}
				if e.Seq == target {
					e.Detail = strings.Replace(e.Detail, "最低生活保障", "其他用途", 1)
				}
				audit.Seal(prev, e)
				prev = e.Hash
				if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET detail = ?, prev_hash = ?, hash = ? WHERE chain = 'main' AND seq = ?`, e.Detail, e.PrevHash, e.Hash, e.Seq); err != nil {
					return err
				}
			}
			_, err := tx.ExecContext(ctx, `UPDATE audit_heads SET hash = ? WHERE chain = 'main'`, prev)
			return err
		}, func(*huitong.Checkpoint, *huitong.Checkpoint) int64 { return 1 }, "rewritten"},
		{"ErrTruncated", func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error {
			keep, err := db.FindAuditEntry(ctx, "main", cp2.Seq-2)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM audit_log WHERE chain = 'main' AND seq > ?`, keep.Seq); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `UPDATE audit_heads SET seq = ?, hash = ? WHERE chain = 'main'`, keep.Seq, keep.Hash)
			return err
		}, func(_, cp2 *huitong.Checkpoint) int64 { return cp2.Seq - 1 }, "checkpoint at"},
		{"ErrForgedCheckpoint", func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_checkpoints SET hash = ? WHERE seq = ?`, strings.Repeat("0", 64), cp2.Seq)
			return err
		}, func(cp1, _ *huitong.Checkpoint) int64 { return cp1.Seq + 1 }, "payload does not state"},
		{"ErrForeignKey", func(ctx context.Context, db *store.DB, tx *store.Tx, cp1, cp2 *huitong.Checkpoint) error {
			_, err := tx.ExecContext(ctx, `UPDATE audit_checkpoints SET key_fp = ? WHERE seq = ?`, strings.Repeat("ab", 32), cp1.Seq)
			return err
		}, func(*huitong.Checkpoint, *huitong.Checkpoint) int64 { return 1 }, "not a platform key"},
	}
	for _, engine := range storetest.Engines() {
		for _, tt := range tests {
			t.Run(engine+"/"+tt.name, func(t *testing.T) {
				db := storetest.Open(t, engine)
				_, cp1, cp2 := checkpointed(t, db)
				ctx := context.Background()
				if rep, err := db.VerifyAuditAll(ctx); err != nil {
					t.Fatalf("before tampering: %+v %v", rep, err)
				}
				if err := db.Update(ctx, func(tx *store.Tx) error { return tt.tamper(ctx, db, tx, cp1, cp2) }); err != nil {
					t.Fatal(err)
				}
				rep, err := db.VerifyAuditAll(ctx)
				if want := tt.wantSeq(cp1, cp2); err == nil || rep.BadSeq != want || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got bad %d %v, want bad %d and %q", rep.BadSeq, err, want, tt.want)
				}
			})
		}
	}
}

func TestUsageViews(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := withAudit(t, db)
		x := e.Exchange
		key := e.PeopleKeys[2]
		t.Run("Subject", func(t *testing.T) {
			if _, err := x.SubjectUsage(e.As("ga"), key, 0, 50); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("provider staff: got %v, want forbidden", err)
			}
			uses, err := x.SubjectUsage(e.As("dsj"), strings.ToLower(key), 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			// Keys 0..9 were used three times each: two queries and one
			// verification, or the other way round.
			if len(uses) != 3 {
				t.Fatalf("got %d uses, want 3", len(uses))
			}
			u := uses[0]
			if u.Department != e.County || u.DepartmentName != "兰州市城关区民政局" || u.Purpose != "最低生活保障资格审核" || u.Case != "GS2026-0001" ||
				u.Grant == 0 || u.ResourceName != "户籍人口基本信息" || u.Result != "ok" {
				t.Fatalf("use: got %+v", u)
			}
			entry, d := lastEntry(t, db, "usage.subject")
			if entry.Actor != "dsj" || d["count"] != float64(3) || strings.Contains(entry.Detail, key) {
				t.Errorf("lookup audit: got %+v %v", entry, d)
			}
		})
		t.Run("ProviderAndConsumer", func(t *testing.T) {
			mine, err := x.Usage(e.As("county"), exchange.RoleConsumer, huitong.UsageFilter{Limit: 100})
			if err != nil || len(mine) != 30 {
				t.Fatalf("consumer: got %d %v, want 30", len(mine), err)
			}
			theirs, err := x.Usage(e.As("ga"), exchange.RoleProvider, huitong.UsageFilter{Limit: 100})
			if err != nil || len(theirs) != 30 {
				t.Fatalf("provider: got %d %v, want 30", len(theirs), err)
			}
			if none, _ := x.Usage(e.As("rs"), exchange.RoleProvider, huitong.UsageFilter{}); len(none) != 0 {
				t.Fatalf("a department providing nothing used: got %d", len(none))
			}
			if _, err := x.Usage(e.As("rs"), exchange.RoleProvider, huitong.UsageFilter{Resource: e.People}); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("another provider's resource: got %v", err)
			}
			sum, err := x.UsageSummary(e.As("ga"), exchange.RoleProvider, huitong.UsageFilter{})
			if err != nil || len(sum) != 2 || sum[0].Count+sum[1].Count != 30 {
				t.Fatalf("summary: got %+v %v", sum, err)
			}
		})
	})
}
