package exchange_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gbcode"
	"huitong/store"
	"huitong/store/storetest"
)

func TestQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{})
		x := e.Exchange
		ctx := context.Background()
		g, err := e.Grant(ctx, "county", "ga", e.People, exchange.RequestInput{Items: []string{"XM", "GMSFHM", "XBDM", "LXDH", "CSRQ"}, PlainItems: []string{"XM"}})
		if err != nil {
			t.Fatal(err)
		}
		_, key := e.Exchange, e.PeopleKeys[0] // in 城关区 620102
		outside := e.PeopleKeys[len(e.PeopleKeys)-1]
		secret, keyP, err := e.APIKey("county")
		if err != nil || secret == "" {
			t.Fatal(err)
		}
		asKey := huitong.WithPrincipal(ctx, keyP)

		t.Run("OK", func(t *testing.T) {
			a, res, err := x.Get(asKey, q(e.People, strings.ToLower(key)))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"XM": exchangetest.Name(0), "GMSFHM": gbcode.MaskCitizenID(key), "XBDM": "1", "LXDH": "138****0000", "CSRQ": "1960-01-01"}
			if !a.Found || !maps.Equal(a.Data, want) {
				t.Fatalf("got %+v, want data %v", a, want)
			}
			if res.Grant != g.ID || len(res.Audit) != 1 {
				t.Fatalf("result: got %+v", res)
			}
			entry, d := lastEntry(t, db, exchange.ActQuery)
			if fmt.Sprintf("%s/%d", entry.Chain, entry.Seq) != res.Audit[0] || entry.Actor != keyP.Actor() || entry.Department != e.County ||
				entry.Object != e.People || entry.Result != "ok" {
				t.Errorf("audit entry: got %+v", entry)
			}
			for k, want := range map[string]any{"grant": float64(g.ID), "purpose": "最低生活保障资格审核", "case": "GS2026-0001", "subjectMasked": gbcode.MaskCitizenID(key)} {
				if d[k] != want {
					t.Errorf("audit detail %s: got %v, want %v", k, d[k], want)
				}
			}
			if _, ok := d["latencyMs"].(float64); !ok || strings.Contains(entry.Detail, key) {
				t.Errorf("audit detail: got %s (latency missing or raw ID number present)", entry.Detail)
			}
			if h, _ := x.SubjectHash(ctx, key); d["subject"] != h {
				t.Errorf("subject: got %v, want %s", d["subject"], h)
			}
		})
		t.Run("NarrowItems", func(t *testing.T) {
			qq := q(e.People, key)
			qq.Items = []string{"性别"}
			a, _, err := x.Get(asKey, qq)
			if err != nil || !maps.Equal(a.Data, map[string]string{"XBDM": "1"}) {
				t.Fatalf("got %+v %v", a, err)
			}
		})
		refusals := []struct {
			name   string
			ctx    context.Context
			mutate func(*exchange.Query)
			code   string
			rule   string
		}{
			{"ErrNoCredentials", ctx, nil, huitong.EUNAUTHORIZED, "auth.required"},
			{"ErrOtherDepartment", e.As("other"), nil, huitong.EFORBIDDEN, "grant.none"},
			{"ErrItemNotGranted", asKey, func(q *exchange.Query) { q.Items = []string{"户籍地址"} }, huitong.EFORBIDDEN, "item.not_granted"},
			{"ErrUnknownItem", asKey, func(q *exchange.Query) { q.Items = []string{"学历"} }, huitong.EINVALID, "item.unknown"},
			{"ErrOutsideJurisdiction", asKey, func(q *exchange.Query) { q.Keys = []string{outside} }, huitong.ENOTFOUND, "subject.not_found"},
			{"ErrUnknownKey", asKey, func(q *exchange.Query) { q.Keys = []string{exchangetest.CitizenID("620102", "19991231", 999)} }, huitong.ENOTFOUND, "subject.not_found"},
			{"ErrNoPurpose", asKey, func(q *exchange.Query) { q.Purpose = "" }, huitong.EINVALID, "required"},
			{"ErrBadCase", asKey, func(q *exchange.Query) { q.Case = "A'; DROP TABLE grants;--" }, huitong.EINVALID, "format"},
			{"ErrInjectionKey", asKey, func(q *exchange.Query) { q.Keys = []string{"' OR '1'='1"} }, huitong.EINVALID, "key.invalid"},
			{"ErrBadCheckDigit", asKey, func(q *exchange.Query) { q.Keys = []string{key[:17] + "0"} }, huitong.EINVALID, "key.invalid"},
			{"ErrNotShareable", asKey, func(q *exchange.Query) { q.Resource = e.Secret }, huitong.EFORBIDDEN, "grant.none"},
			{"ErrUnknownResource", asKey, func(q *exchange.Query) { q.Resource = "101001/999999" }, huitong.ENOTFOUND, "resource.not_found"},
		}
		for _, tt := range refusals {
			t.Run(tt.name, func(t *testing.T) {
				qq := q(e.People, key)
				if tt.mutate != nil {
					tt.mutate(&qq)
				}
				before := countEntries(t, db, exchange.ActQuery)
				_, _, err := x.Get(tt.ctx, qq)
				if huitong.ErrorCode(err) != tt.code || ruleOf(err) != tt.rule {
					t.Fatalf("got %v (%s), want %s %s", err, ruleOf(err), tt.code, tt.rule)
				}
				if got := countEntries(t, db, exchange.ActQuery); got != before+1 {
					t.Fatalf("refusal audited: got %d entries, want %d", got, before+1)
				}
				entry, d := lastEntry(t, db, exchange.ActQuery)
				if entry.Result == "ok" || (d["reason"] != tt.rule && d["reason"] != "subject.out_of_scope") {
					t.Errorf("refusal entry: got %s %v", entry.Result, d)
				}
			})
		}
		t.Run("Batch", func(t *testing.T) {
			res, err := x.Batch(asKey, exchange.Query{Resource: e.People, Keys: []string{key, outside, "bad-key", e.PeopleKeys[1]}, Purpose: "批量核查"})
			if err != nil {
				t.Fatal(err)
			}
			got := []string{}
			for _, a := range res.Answers {
				got = append(got, fmt.Sprintf("%v/%s", a.Found, a.Error))
			}
			if want := []string{"true/", "false/", "false/key.invalid", "true/"}; !slices.Equal(got, want) {
				t.Fatalf("got %v, want %v", got, want)
			}
			if len(res.Audit) != 3 {
				t.Errorf("batch audit entries: got %d, want 3 (one per valid key)", len(res.Audit))
			}
			if _, err := x.Batch(asKey, exchange.Query{Resource: e.People, Keys: make([]string, 101), Purpose: "批量核查"}); ruleOf(err) != "keys.count" {
				t.Errorf("101 keys: got %v, want keys.count", err)
			}
		})
		t.Run("Verify", func(t *testing.T) {
			vq := q(e.People, key)
			vq.Values = map[string]string{"姓名": exchangetest.Name(0), "出生日期": "19600101"}
			res, err := x.Verify(asKey, vq)
			if err != nil || !res.Match || !res.Items["姓名"] || !res.Items["出生日期"] {
				t.Fatalf("match: got %+v %v", res, err)
			}
			vq.Values = map[string]string{"姓名": "张冒名", "公民身份号码": key}
			res, err = x.Verify(asKey, vq)
			if err != nil || res.Match || res.Items["姓名"] || !res.Items["公民身份号码"] {
				t.Fatalf("no match: got %+v %v", res, err)
			}
			entry, d := lastEntry(t, db, exchange.ActVerify)
			if entry.Result != "ok" || d["match"] != false {
				t.Errorf("verify audit: got %s %v", entry.Result, d)
			}
			vq.Values = map[string]string{"户籍地址": "x"}
			if _, err := x.Verify(asKey, vq); ruleOf(err) != "item.not_granted" {
				t.Errorf("verify ungranted item: got %v, want item.not_granted", err)
			}
			vq.Values, vq.Keys = map[string]string{"姓名": "x"}, []string{outside}
			if _, err := x.Verify(asKey, vq); huitong.ErrorCode(err) != huitong.ENOTFOUND {
				t.Errorf("verify outside jurisdiction: got %v, want not found", err)
			}
		})
		t.Run("Unconditional", func(t *testing.T) {
			a, res, err := x.Get(e.As("county"), q(e.Companies, e.CompanyKeys[0]))
			if err != nil {
				t.Fatal(err)
			}
			if a.Data["QYMC"] != "甘肃汇通测试第1有限公司" || a.Data["FDDBR"] != gbcode.MaskName(exchangetest.Name(7)) {
				t.Fatalf("got %+v", a.Data)
			}
			sg, err := x.Grant(e.As("scjg"), res.Grant)
			if err != nil || !sg.Standing || sg.Jurisdiction != "620102" {
				t.Fatalf("standing grant: got %+v %v", sg, err)
			}
			if _, _, err := x.Get(e.As("county"), q(e.Companies, e.CompanyKeys[1])); huitong.ErrorCode(err) != huitong.ENOTFOUND {
				t.Errorf("company of another prefecture: got %v, want not found", err)
			}
			if _, _, err := x.Get(e.As("rs"), q(e.Companies, e.CompanyKeys[1])); err != nil {
				t.Errorf("provincial consumer: got %v, want the company", err)
			}
		})
		t.Run("ErrRevoked", func(t *testing.T) {
			g2, err := e.Grant(ctx, "rs", "ga", e.People, exchange.RequestInput{Items: []string{"XM"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := x.Get(e.As("rs"), q(e.People, key)); err != nil {
				t.Fatal(err)
			}
			if _, err := x.Revoke(e.As("rs"), g2.ID, "不再需要"); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
				t.Fatalf("consumer revokes: got %v, want forbidden", err)
			}
			if _, err := x.Revoke(e.As("ga"), g2.ID, "用途已完成"); err != nil {
				t.Fatal(err)
			}
			if _, _, err := x.Get(e.As("rs"), q(e.People, key)); ruleOf(err) != "grant.revoked" {
				t.Fatalf("after revocation: got %v, want grant.revoked", err)
			}
		})
		t.Run("Limits", func(t *testing.T) {
			if err := x.Flush(ctx); err != nil { // the day's counts so far, written behind the entries
				t.Fatal(err)
			}
			if _, err := x.SetLimits(e.As("ga"), g.ID, 3, 0); err != nil {
				t.Fatal(err)
			}
			var rules []string
			for range 3 {
				_, _, err := x.Get(asKey, q(e.People, key))
				rules = append(rules, ruleOf(err))
			}
			// Earlier subtests used some of today's quota already.
			if rules[len(rules)-1] != "quota.daily" {
				t.Fatalf("got %v, want quota.daily at the end", rules)
			}
			_, _, err := x.Get(asKey, q(e.People, key))
			if huitong.ErrorCode(err) != huitong.ERATELIMIT || exchange.RetryAfter(err) <= 0 {
				t.Fatalf("got %v (retry %s), want rate_limited with a retry", err, exchange.RetryAfter(err))
			}
			e.Clock.Add(24 * time.Hour) // a new day in Beijing
			if _, _, err := x.Get(asKey, q(e.People, key)); err != nil {
				t.Fatalf("next day: got %v", err)
			}
			if _, err := x.SetLimits(e.As("ga"), g.ID, 0, 2); err != nil {
				t.Fatal(err)
			}
			var codes []string
			for range 4 {
				_, _, err := x.Get(asKey, q(e.People, key))
				codes = append(codes, ruleOf(err))
			}
			if want := []string{"", "", "rate.limit", "rate.limit"}; !slices.Equal(codes, want) {
				t.Fatalf("rate 2/s: got %v, want %v", codes, want)
			}
			e.Clock.Add(time.Second)
			if _, _, err := x.Get(asKey, q(e.People, key)); err != nil {
				t.Fatalf("a second later: got %v", err)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			e.Clock.Add(400 * 24 * time.Hour)
			if _, _, err := x.Get(asKey, q(e.People, key)); ruleOf(err) != "grant.expired" {
				t.Fatalf("got %v, want grant.expired", err)
			}
		})
		if rep, err := db.VerifyAuditAll(ctx); err != nil || rep.Entries == 0 {
			t.Fatalf("audit chain: %+v %v", rep, err)
		}
	})
}

// TestConcurrentQueriesAllAudited runs many queries at once through the
// group-committing journal: every answered query has its own entry, with
// consecutive sequence numbers, and the chain verifies.
func TestConcurrentQueriesAllAudited(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{})
		ctx := context.Background()
		if _, err := e.Grant(ctx, "rs", "ga", e.People, exchange.RequestInput{Items: []string{"XM", "XBDM"}}); err != nil {
			t.Fatal(err)
		}
		as := e.As("rs")
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[string]string{}
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 20 {
					qq := q(e.People, e.PeopleKeys[(w+i)%len(e.PeopleKeys)])
					qq.RequestID = fmt.Sprintf("req-%02d-%02d", w, i)
					_, res, err := e.Exchange.Get(as, qq)
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					seen[res.Audit[0]] = qq.RequestID
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 320 {
			t.Fatalf("distinct audit entries: got %d, want 320", len(seen))
		}
		for ref, rid := range seen {
			var chain string
			var seq int64
			fmt.Sscanf(strings.Replace(ref, "/", " ", 1), "%s %d", &chain, &seq)
			entry, err := db.FindAuditEntry(ctx, chain, seq)
			if err != nil {
				t.Fatal(err)
			}
			var d map[string]any
			json.Unmarshal([]byte(entry.Detail), &d)
			if d["requestId"] != rid {
				t.Fatalf("entry %s: request id %v, want %s", ref, d["requestId"], rid)
			}
		}
		if rep, err := db.VerifyAuditAll(ctx); err != nil {
			t.Fatalf("chain: %+v %v", rep, err)
		}
	})
}
