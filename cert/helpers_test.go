package cert_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/cert"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/store"
)

// clock is a settable test clock.
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

// env is a certificate library over a real database with four
// departments: the provincial market regulator (issues 营业执照), a county
// civil affairs bureau (issues 结婚证 by the level rule), the provincial
// police (authorised for nothing) and the data authority (operator).
type env struct {
	s                           *cert.Service
	db                          *store.DB
	clk                         *clock
	keys                        *gm.Keyring
	market, civil, police, dsj  string
	licence, marriage           *huitong.CertType
	op, marketAdmin, market1    context.Context
	civilAdmin, civil1, police1 context.Context
}

func principal(user, dept string, roles ...huitong.Role) context.Context {
	return huitong.WithPrincipal(context.Background(), &huitong.Principal{UserID: int64(len(user)) + 100, Username: user, Department: dept, Roles: roles})
}

func newKeyring(t testing.TB) *gm.Keyring {
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	k, err := gm.NewKeyring(key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// person returns a valid citizen ID number of a Lanzhou resident.
func person(n int) string {
	first17 := "620102" + "19850315" + string(rune('0'+n/100%10)) + string(rune('0'+n/10%10)) + string(rune('0'+n%10))
	return first17 + string(gbcode.CitizenIDCheck(first17))
}

func company(n int) string {
	return gbcode.MakeUSCC('9', '1', "620100", "MA7"+string(rune('0'+n/10000%10))+string(rune('0'+n/1000%10))+string(rune('0'+n/100%10))+string(rune('0'+n/10%10))+string(rune('0'+n%10)))
}

func setup(t testing.TB, db *store.DB, cfg cert.Config) *env {
	t.Helper()
	e := &env{db: db, clk: &clock{now: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}, keys: newKeyring(t),
		market: gbcode.MakeUSCC('1', '1', "620000", "01370001"),
		civil:  gbcode.MakeUSCC('1', '1', "620102", "01370002"),
		police: gbcode.MakeUSCC('1', '1', "620000", "01370003"),
		dsj:    gbcode.MakeUSCC('1', '1', "620000", "01370004"),
	}
	db.Now = e.clk.Now
	ctx := context.Background()
	err := db.Update(ctx, func(tx *store.Tx) error {
		for _, d := range []*huitong.Department{
			{Code: e.market, Name: "甘肃省市场监督管理局", Jurisdiction: "620000", Level: huitong.LevelProvince},
			{Code: e.civil, Name: "兰州市城关区民政局", Jurisdiction: "620102", Level: huitong.LevelCounty},
			{Code: e.police, Name: "甘肃省公安厅", Jurisdiction: "620000", Level: huitong.LevelProvince},
			{Code: e.dsj, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Level: huitong.LevelProvince, Authority: true},
		} {
			d.CreatedAt = e.clk.Now()
			if err := tx.InsertDepartment(ctx, d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.s = cert.New(db, e.keys, cfg, e.clk, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(func() { e.s.Close() }) // before the database closes: cleanups run last first
	e.op = principal("op", e.dsj, huitong.RoleOperator)
	e.marketAdmin = principal("scjg-admin", e.market, huitong.RoleDeptAdmin)
	e.market1 = principal("scjg", e.market, huitong.RoleStaff)
	e.civilAdmin = principal("mz-admin", e.civil, huitong.RoleDeptAdmin)
	e.civil1 = principal("mz", e.civil, huitong.RoleStaff)
	e.police1 = principal("gat", e.police, huitong.RoleStaff)

	samr := gbcode.MakeUSCC('1', '1', "100000", "00000013")
	e.licence = &huitong.CertType{Definer: samr, DefinerName: "国家市场监督管理总局", Name: "营业执照", HolderKind: huitong.HolderEntity,
		Items: []huitong.CertItem{
			{Code: "fddbr", Name: "法定代表人", Type: huitong.TypeString, Required: true, Length: 20},
			{Code: "zczb", Name: "注册资本(万元)", Type: huitong.TypeMoney},
			{Code: "clrq", Name: "成立日期", Type: huitong.TypeDate, Required: true},
			{Code: "jyfw", Name: "经营范围", Type: huitong.TypeMemo},
		},
		Validity: huitong.CertValidity{Permanent: true}, Layout: huitong.CertLayout{Title: "营 业 执 照", Color: "#B22222"},
		Issuers: []string{e.market}}
	mca := gbcode.MakeUSCC('1', '1', "100000", "00000014")
	e.marriage = &huitong.CertType{Definer: mca, DefinerName: "民政部", Name: "结婚证", HolderKind: huitong.HolderPerson,
		Items: []huitong.CertItem{
			{Code: "poxm", Name: "配偶姓名", Type: huitong.TypeString, Required: true},
			{Code: "djrq", Name: "登记日期", Type: huitong.TypeDate, Required: true},
		},
		Validity: huitong.CertValidity{Permanent: true}, IssuerRules: []huitong.IssuerRule{{Level: huitong.LevelCounty, NameSuffix: "民政局"}}}
	for _, ty := range []*huitong.CertType{e.licence, e.marriage} {
		if err := e.s.CreateType(e.op, ty); err != nil {
			t.Fatal(err)
		}
	}
	for _, ctx := range []context.Context{e.marketAdmin, e.civilAdmin} {
		if _, err := e.s.CreateSeal(ctx, cert.SealRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// licenceReq is a valid request for a business licence of company n.
func (e *env) licenceReq(n int) *huitong.IssueRequest {
	return &huitong.IssueRequest{TypeCode: e.licence.Code, HolderName: "兰州汇通商贸有限公司", HolderID: company(n),
		Data: map[string]string{"fddbr": "张伟", "zczb": "500.00", "clrq": "2019-06-18", "jyfw": "日用百货、五金交电销售；货物进出口"}}
}

func (e *env) issue(t testing.TB, n int) *huitong.Certificate {
	t.Helper()
	c, err := e.s.Issue(e.market1, e.licenceReq(n))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ruleOf returns the first field rule of err, or its code.
// revokeMarketSeal revokes the market department's one seal.
func (e *env) revokeMarketSeal(t testing.TB) {
	t.Helper()
	seals, err := e.s.Seals(e.marketAdmin, "")
	if err != nil || len(seals) != 1 {
		t.Fatalf("got %v %v, want one seal", seals, err)
	}
	if _, err := e.s.RevokeSeal(e.marketAdmin, seals[0].ID, "私钥疑似泄露"); err != nil {
		t.Fatal(err)
	}
}

func ruleOf(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return huitong.ErrorCode(err)
}

func hasRule(v *cert.Verification, rule string) bool {
	for _, r := range v.Reasons {
		if r.Rule == rule {
			return true
		}
	}
	return false
}
