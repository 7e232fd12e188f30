package store_test

import (
	"context"
	"testing"
	"time"

	"huitong"
	"huitong/store"
	"huitong/store/storetest"
)

// TestHolderAccounts: reopening keeps one account per holder with the new
// code; an activation code is good once, even for two activations at the
// same moment; failures lock at the limit and start again after the lock.
func TestHolderAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
		open := func(code string) *store.HolderAccount {
			a := &store.HolderAccount{HolderID: "91620102MA7WEB0133", HolderName: "兰州驼铃商贸有限公司", Kind: huitong.HolderEntity,
				ActivationHash: code, ActivationExpires: now.Add(time.Hour), CreatedBy: "scjg", CreatedAt: now}
			if err := db.Update(ctx, func(tx *store.Tx) error { return tx.OpenHolderActivation(ctx, a) }); err != nil {
				t.Fatal(err)
			}
			return a
		}
		first, second := open("code-1"), open("code-2")
		if first.ID != second.ID {
			t.Fatalf("reopened: got accounts %d and %d, want one", first.ID, second.ID)
		}
		var a *store.HolderAccount
		db.View(ctx, func(tx *store.Tx) (err error) { a, err = tx.FindHolderAccount(ctx, "91620102MA7WEB0133"); return err })
		if a.ActivationHash != "code-2" || !a.ActivationExpires.Equal(now.Add(time.Hour)) || a.Kind != huitong.HolderEntity {
			t.Fatalf("got %+v, want the second code", a)
		}
		activate := func(code string) error {
			return db.Update(ctx, func(tx *store.Tx) error { return tx.ActivateHolder(ctx, a.ID, code, "argon2id-hash", now) })
		}
		if err := activate("code-1"); huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Errorf("the replaced code: got %v, want ECONFLICT", err)
		}
		if err := activate("code-2"); err != nil {
			t.Fatal(err)
		}
		if err := activate("code-2"); huitong.ErrorCode(err) != huitong.ECONFLICT {
			t.Errorf("the code again: got %v, want ECONFLICT", err)
		}
		fail := func(at time.Time) int {
			var n int
			if err := db.Update(ctx, func(tx *store.Tx) (err error) {
				n, err = tx.HolderFailed(ctx, a.ID, at, 3, at.Add(time.Minute))
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		for want := 1; want <= 3; want++ {
			if got := fail(now); got != want {
				t.Fatalf("failure %d: counted %d", want, got)
			}
		}
		db.View(ctx, func(tx *store.Tx) (err error) { a, err = tx.FindHolderAccount(ctx, "91620102MA7WEB0133"); return err })
		if !a.LockedUntil.Equal(now.Add(time.Minute)) || a.PasswordHash != "argon2id-hash" {
			t.Errorf("got %+v, want locked for a minute with the password kept", a)
		}
		if got := fail(now.Add(2 * time.Minute)); got != 1 {
			t.Errorf("after the lock ran out: counted %d, want 1", got)
		}
	})
}
