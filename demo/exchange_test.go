package demo_test

import (
	"context"
	"crypto/rand"
	"testing"

	"huitong"
	"huitong/demo"
	"huitong/exchange"
	"huitong/gm"
	"huitong/ingest"
	"huitong/store"
	"huitong/store/storetest"
)

// TestLoadExchange loads a small demo and its sharing side, and checks
// that the pages have something real to show: grants, a pending and an
// escalated request, API keys, thousands of audited uses, and a chain that
// verifies with a signed checkpoint.
func TestLoadExchange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, cat := services(db)
		if _, err := demo.Load(ctx, ids, cat, demo.Options{Resources: 60}); err != nil {
			t.Fatal(err)
		}
		key := make([]byte, gm.MasterKeySize)
		rand.Read(key)
		keys, err := gm.NewKeyring(key)
		if err != nil {
			t.Fatal(err)
		}
		ing := ingest.New(db, cat, keys, ingest.Config{}, nil, nil)
		if _, err := demo.LoadData(ctx, ids, cat, ing, demo.DataOptions{People: 4000}); err != nil {
			t.Fatal(err)
		}
		x, err := exchange.New(db, cat, ids, keys, exchange.Config{}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer x.Close()
		sum, err := demo.LoadExchange(ctx, db, keys, ids, cat, x)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%+v", sum)
		if sum.Grants < 3 || sum.Pending < 1 || sum.Escalated < 1 || sum.APIKeys < 2 || sum.Uses < 2000 || sum.Entries < 2000 {
			t.Errorf("got %+v, want at least 3 grants, a pending and an escalated request, 2 API keys, 2000 uses and audit entries", sum)
		}
		op := huitong.WithPrincipal(ctx, huitong.System)
		grants, total, err := x.Grants(op, exchange.RoleAuthority, huitong.GrantFilter{})
		if err != nil || total != sum.Grants {
			t.Errorf("grants: got %d %v, want %d", total, err, sum.Grants)
		}
		for _, g := range grants {
			if len(g.Items) == 0 || g.Jurisdiction == "" {
				t.Errorf("grant %d: got %+v", g.ID, g)
			}
		}
		rep, err := db.VerifyAuditAll(ctx)
		if err != nil || rep.Checkpoints != 1 || rep.Entries != sum.Entries {
			t.Fatalf("audit: got %+v %v", rep, err)
		}
	})
}
