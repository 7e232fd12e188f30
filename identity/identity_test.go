package identity_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/gbcode"
	"huitong/identity"
	"huitong/store"
	"huitong/store/storetest"
)

// clock is a settable clock for idle and lockout tests.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

const pw = "Lanzhou-2026!"

func setup(t *testing.T, db *store.DB) (*identity.Service, *clock, string) {
	t.Helper()
	clk := &clock{now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	svc := identity.New(db, identity.Config{}, clk)
	ctx := huitong.WithPrincipal(context.Background(), huitong.System)
	dept := gbcode.MakeUSCC('1', '1', "620000", "01360002")
	if err := svc.CreateDepartment(ctx, &huitong.Department{Code: dept, Name: "甘肃省公安厅", Jurisdiction: "620000"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.CreateUser(ctx, &huitong.User{Username: "gat", DisplayName: "张伟", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}}, pw); err != nil {
		t.Fatal(err)
	}
	return svc, clk, dept
}

func TestPasswordHash(t *testing.T) {
	h, err := identity.HashPassword("秘密-password")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("got %s, want an argon2id PHC string", h)
	}
	if ok, _ := identity.CheckPassword(h, "秘密-password"); !ok {
		t.Fatal("right password rejected")
	}
	if ok, _ := identity.CheckPassword(h, "秘密-passwore"); ok {
		t.Fatal("wrong password accepted")
	}
	h2, _ := identity.HashPassword("秘密-password")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	for _, bad := range []string{"short1A", "alllowercaseletters", "ALLUPPER12345"} {
		if identity.ValidatePassword(bad) == nil {
			t.Errorf("policy accepted %q", bad)
		}
	}
}

func TestSessionIdleAndExpiry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, clk, _ := setup(t, db)
		ctx := context.Background()
		login, err := svc.Login(ctx, "gat", pw, identity.KindWeb)
		if err != nil {
			t.Fatal(err)
		}
		p, csrf, err := svc.Session(ctx, login.Token)
		if err != nil || p.Username != "gat" || csrf != login.CSRF || csrf == "" {
			t.Fatalf("got %v %q %v", p, csrf, err)
		}
		// Activity keeps the session alive past the idle limit...
		for range 3 {
			clk.Add(20 * time.Minute)
			if _, _, err := svc.Session(ctx, login.Token); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		// ...but 31 idle minutes end it.
		clk.Add(31 * time.Minute)
		if _, _, err := svc.Session(ctx, login.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Fatalf("idle session: got %v, want unauthorized", err)
		}
		// API tokens do not idle out but expire.
		tok, err := svc.Login(ctx, "gat", pw, identity.KindAPI)
		if err != nil {
			t.Fatal(err)
		}
		clk.Add(11 * time.Hour)
		if _, _, err := svc.Session(ctx, tok.Token); err != nil {
			t.Fatalf("api token before expiry: %v", err)
		}
		clk.Add(2 * time.Hour)
		if _, _, err := svc.Session(ctx, tok.Token); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Fatalf("expired api token: got %v", err)
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, clk, _ := setup(t, db)
		ctx := context.Background()
		for i := range 5 {
			if _, err := svc.Login(ctx, "gat", "wrong", identity.KindWeb); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
				t.Fatalf("attempt %d: got %v", i+1, err)
			}
		}
		_, err := svc.Login(ctx, "gat", pw, identity.KindWeb)
		if huitong.ErrorCode(err) != huitong.ERATELIMIT || !strings.Contains(huitong.ErrorMessage(err), "锁定") {
			t.Fatalf("locked account: got %v", err)
		}
		clk.Add(16 * time.Minute)
		// One wrong guess after the lock expired starts a new count.
		if _, err := svc.Login(ctx, "gat", "wrong", identity.KindWeb); huitong.ErrorCode(err) != huitong.EUNAUTHORIZED {
			t.Fatalf("first failure after the lock expired: got %v, want unauthorized (not locked again)", err)
		}
		if _, err := svc.Login(ctx, "gat", pw, identity.KindWeb); err != nil {
			t.Fatalf("after the lock expired: %v", err)
		}
		// A success resets the count: four more failures do not lock.
		for range 4 {
			svc.Login(ctx, "gat", "wrong", identity.KindWeb)
		}
		if _, err := svc.Login(ctx, "gat", pw, identity.KindWeb); err != nil {
			t.Fatalf("4 failures after a success locked the account: %v", err)
		}
		n, _, _, err := db.VerifyAudit(ctx)
		if err != nil || n < 12 {
			t.Fatalf("audit: %d entries, %v", n, err)
		}
	})
}

func TestDepartmentAdminLimits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _, dept := setup(t, db)
		sys := huitong.WithPrincipal(context.Background(), huitong.System)
		other := gbcode.MakeUSCC('1', '1', "620100", "01360003")
		if err := svc.CreateDepartment(sys, &huitong.Department{Code: other, Name: "兰州市公安局", Jurisdiction: "620100"}); err != nil {
			t.Fatal(err)
		}
		admin := huitong.WithPrincipal(context.Background(), &huitong.Principal{UserID: 99, Username: "gat-admin", Department: dept, Roles: []huitong.Role{huitong.RoleDeptAdmin}})
		cases := []struct {
			name string
			u    huitong.User
			code string
		}{
			{"OK", huitong.User{Username: "gat2", DisplayName: "赵六", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}}, ""},
			{"ErrOtherDepartment", huitong.User{Username: "lz1", DisplayName: "钱七", Department: other, Roles: []huitong.Role{huitong.RoleStaff}}, huitong.EFORBIDDEN},
			{"ErrGrantOperator", huitong.User{Username: "gat3", DisplayName: "孙八", Department: dept, Roles: []huitong.Role{huitong.RoleOperator}}, huitong.EFORBIDDEN},
			{"ErrBadUsername", huitong.User{Username: "Bad Name!", DisplayName: "周九", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}}, huitong.EINVALID},
			{"ErrDuplicate", huitong.User{Username: "gat", DisplayName: "吴十", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}}, huitong.ECONFLICT},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				u := c.u
				err := svc.CreateUser(admin, &u, pw)
				if got := huitong.ErrorCode(err); got != c.code {
					t.Fatalf("got %v, want %q", err, c.code)
				}
			})
		}
		// Names that reach certificates, exports and audit views hold no
		// control or bidirectional characters.
		err := svc.CreateUser(admin, &huitong.User{Username: "gat4", DisplayName: "张\u202E三", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}}, pw)
		if f := huitong.ErrorFields(err); len(f) != 1 || f[0].Field != "displayName" || f[0].Rule != "charset" {
			t.Errorf("hostile display name: got %v", err)
		}
		err = svc.CreateDepartment(sys, &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620100", "01360005"), Name: "兰州市\x07民政局", Jurisdiction: "620100"})
		if f := huitong.ErrorFields(err); len(f) != 1 || f[0].Field != "name" || f[0].Rule != "charset" {
			t.Errorf("hostile department name: got %v", err)
		}
		staff := huitong.WithPrincipal(context.Background(), &huitong.Principal{UserID: 98, Username: "gat", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}})
		if _, _, err := svc.CreateAPIKey(staff, "对接\u202E系统"); huitong.ErrorCode(err) != huitong.EINVALID {
			t.Errorf("hostile API key name: got %v", err)
		}
		// The reviewer role belongs to the data authority only.
		err = svc.CreateUser(sys, &huitong.User{Username: "rev2", DisplayName: "郑十一", Department: dept, Roles: []huitong.Role{huitong.RoleReviewer}}, pw)
		if huitong.ErrorCode(err) != huitong.EINVALID {
			t.Fatalf("reviewer outside the authority: got %v", err)
		}
		// Level must match the division: a county code for a province body.
		err = svc.CreateDepartment(sys, &huitong.Department{Code: gbcode.MakeUSCC('1', '1', "620102", "01360004"), Name: "城关区民政局", Jurisdiction: "620102", Level: huitong.LevelProvince})
		if huitong.ErrorCode(err) != huitong.EINVALID {
			t.Fatalf("level mismatch: got %v", err)
		}
	})
}

// TestConcurrentFailuresAllCount: guesses sent at once are each counted,
// so parallel guessing cannot get past the lockout.
func TestConcurrentFailuresAllCount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _, _ := setup(t, db)
		ctx := context.Background()
		var wg sync.WaitGroup
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc.Login(ctx, "gat", "wrong-guess", identity.KindAPI)
			}()
		}
		wg.Wait()
		users, err := db.Users(ctx, huitong.UserFilter{Username: "gat"})
		if err != nil {
			t.Fatal(err)
		}
		if users[0].LockedUntil.IsZero() {
			t.Fatalf("8 concurrent failures did not lock the account (failures %d)", users[0].FailedLogins)
		}
		if _, err := svc.Login(ctx, "gat", pw, identity.KindAPI); huitong.ErrorCode(err) != huitong.ERATELIMIT {
			t.Fatalf("right password while locked: got %v", err)
		}
	})
}
