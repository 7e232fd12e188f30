package exchange_test

import (
	"testing"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/store"
	"huitong/store/storetest"
)

func TestOverdue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := setup(t, db, exchangetest.Options{Config: exchange.Config{ResponseDays: 5}})
		x := e.Exchange
		in := func(purpose string) exchange.RequestInput {
			return exchange.RequestInput{Resource: e.People, Items: []string{"姓名"}, Purpose: purpose, LegalBasis: "《社会保险法》",
				Until: e.Clock.Now().AddDate(1, 0, 0)}
		}
		// Monday 2 March + 5 working days: due at the end of Monday 9 March.
		late, err := x.Request(e.As("rs"), in("养老保险待遇资格认证"))
		if err != nil {
			t.Fatal(err)
		}
		answered, err := x.Request(e.As("county"), in("最低生活保障资格审核"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := x.Decide(e.As("ga"), answered.ID, exchange.Decision{Decision: "refuse", Reason: "用途与信息项不符"}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Set(cstDay("2026-03-04 10:00"))
		later, err := x.Request(e.As("county"), in("临时救助对象核查")) // due at the end of 11 March
		if err != nil {
			t.Fatal(err)
		}

		t.Run("ErrForbidden", func(t *testing.T) {
			for _, who := range []string{"ga", "rs", "county-admin"} {
				if _, err := x.Overdue(e.As(who), 0); huitong.ErrorCode(err) != huitong.EFORBIDDEN || ruleOf(err) != "role.authority" {
					t.Errorf("%s: got %v, want forbidden role.authority", who, err)
				}
				if x.IsAuthority(e.As(who)) {
					t.Errorf("%s: IsAuthority true, want false", who)
				}
			}
		})
		t.Run("NoneBeforeDue", func(t *testing.T) {
			e.Clock.Set(cstDay("2026-03-09 23:59"))
			rep, err := x.Overdue(e.As("reviewer"), 0)
			if err != nil || len(rep.Pending) != 0 {
				t.Fatalf("got %+v %v, want none", rep, err)
			}
		})
		t.Run("PastDue", func(t *testing.T) {
			e.Clock.Set(cstDay("2026-03-10 08:00")) // Tuesday: the first working day late
			for _, who := range []string{"reviewer", "op", "dsj"} {
				if !x.IsAuthority(e.As(who)) {
					t.Errorf("%s: IsAuthority false, want true", who)
				}
			}
			rep, err := x.Overdue(e.As("dsj"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Pending) != 1 || rep.Pending[0].ID != late.ID {
				t.Fatalf("pending: got %+v, want request %d only", rep.Pending, late.ID)
			}
			got := rep.Pending[0]
			if got.WorkingDaysLate != 1 || got.DaysLate != 1 || !got.Overdue || got.Escalated || got.ProviderName != "甘肃省公安厅" || got.ConsumerName != "甘肃省人力资源和社会保障厅" {
				t.Errorf("got %+v, want 1 working day late, overdue, not escalated, with names", got)
			}
		})
		t.Run("EscalatedAndLater", func(t *testing.T) {
			if _, err := x.Escalate(e.As("op")); err != nil {
				t.Fatal(err)
			}
			// Monday 16 March: 10, 11, 12, 13 and 16 March are working days.
			e.Clock.Set(cstDay("2026-03-16 09:00"))
			rep, err := x.Overdue(e.As("reviewer"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Pending) != 2 || rep.Pending[0].ID != late.ID || rep.Pending[1].ID != later.ID {
				t.Fatalf("pending: got %+v, want %d then %d", rep.Pending, late.ID, later.ID)
			}
			first, second := rep.Pending[0], rep.Pending[1]
			if !first.Escalated || first.WorkingDaysLate != 5 || first.DaysLate != 7 {
				t.Errorf("escalated request: got escalated %v, %d working days, %d days; want true, 5, 7", first.Escalated, first.WorkingDaysLate, first.DaysLate)
			}
			if second.Escalated || second.WorkingDaysLate != 3 || second.DaysLate != 5 {
				t.Errorf("not yet escalated: got escalated %v, %d working days, %d days; want false, 3, 5", second.Escalated, second.WorkingDaysLate, second.DaysLate)
			}
			if len(rep.Decided) != 0 {
				t.Errorf("decided: got %d, want 0", len(rep.Decided))
			}
		})
		t.Run("DecidedByAuthority", func(t *testing.T) {
			if _, _, err := x.Decide(e.As("reviewer"), late.ID, exchange.Decision{Decision: "approve"}); err != nil {
				t.Fatal(err)
			}
			rep, err := x.Overdue(e.As("op"), 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Pending) != 1 || rep.Pending[0].ID != later.ID {
				t.Errorf("pending: got %+v, want only %d", rep.Pending, later.ID)
			}
			if len(rep.Decided) != 1 || rep.Decided[0].ID != late.ID || rep.Decided[0].Status != huitong.RequestApproved {
				t.Errorf("decided: got %+v, want %d approved", rep.Decided, late.ID)
			}
		})
	})
}
