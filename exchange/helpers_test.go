package exchange_test

import (
	"context"
	"encoding/json"
	"testing"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/store"
)

// setup builds the test province on db with the exchange configuration cfg.
func setup(t *testing.T, db *store.DB, opt exchangetest.Options) *exchangetest.Env {
	t.Helper()
	e, err := exchangetest.Setup(context.Background(), db, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Exchange.Close)
	return e
}

// ruleOf returns the rule name an error carries.
func ruleOf(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return huitong.ErrorCode(err)
}

// lastEntry returns the newest audit entry with action.
func lastEntry(t *testing.T, db *store.DB, action string) (*huitong.AuditEntry, map[string]any) {
	t.Helper()
	list, err := db.AuditEntries(context.Background(), huitong.AuditFilter{Action: action, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) == 0 {
		t.Fatalf("no audit entry %s", action)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(list[0].Detail), &d); err != nil {
		t.Fatal(err)
	}
	return list[0], d
}

func countEntries(t *testing.T, db *store.DB, action string) int {
	t.Helper()
	list, err := db.AuditEntries(context.Background(), huitong.AuditFilter{Action: action, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}

func q(resource, key string) exchange.Query {
	return exchange.Query{Resource: resource, Keys: []string{key}, Purpose: "最低生活保障资格审核", Case: "GS2026-0001"}
}
