package identity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"huitong"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

// TestHolderSignIn walks a holder's own sign-in: opened at a window,
// activated once with the code, signed in; every wrong step refused with
// its reason and counted towards the lock; the holder's session and the
// staff's never stand in for each other.
func TestHolderSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, clk, _ := setup(t, db)
		ctx := context.Background()
		staff, err := svc.Login(ctx, "gat", pw, identity.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		sp, _, err := svc.Session(ctx, staff.Token)
		if err != nil {
			t.Fatal(err)
		}
		window := huitong.WithPrincipal(ctx, sp)
		person := "620102199003071234"
		person = person[:17] + string(gbcode.CitizenIDCheck(person[:17]))

		if _, err := svc.OpenHolderAccount(ctx, person, "张三"); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("open without a caller: got %v", err)
		}
		wrong := ""
		for _, c := range "0123456789X" {
			w := person[:17] + string(c)
			if _, err := gbcode.USCC(w); w != person && err != nil {
				wrong = w
				break
			}
		}
		if _, err := svc.OpenHolderAccount(window, wrong, "张三"); ruleOf(err) != "holder_id" {
			t.Errorf("open with a wrong check digit: got %v, want rule holder_id", err)
		}
		a, err := svc.OpenHolderAccount(window, person, "张三")
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Code) != 14 || a.HolderID == person || !strings.Contains(a.HolderID, "*") {
			t.Fatalf("activation: got %+v, want a grouped code and a masked ID", a)
		}

		// Not activated yet: no sign-in, whatever the password.
		if _, _, err := svc.HolderLogin(ctx, person, pw); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("sign-in before activation: got %v", err)
		}
		if err := svc.ActivateHolder(ctx, person, a.Code, "short"); ruleOf(err) != "policy" {
			t.Errorf("weak password: got %v, want rule policy", err)
		}
		if err := svc.ActivateHolder(ctx, person, "AAAA-AAAA-AAAA", pw); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("wrong code: got %v", err)
		}
		const holderPW = "Zhangsan-2026!"
		// Typed in lower case and without the dashes, the code still works.
		if err := svc.ActivateHolder(ctx, " "+person+" ", strings.ToLower(strings.ReplaceAll(a.Code, "-", "")), holderPW); err != nil {
			t.Fatalf("activate: %v", err)
		}
		if err := svc.ActivateHolder(ctx, person, a.Code, holderPW); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("code used twice: got %v", err)
		}

		login, p, err := svc.HolderLogin(ctx, person, holderPW)
		if err != nil {
			t.Fatal(err)
		}
		if p.Holder != person || p.HolderKind != huitong.HolderPerson || p.HolderName != "张三" || len(p.Roles) != 0 || p.Department != "" || p.UserID != 0 {
			t.Errorf("holder principal: got %+v", p)
		}
		if !strings.HasPrefix(p.Actor(), "holder:") || strings.Contains(p.Actor(), person) {
			t.Errorf("holder actor: got %q, want holder:<account> without the ID number", p.Actor())
		}
		got, _, err := svc.HolderSession(ctx, login.Token)
		if err != nil || got.Holder != person {
			t.Fatalf("holder session: got %+v %v", got, err)
		}
		if _, _, err := svc.Session(ctx, login.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("a holder's token as a staff session: got %v", err)
		}
		if _, _, err := svc.HolderSession(ctx, staff.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("a staff token as a holder session: got %v", err)
		}
		if _, err := svc.OpenHolderAccount(huitong.WithPrincipal(ctx, p), person, "张三"); huitong.ErrorCode(err) != huitong.EFORBIDDEN {
			t.Errorf("a holder opening accounts: got %v", err)
		}
		// Idle past SessionIdle, the session ends.
		clk.Add(31 * time.Minute)
		if _, _, err := svc.HolderSession(ctx, login.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("idle holder session: got %v", err)
		}

		// Wrong passwords lock the account; the right one is refused while
		// locked, and works once the lock has run out.
		for i := range 5 {
			if _, _, err := svc.HolderLogin(ctx, person, "Wrong-password-1"); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
				t.Fatalf("wrong password %d: got %v", i+1, err)
			}
		}
		if _, _, err := svc.HolderLogin(ctx, person, holderPW); huitong.ErrorCode(err) != huitong.ERATELIMIT {
			t.Errorf("locked: got %v, want ERATELIMIT", err)
		}
		clk.Add(16 * time.Minute)
		if _, _, err := svc.HolderLogin(ctx, person, holderPW); err != nil {
			t.Errorf("after the lock: got %v", err)
		}

		// A forgotten password: a new code at the window resets it; the
		// old code and the sessions of the old password end.
		b, err := svc.OpenHolderAccount(window, person, "张三")
		if err != nil {
			t.Fatal(err)
		}
		login2, _, err := svc.HolderLogin(ctx, person, holderPW)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.ActivateHolder(ctx, person, b.Code, "Zhangsan-2027!"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.HolderSession(ctx, login2.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("a session of the old password after the reset: got %v", err)
		}
		if _, _, err := svc.HolderLogin(ctx, person, holderPW); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("the old password after the reset: got %v", err)
		}
		// An expired code.
		c, err := svc.OpenHolderAccount(window, person, "张三")
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(identity.HolderActivationTTL + time.Minute)
		if err := svc.ActivateHolder(ctx, person, c.Code, "Zhangsan-2028!"); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("expired code: got %v", err)
		}
		// An unknown holder is refused like a wrong password.
		if _, _, err := svc.HolderLogin(ctx, gbcode.MakeUSCC('9', '1', "620102", "MA7ABC01"), holderPW); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Errorf("unknown holder: got %v", err)
		}

		entries, err := db.AuditEntries(window, huitong.AuditFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		for _, e := range entries {
			if strings.HasPrefix(e.Action, "holder.") {
				counts[e.Action+"/"+e.Result]++
			}
			if strings.Contains(e.Object+e.Actor+string(e.Detail), person) {
				t.Errorf("audit entry %s shows the whole ID number: %s %s %s", e.Action, e.Actor, e.Object, e.Detail)
			}
		}
		if counts["holder.open/ok"] != 3 || counts["holder.activate/ok"] != 2 || counts["holder.login/denied"] < 7 {
			t.Errorf("audit: got %v", counts)
		}
	})
}

func ruleOf(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return huitong.ErrorCode(err)
}
