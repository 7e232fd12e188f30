package demo_test

import (
	"context"
	"testing"
	"time"

	"huitong"
	"huitong/demo"
	"huitong/ingest"
	"huitong/store"
	"huitong/store/storetest"
)

// TestLoadData delivers a small demo through the real pipeline and checks
// that the quality pages have something to show: rejects with their rules,
// cleaning, near duplicates, disputes routed to the authority and a trend.
func TestLoadData(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ids, cat := services(db)
		if _, err := demo.Load(ctx, ids, cat, demo.Options{Resources: 60}); err != nil {
			t.Fatal(err)
		}
		ing := ingest.New(db, cat, nil, ingest.Config{}, nil, nil)
		start := time.Now()
		sum, err := demo.LoadData(ctx, ids, cat, ing, demo.DataOptions{People: 6000})
		if err != nil {
			t.Fatalf("LoadData: %v", err)
		}
		t.Logf("%+v in %s", sum, time.Since(start))
		if sum.People < 6000 || sum.Companies != 600 {
			t.Errorf("people %d, companies %d: want at least 6000 and 600", sum.People, sum.Companies)
		}
		if len(sum.Resources) < 3 {
			t.Fatalf("resources that received data: got %v (notes %v), want 户籍, 参保, 企业 at least", sum.Resources, sum.Notes)
		}
		if sum.Rejected == 0 || sum.Accepted < sum.People {
			t.Errorf("accepted %d, rejected %d: want the deliberate errors rejected and the rest accepted", sum.Accepted, sum.Rejected)
		}
		if sum.Disputes == 0 {
			t.Errorf("disputes: got 0, want the name and sex disagreements routed to 公安厅")
		}
		sys := huitong.WithPrincipal(ctx, huitong.System)
		rules := map[string]bool{}
		batches, _, err := ing.Batches(sys, "", "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		cleaned := map[string]bool{}
		for _, b := range batches {
			if b.Status != huitong.BatchDone {
				t.Errorf("batch %d %s: status %s (%s), want done", b.ID, b.FileName, b.Status, b.Error)
			}
			list, _, err := ing.Rejects(sys, b.ID, "", 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range list {
				rules[r.Rule] = true
			}
			for _, c := range b.Report.Cleaning {
				cleaned[c.Kind] = true
			}
		}
		for _, want := range []string{"citizen_id.checkdigit", "citizen_id.birthdate", "citizen_id.address", "citizen_id.length", "required", "enum", "duplicate", "consistency.birthdate", "uscc.checkdigit"} {
			if !rules[want] {
				t.Errorf("rule %s: no reject, want some (have %v)", want, rules)
			}
		}
		for _, want := range []string{"trim", "fullwidth", "upper_x"} {
			if !cleaned[want] {
				t.Errorf("cleaning %s: none reported, want some (have %v)", want, cleaned)
			}
		}
		overview, err := ing.Quality.Overview(sys)
		if err != nil || len(overview) < 3 {
			t.Fatalf("quality overview: got %d (%v), want a score per resource", len(overview), err)
		}
		q, err := ing.Quality.Quality(sys, sum.Resources[0], 90)
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Trend) < 3 || q.Groups == 0 {
			t.Errorf("户籍 quality: trend %d points, %d near-duplicate groups; want a trend and the people registered twice", len(q.Trend), q.Groups)
		}
	})
}
