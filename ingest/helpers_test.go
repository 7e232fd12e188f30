package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"huitong"
	"huitong/ingest"
	"huitong/ingest/ingesttest"
	"huitong/store"
)

// person returns a valid citizen ID number of 城关区 (620102) born on
// 1990-01-01 plus n days... numbered n (distinct for n < 1000 per day).
func person(n int) string {
	return ingesttest.CitizenID("620102", fmt.Sprintf("1990%02d%02d", 1+n/28%12, 1+n%28), n%1000)
}

// company returns a valid credit code of a company of 城关区.
func company(n int) string { return ingesttest.USCC("620102", n) }

// deliver sends body to resource code as the account user.
func deliver(t *testing.T, e *ingesttest.Env, user, code string, body any, opt ingest.Options) (*huitong.Batch, error) {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	case io.Reader:
		r = b
	default:
		t.Fatalf("body of type %T", body)
	}
	return e.Ingest.Deliver(e.As(user), code, r, opt)
}

// mustDeliver delivers and fails the test on error or a failed batch.
func mustDeliver(t *testing.T, e *ingesttest.Env, user, code string, body any, opt ingest.Options) *huitong.Batch {
	t.Helper()
	b, err := deliver(t, e, user, code, body, opt)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if b.Status != huitong.BatchDone {
		t.Fatalf("batch %d: status %s (%s), want done", b.ID, b.Status, b.Error)
	}
	return b
}

// rejects returns every stored reject and warning of b.
func rejects(t *testing.T, e *ingesttest.Env, b *huitong.Batch) []huitong.Reject {
	t.Helper()
	list, _, err := e.Ingest.Rejects(huitong.WithPrincipal(context.Background(), huitong.System), b.ID, "", 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// ruleOf returns the rule of the first reject of row, or "".
func ruleOf(list []huitong.Reject, row int) string {
	for _, r := range list {
		if r.Row == row {
			return r.Rule
		}
	}
	return ""
}

// count returns the number of current (not deleted) records of code.
func count(t *testing.T, db *store.DB, code string) int {
	t.Helper()
	n := 0
	if err := db.ScanKeys(context.Background(), code, func(string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// peopleCSV builds a People file with the given rows after the header
// 公民身份号码,姓名,性别,出生日期.
func peopleCSV(rows ...string) string {
	return "公民身份号码,姓名,性别,出生日期\n" + strings.Join(rows, "\n") + "\n"
}

func fileRule(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return ""
}
