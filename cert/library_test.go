package cert_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/cert"
	"huitong/store"
	"huitong/store/storetest"
)

func TestLibraryRecord(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, cert.Config{})
		ctx := context.Background()
		first := e.issue(t, 30)
		e.clk.Add(time.Hour)
		second := e.issue(t, 30)
		if _, err := e.s.Revoke(e.market1, first.ID, "企业申请注销"); err != nil {
			t.Fatal(err)
		}
		// Lower case and surrounding space: the key is normalised as stored.
		data, j, err := e.s.LibraryRecord(ctx, " "+strings.ToLower(company(30))+" ")
		if err != nil {
			t.Fatal(err)
		}
		if j != "620100" {
			t.Errorf("jurisdiction: got %q, want 620100 (the credit code's)", j)
		}
		want := map[string]string{
			"CZZTDM": company(30), "CZZT": "兰州汇通商贸有限公司",
			"ZZBS":    second.ID + cert.LibrarySep + first.ID, // newest first
			"ZZLXDM":  e.licence.Code + cert.LibrarySep + e.licence.Code,
			"ZZMC":    "营业执照；营业执照",
			"BFJG":    "甘肃省市场监督管理局；甘肃省市场监督管理局",
			"BFJGDM":  e.market + cert.LibrarySep + e.market,
			"BFRQ":    "2026-03-02；2026-03-02",
			"YXQJZRQ": "长期；长期",
			"ZZZT":    "有效；已注销",
		}
		for k, v := range want {
			if data[k] != v {
				t.Errorf("%s: got %q, want %q", k, data[k], v)
			}
		}
		for _, it := range cert.LibraryItems {
			if _, ok := data[it.Code]; !ok {
				t.Errorf("item %s (%s) missing", it.Code, it.Name)
			}
		}
		for _, key := range []string{company(31), person(30), "12345", ""} {
			if _, _, err := e.s.LibraryRecord(ctx, key); huitong.ErrorCode(err) != huitong.ENOTFOUND {
				t.Errorf("%q: got %v, want ENOTFOUND", key, err)
			}
		}
	})
}
