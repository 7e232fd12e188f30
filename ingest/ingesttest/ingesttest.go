// Package ingesttest sets up a small province for tests of data
// aggregation: departments, accounts, three published table-mounted
// resources, the authoritative sources of their data elements, and
// generators of valid citizen ID numbers and credit codes. Everything is
// created through the real identity and catalog services.
package ingesttest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/identity"
	"huitong/ingest"
	"huitong/store"
)

// Password is the password of every account.
const Password = "Gansu-2026-pw"

// Clock is a settable clock.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t.UTC(); c.mu.Unlock() }

// Add moves the clock forward by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Env is the test province.
type Env struct {
	DB       *store.DB
	Identity *identity.Service
	Catalog  *catalog.Service
	Ingest   *ingest.Service
	Clock    *Clock
	Log      *slog.Logger
	Keys     *gm.Keyring // the master keyring sealing pull credentials

	Authority, GA, RS, SCJG string // department credit codes: 大数据管理局, 公安厅, 人社厅, 市场监管局

	People    string // 户籍人口基本信息 of 公安厅, keyed by citizen ID number, 10 items
	Insured   string // 社会保险参保信息 of 人社厅, keyed by citizen ID number
	Companies string // 企业登记注册信息 of 市场监管局, keyed by credit code
}

// Options adjust New.
type Options struct {
	Config ingest.Config // zero fields take the defaults
	Now    time.Time     // the clock's start, default 2026-03-02 09:00 UTC (a Monday)
}

// New builds the province on db (see Setup), failing t on error.
func New(t testing.TB, db *store.DB, opt Options) *Env {
	t.Helper()
	e, err := Setup(db, opt)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// Setup builds the province on db. Accounts (password Password): gat and
// gat-admin (公安厅 staff and admin), rs (人社厅), scjg (市场监管局), op
// (operator) and reviewer (data authority).
func Setup(db *store.DB, opt Options) (*Env, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := &Clock{now: opt.Now}
	e := &Env{DB: db, Clock: clk, Log: log,
		Identity:  identity.New(db, identity.Config{}, clk),
		Catalog:   catalog.New(db, clk, log),
		Authority: gbcode.MakeUSCC('1', '1', "620000", "01360001"),
		GA:        gbcode.MakeUSCC('1', '1', "620000", "01360002"),
		RS:        gbcode.MakeUSCC('1', '1', "620000", "01360003"),
		SCJG:      gbcode.MakeUSCC('1', '1', "620000", "01360004"),
	}
	key := make([]byte, gm.MasterKeySize)
	rand.Read(key)
	keys, err := gm.NewKeyring(key)
	if err != nil {
		return nil, err
	}
	e.Keys = keys
	e.Ingest = ingest.New(db, e.Catalog, keys, opt.Config, clk, log)
	ctx := context.Background()
	sys := huitong.WithPrincipal(ctx, huitong.System)
	for _, d := range []*huitong.Department{
		{Code: e.Authority, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Authority: true},
		{Code: e.GA, Name: "甘肃省公安厅", Jurisdiction: "620000"},
		{Code: e.RS, Name: "甘肃省人力资源和社会保障厅", Jurisdiction: "620000"},
		{Code: e.SCJG, Name: "甘肃省市场监督管理局", Jurisdiction: "620000"},
	} {
		if err := e.Identity.CreateDepartment(sys, d); err != nil {
			return nil, err
		}
	}
	hash, err := identity.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	for _, u := range []*huitong.User{
		{Username: "gat", DisplayName: "张伟", Department: e.GA, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "gat-admin", DisplayName: "李娜", Department: e.GA, Roles: []huitong.Role{huitong.RoleDeptAdmin}},
		{Username: "rs", DisplayName: "王芳", Department: e.RS, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "scjg", DisplayName: "赵敏", Department: e.SCJG, Roles: []huitong.Role{huitong.RoleStaff}},
		{Username: "op", DisplayName: "运维", Department: e.Authority, Roles: []huitong.Role{huitong.RoleOperator}},
		{Username: "reviewer", DisplayName: "审核员", Department: e.Authority, Roles: []huitong.Role{huitong.RoleReviewer}},
	} {
		if err := e.Identity.CreateUserHashed(sys, u, hash); err != nil {
			return nil, err
		}
	}
	var errs []error
	publish := func(dept string, r *huitong.Resource) string {
		code, err := e.Publish(dept, r)
		errs = append(errs, err)
		return code
	}
	e.People = publish(e.GA, &huitong.Resource{Name: "户籍人口基本信息", UpdateCycle: huitong.CycleDaily,
		Classification: huitong.Classification{Class: "1", Item: "01", Category: "001"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
			{Name: "姓名", Code: "XM", Type: "C", Length: 50, Required: true},
			{Name: "性别", Code: "XBDM", Type: "C", Length: 1},
			{Name: "出生日期", Code: "CSRQ", Type: "D", Length: 8},
			{Name: "民族", Code: "MZDM", Type: "C", Length: 2},
			{Name: "户籍地址", Code: "HJDZ", Type: "C", Length: 200, Sensitive: true},
			{Name: "联系电话", Code: "LXDH", Type: "C", Length: 20, Sensitive: true},
			{Name: "户籍登记日期", Code: "HJDJRQ", Type: "D", Length: 8},
			{Name: "家庭人口数", Code: "JTRKS", Type: "I", Length: 3},
			{Name: "备注", Code: "BZ", Type: "M", Length: 500},
		}})
	e.Insured = publish(e.RS, &huitong.Resource{Name: "社会保险参保信息", UpdateCycle: huitong.CycleMonthly,
		Classification: huitong.Classification{Class: "2", Item: "01", Category: "001"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
			{Name: "姓名", Code: "XM", Type: "C", Length: 50, Required: true},
			{Name: "性别", Code: "XBDM", Type: "C", Length: 1},
			{Name: "参保状态", Code: "CBZT", Type: "C", Length: 2, DataElement: "enum:参保,暂停,终止"},
			{Name: "缴费基数", Code: "JFJS", Type: "Y", Length: 12},
			{Name: "参保日期", Code: "CBRQ", Type: "D", Length: 8},
			{Name: "参保地行政区划代码", Code: "CBDXZQHDM", Type: "C", Length: 6},
			{Name: "手机号码", Code: "SJHM", Type: "C", Length: 11, Sensitive: true},
		}})
	e.Companies = publish(e.SCJG, &huitong.Resource{Name: "企业登记注册信息", UpdateCycle: huitong.CycleDaily,
		Classification: huitong.Classification{Class: "1", Item: "02", Category: "001"},
		Items: []huitong.Item{
			{Name: "统一社会信用代码", Code: "TYSHXYDM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyUSCC},
			{Name: "企业名称", Code: "QYMC", Type: "C", Length: 200, Required: true},
			{Name: "法定代表人", Code: "FDDBR", Type: "C", Length: 50},
			{Name: "注册资本", Code: "ZCZB", Type: "Y", Length: 18},
			{Name: "成立日期", Code: "CLRQ", Type: "D", Length: 8},
			{Name: "住所", Code: "ZS", Type: "C", Length: 200},
			{Name: "是否上市", Code: "SFSS", Type: "L"},
		}})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	op := e.As("op")
	for code, auth := range map[string]string{"XM": e.GA, "XBDM": e.GA, "CSRQ": e.GA, "QYMC": e.SCJG, "FDDBR": e.SCJG} {
		els, err := e.Ingest.Quality.Elements(op)
		if err != nil {
			return nil, err
		}
		for _, el := range els {
			if el.Code == code {
				el.Authority = auth
				if err := e.Ingest.Quality.SetElement(op, el); err != nil {
					return nil, err
				}
			}
		}
	}
	return e, nil
}

// Publish registers r for dept as a table-mounted resource, and publishes
// it; it returns the code.
func (e *Env) Publish(dept string, r *huitong.Resource) (string, error) {
	r.Abstract = r.Name + "，供测试使用。汇集部门业务系统登记的数据。"
	r.Provider, r.Format, r.ShareType = dept, huitong.FormatDatabase, huitong.ShareConditional
	r.ShareCondition, r.ShareMethods, r.OpenType = "经审核同意后使用", []huitong.ShareMethod{huitong.MethodQuery}, huitong.OpenClosed
	if r.Mount.Kind == "" {
		r.Mount = huitong.Mount{Kind: huitong.MountTable}
	}
	staff := huitong.WithPrincipal(context.Background(), &huitong.Principal{Username: "staff", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}})
	if err := e.Catalog.Create(staff, r); err != nil {
		return "", fmt.Errorf("create %s: %w", r.Name, err)
	}
	if _, err := e.Catalog.Submit(staff, r.Code); err != nil {
		return "", err
	}
	if _, err := e.Catalog.Publish(e.As("reviewer"), r.Code); err != nil {
		return "", err
	}
	return r.Code, nil
}

// As returns a context acting as the named account.
func (e *Env) As(username string) context.Context {
	ctx := context.Background()
	us, err := e.DB.Users(ctx, huitong.UserFilter{Username: username})
	if err != nil || len(us) != 1 {
		panic(fmt.Sprintf("ingesttest: no account %s", username))
	}
	u := us[0]
	return huitong.WithPrincipal(ctx, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles})
}

// CitizenID returns a valid 18-digit citizen ID number (GB 11643) for the
// county, birth date (YYYYMMDD) and sequence (odd for men).
func CitizenID(county, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", county, birth, seq%1000)
	return first + string(gbcode.CitizenIDCheck(first))
}

// USCC returns a valid credit code (GB 32100) of a company registered in
// the county, numbered n.
func USCC(county string, n int) string {
	return gbcode.MakeUSCC('9', '1', county, fmt.Sprintf("M%07d", n%10000000))
}
