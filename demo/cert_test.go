package demo_test

import (
	"context"
	"crypto/rand"
	"testing"

	"huitong"
	"huitong/cert"
	"huitong/demo"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
	"huitong/store/storetest"
)

func TestLoadCerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, cat := services(db)
		sum, err := demo.Load(ctx, ids, cat, demo.Options{Resources: 20})
		if err != nil {
			t.Fatal(err)
		}
		key := make([]byte, gm.MasterKeySize)
		rand.Read(key)
		keys, _ := gm.NewKeyring(key)
		certs := cert.New(db, keys, cert.Config{}, nil, nil)
		cs, err := demo.LoadCerts(ctx, ids, cat, certs, sum)
		if err != nil {
			t.Fatal(err)
		}
		if cs.Types != 6 || cs.Certificates < 3000 || cs.People != 1600 || cs.Companies != 700 {
			t.Errorf("got %+v, want 6 types and a few thousand certificates", cs)
		}
		lib, err := cat.Find(operator, cs.Catalog, 0)
		if err != nil || lib.Status != huitong.StatusPublished || lib.Name != "电子证照库" {
			t.Errorf("catalog entry: got %v %v, want the published 电子证照库", lib, err)
		}
		list, err := certs.List(operator, huitong.CertFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		byStatus := map[huitong.CertStatus]int{}
		for i, c := range list.Items {
			byStatus[c.Status]++
			if i%50 != 0 {
				continue
			}
			if c.HolderKind == huitong.HolderPerson {
				if _, err := gbcode.CitizenID(c.HolderID); err != nil {
					t.Errorf("%s: holder %s: %v", c.ID, c.HolderID, err)
				}
			} else if _, err := gbcode.USCC(c.HolderID); err != nil || c.HolderID[:2] != "91" {
				t.Errorf("%s: holder %s: %v, want a valid code of kind 91", c.ID, c.HolderID, err)
			}
			v, err := certs.Verify(ctx, c.ID)
			if err != nil || v.Checks.Signature != true || v.Checks.Seal != true {
				t.Errorf("%s: got %v %v, want signature and seal verified", c.ID, v, err)
			}
		}
		if byStatus[huitong.CertValid] == 0 {
			t.Errorf("got statuses %v, want valid certificates", byStatus)
		}
		all, _ := certs.List(operator, huitong.CertFilter{Status: huitong.CertRevoked})
		sup, _ := certs.List(operator, huitong.CertFilter{Status: huitong.CertSuperseded})
		if all.Total != 5 || sup.Total != 1 {
			t.Errorf("got %d revoked and %d superseded, want 5 and 1", all.Total, sup.Total)
		}
		// The demo holders sign in to their own wallets, which hold their
		// certificates from more than one department.
		if len(cs.Holders) != 2 {
			t.Fatalf("got holders %v, want a person and a company", cs.Holders)
		}
		for _, h := range cs.Holders {
			_, p, err := ids.HolderLogin(ctx, h.HolderID, demo.HolderPassword)
			if err != nil {
				t.Fatalf("holder %s: %v", h.Name, err)
			}
			mine, err := certs.MyWallet(huitong.WithPrincipal(ctx, p), 0, 50)
			if err != nil {
				t.Fatal(err)
			}
			issuers := map[string]bool{}
			for _, c := range mine.Items {
				issuers[c.Issuer] = true
			}
			if mine.Total < 2 || len(issuers) < 2 || p.HolderName != h.Name {
				t.Errorf("holder %s: %d certificates from %d departments, want two or more from two or more", h.Name, mine.Total, len(issuers))
			}
		}
	})
}
