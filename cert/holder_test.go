package cert_test

import (
	"context"
	"testing"

	"huitong"
	"huitong/cert"
	"huitong/store"
	"huitong/store/storetest"
)

// TestHolderOwnWallet: a holder signed in to its own wallet sees, shows
// and downloads its own certificates only, and reaches nothing of the
// government's; staff do not open a holder's own wallet.
func TestHolderOwnWallet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		mine, other := e.issue(t, 40), e.issue(t, 41)
		e.issue(t, 40) // a second licence of the same company
		holder := huitong.WithPrincipal(context.Background(), &huitong.Principal{Username: "holder:1", HolderAcctID: 1,
			Holder: company(40), HolderKind: huitong.HolderEntity, HolderName: "兰州汇通商贸有限公司"})

		list, err := e.s.MyWallet(holder, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 2 || len(list.Items) != 2 || list.Items[0].HolderID != company(40) {
			t.Fatalf("own wallet: got %d items %+v, want the company's two unmasked", list.Total, list.Items)
		}
		if _, err := e.s.MyWallet(e.market1, 0, 50); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("staff opening MyWallet: got %v, want EFORBIDDEN", err)
		}
		if sc, err := e.s.CreateShowCode(holder, mine.ID); err != nil || len(sc.Code) != 6 {
			t.Errorf("show own: got %+v %v", sc, err)
		}
		if _, err := e.s.PDF(holder, mine.ID); err != nil {
			t.Errorf("PDF of own: %v", err)
		}
		if c, err := e.s.Mine(holder, mine.ID); err != nil || c.Data["fddbr"] != "张伟" {
			t.Errorf("own certificate: got %+v %v", c, err)
		}
		// Another's certificate is as if it did not exist.
		if _, err := e.s.CreateShowCode(holder, other.ID); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Errorf("show another's: got %v, want ENOTFOUND", err)
		}
		if _, err := e.s.PDF(holder, other.ID); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Errorf("PDF of another's: got %v, want ENOTFOUND", err)
		}
		if _, err := e.s.Export(holder, other.ID); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Errorf("export of another's: got %v, want ENOTFOUND", err)
		}
		if _, err := e.s.Mine(holder, other.ID); huitong.ErrorCode(err) != huitong.ENOTFOUND {
			t.Errorf("another's certificate: got %v, want ENOTFOUND", err)
		}
		// The government's views stay closed to a holder.
		if _, err := e.s.Find(holder, mine.ID); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("Find as a holder: got %v, want EFORBIDDEN", err)
		}
		if _, err := e.s.Wallet(holder, company(41), 0, 10); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("another's wallet as a holder: got %v, want EFORBIDDEN", err)
		}
		if _, err := e.s.List(holder, huitong.CertFilter{}); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("List as a holder: got %v, want EFORBIDDEN", err)
		}
		if _, err := e.s.Issue(holder, e.licenceReq(40)); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("Issue as a holder: got %v, want EFORBIDDEN", err)
		}
		if _, err := e.s.Revoke(holder, mine.ID, "不想要了"); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("Revoke as a holder: got %v, want EFORBIDDEN", err)
		}
		entries, _ := db.AuditEntries(e.op, huitong.AuditFilter{Actor: "holder:1"})
		acts := map[string]int{}
		for _, a := range entries {
			acts[a.Action]++
		}
		if acts["cert.wallet"] != 1 || acts["cert.show"] != 1 || acts["cert.pdf"] != 1 {
			t.Errorf("holder's audit: got %v, want the wallet, the show and the PDF", acts)
		}
	})
}
