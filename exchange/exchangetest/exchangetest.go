// Package exchangetest sets up a small province for tests and benchmarks
// of sharing and exchange: providers with published resources (a
// conditional population register, an unconditional company register, a
// 不予共享 resource and an API-mounted marriage register), consumers at
// province and county level, accounts, and records delivered through the
// real ingest pipeline. Everything goes through the real services.
package exchangetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/catalog"
	"huitong/exchange"
	"huitong/gbcode"
	"huitong/gm"
	"huitong/identity"
	"huitong/ingest"
	"huitong/store"
)

// Password is the password of every account.
const Password = "Gansu-2026-pw"

// Clock is a settable clock shared by every service of an Env.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t.UTC(); c.mu.Unlock() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// Env is the test province.
type Env struct {
	DB       *store.DB
	Identity *identity.Service
	Catalog  *catalog.Service
	Ingest   *ingest.Service
	Exchange *exchange.Service
	Keyring  *gm.Keyring
	Clock    *Clock // nil when Options.RealClock
	Log      *slog.Logger

	// Departments (credit codes).
	Authority string // 甘肃省大数据管理局 (620000), the data authority
	GA        string // 甘肃省公安厅 (620000): provides People and Secret
	SCJG      string // 甘肃省市场监督管理局 (620000): provides Companies
	MZ        string // 甘肃省民政厅 (620000): provides Marriage (API-mounted)
	RS        string // 甘肃省人力资源和社会保障厅 (620000): a provincial consumer
	County    string // 兰州市城关区民政局 (620102): a county consumer
	Other     string // 兰州市教育局 (620100): holds no grants

	// Resources (codes).
	People    string // 户籍人口基本信息: conditional, table, citizen ID key
	Companies string // 企业登记注册信息: unconditional, table, credit code key
	Secret    string // 涉密人员信息: 不予共享
	Marriage  string // 婚姻登记信息: conditional, API-mounted (Options.ProviderURL)

	// PeopleKeys are the ID numbers delivered into People: the first half
	// in 城关区 (620102), the rest in 甘州区 (620702, another prefecture).
	PeopleKeys []string
	// CompanyKeys are the credit codes delivered into Companies.
	CompanyKeys []string
}

// Options adjust Setup.
type Options struct {
	// Config of the exchange service; zero fields take the defaults.
	Config exchange.Config
	// Now starts the clock (default 2026-03-02 09:00 UTC, a Monday).
	Now time.Time
	// RealClock uses the wall clock instead of a settable one (benchmarks).
	RealClock bool
	// People is the number of people delivered (default 20).
	People int
	// ProviderURL is the endpoint of the API-mounted resource (default a
	// placeholder that refuses connections).
	ProviderURL string
	// Log receives the services' logs (default discarded).
	Log *slog.Logger
	// Keyring seals secrets (default a fresh random one); give the
	// platform's when another instance must open what Setup stores.
	Keyring *gm.Keyring
}

// Setup builds the province on db. Accounts (password Password): for each
// department a staff account and "<name>-admin": ga, scjg, mz, rs, county,
// other; op (operator) and reviewer at the data authority.
func Setup(ctx context.Context, db *store.DB, opt Options) (*Env, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}
	if opt.People <= 0 {
		opt.People = 20
	}
	if opt.ProviderURL == "" {
		opt.ProviderURL = "http://127.0.0.1:9/marriage/{key}"
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var clk huitong.Clock = huitong.SystemClock{}
	e := &Env{DB: db, Log: log,
		Authority: gbcode.MakeUSCC('1', '1', "620000", "01360001"),
		GA:        gbcode.MakeUSCC('1', '1', "620000", "01360002"),
		SCJG:      gbcode.MakeUSCC('1', '1', "620000", "01360004"),
		MZ:        gbcode.MakeUSCC('1', '1', "620000", "01360005"),
		RS:        gbcode.MakeUSCC('1', '1', "620000", "01360003"),
		County:    gbcode.MakeUSCC('1', '1', "620102", "01360006"),
		Other:     gbcode.MakeUSCC('1', '1', "620100", "01360007"),
	}
	if !opt.RealClock {
		e.Clock = &Clock{now: opt.Now}
		clk = e.Clock
	}
	keys := opt.Keyring
	if keys == nil {
		key := make([]byte, gm.MasterKeySize)
		rand.Read(key)
		var err error
		if keys, err = gm.NewKeyring(key); err != nil {
			return nil, err
		}
	}
	e.Keyring = keys
	var err error
	e.Identity = identity.New(db, identity.Config{}, clk)
	e.Catalog = catalog.New(db, clk, log)
	e.Ingest = ingest.New(db, e.Catalog, keys, ingest.Config{}, clk, log)
	if e.Exchange, err = exchange.New(db, e.Catalog, e.Identity, keys, opt.Config, clk, log); err != nil {
		return nil, err
	}
	sys := huitong.WithPrincipal(ctx, huitong.System)
	for _, d := range []*huitong.Department{
		{Code: e.Authority, Name: "甘肃省大数据管理局", Jurisdiction: "620000", Authority: true},
		{Code: e.GA, Name: "甘肃省公安厅", Jurisdiction: "620000"},
		{Code: e.SCJG, Name: "甘肃省市场监督管理局", Jurisdiction: "620000"},
		{Code: e.MZ, Name: "甘肃省民政厅", Jurisdiction: "620000"},
		{Code: e.RS, Name: "甘肃省人力资源和社会保障厅", Jurisdiction: "620000"},
		{Code: e.County, Name: "兰州市城关区民政局", Jurisdiction: "620102"},
		{Code: e.Other, Name: "兰州市教育局", Jurisdiction: "620100"},
	} {
		if err := e.Identity.CreateDepartment(sys, d); err != nil {
			return nil, err
		}
	}
	hash, err := identity.HashPassword(Password)
	if err != nil {
		return nil, err
	}
	users := []*huitong.User{
		{Username: "op", DisplayName: "运维", Department: e.Authority, Roles: []huitong.Role{huitong.RoleOperator}},
		{Username: "reviewer", DisplayName: "审核员", Department: e.Authority, Roles: []huitong.Role{huitong.RoleReviewer}},
		{Username: "dsj", DisplayName: "数据局工作人员", Department: e.Authority, Roles: []huitong.Role{huitong.RoleStaff}},
	}
	for name, dept := range map[string]string{"ga": e.GA, "scjg": e.SCJG, "mz": e.MZ, "rs": e.RS, "county": e.County, "other": e.Other} {
		users = append(users,
			&huitong.User{Username: name, DisplayName: name + "工作人员", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}},
			&huitong.User{Username: name + "-admin", DisplayName: name + "管理员", Department: dept, Roles: []huitong.Role{huitong.RoleStaff, huitong.RoleDeptAdmin}})
	}
	for _, u := range users {
		if err := e.Identity.CreateUserHashed(sys, u, hash); err != nil {
			return nil, err
		}
	}

	if e.People, err = e.Publish(ctx, e.GA, &huitong.Resource{Name: "户籍人口基本信息", ShareType: huitong.ShareConditional,
		ShareCondition: "用于社会保障、民政救助等法定职责", UpdateCycle: huitong.CycleDaily,
		ShareMethods:   []huitong.ShareMethod{huitong.MethodQuery, huitong.MethodSystem, huitong.MethodDownload},
		Classification: huitong.Classification{Class: "1", Item: "01", Category: "001"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID, Sensitive: true},
			{Name: "姓名", Code: "XM", Type: "C", Length: 50, Required: true, Sensitive: true},
			{Name: "性别", Code: "XBDM", Type: "C", Length: 1},
			{Name: "出生日期", Code: "CSRQ", Type: "D", Length: 8},
			{Name: "户籍地址", Code: "HJDZ", Type: "C", Length: 200, Sensitive: true},
			{Name: "联系电话", Code: "LXDH", Type: "C", Length: 20, Sensitive: true},
		}}); err != nil {
		return nil, err
	}
	if e.Companies, err = e.Publish(ctx, e.SCJG, &huitong.Resource{Name: "企业登记注册信息", ShareType: huitong.ShareUnconditional, UpdateCycle: huitong.CycleDaily,
		ShareMethods:   []huitong.ShareMethod{huitong.MethodQuery, huitong.MethodService},
		Classification: huitong.Classification{Class: "1", Item: "02", Category: "001"},
		Items: []huitong.Item{
			{Name: "统一社会信用代码", Code: "TYSHXYDM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyUSCC},
			{Name: "企业名称", Code: "QYMC", Type: "C", Length: 200, Required: true},
			{Name: "法定代表人", Code: "FDDBR", Type: "C", Length: 50, Sensitive: true},
			{Name: "注册资本", Code: "ZCZB", Type: "Y", Length: 18},
			{Name: "成立日期", Code: "CLRQ", Type: "D", Length: 8},
		}}); err != nil {
		return nil, err
	}
	if e.Secret, err = e.Publish(ctx, e.GA, &huitong.Resource{Name: "涉密人员信息", ShareType: huitong.ShareNone, UpdateCycle: huitong.CycleMonthly,
		LegalBasis: "《中华人民共和国保守国家秘密法》", ShareMethods: []huitong.ShareMethod{huitong.MethodQuery},
		Classification: huitong.Classification{Class: "3", Item: "01", Category: "009"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID},
			{Name: "姓名", Code: "XM", Type: "C", Length: 50},
		}}); err != nil {
		return nil, err
	}
	if e.Marriage, err = e.Publish(ctx, e.MZ, &huitong.Resource{Name: "婚姻登记信息", ShareType: huitong.ShareConditional,
		ShareCondition: "用于婚姻状况核验", UpdateCycle: huitong.CycleRealtime, Format: huitong.FormatService,
		ShareMethods:   []huitong.ShareMethod{huitong.MethodService},
		Classification: huitong.Classification{Class: "3", Item: "05", Category: "002"},
		Mount:          huitong.Mount{Kind: huitong.MountAPI, URL: opt.ProviderURL, Method: "GET"},
		Items: []huitong.Item{
			{Name: "公民身份号码", Code: "GMSFHM", Type: "C", Length: 18, Key: true, KeyKind: huitong.KeyCitizenID, Sensitive: true},
			{Name: "姓名", Code: "XM", Type: "C", Length: 50, Sensitive: true},
			{Name: "婚姻状况", Code: "HYZK", Type: "C", Length: 10},
			{Name: "登记日期", Code: "DJRQ", Type: "D", Length: 8},
			{Name: "登记机关", Code: "DJJG", Type: "C", Length: 100},
		}}); err != nil {
		return nil, err
	}

	// Records, delivered by the providers through the ingest pipeline.
	var b strings.Builder
	b.WriteString("公民身份号码,姓名,性别,出生日期,户籍地址,联系电话\n")
	for i := range opt.People {
		county := "620102"
		if i >= (opt.People+1)/2 {
			county = "620702"
		}
		birth := fmt.Sprintf("19%02d%02d%02d", 60+i%40, 1+i%12, 1+i%28)
		id := CitizenID(county, birth, 100+i)
		e.PeopleKeys = append(e.PeopleKeys, id)
		fmt.Fprintf(&b, "%s,%s,%d,%s-%s-%s,甘肃省兰州市城关区民主西路%d号,1380931%04d\n", id, Name(i), 1+i%2, birth[:4], birth[4:6], birth[6:], i+1, i)
	}
	if _, err := e.Deliver(ctx, "ga", e.People, b.String()); err != nil {
		return nil, err
	}
	b.Reset()
	b.WriteString("统一社会信用代码,企业名称,法定代表人,注册资本,成立日期\n")
	for i := range 6 {
		county := "620102"
		if i%2 == 1 {
			county = "620702"
		}
		code := USCC(county, i+1)
		e.CompanyKeys = append(e.CompanyKeys, code)
		fmt.Fprintf(&b, "%s,甘肃汇通测试第%d有限公司,%s,%d,2015-06-%02d\n", code, i+1, Name(i+7), (i+1)*1000000, i+1)
	}
	if _, err := e.Deliver(ctx, "scjg", e.Companies, b.String()); err != nil {
		return nil, err
	}
	return e, nil
}

// Deliver delivers CSV rows into resource code as the named account,
// through the ingest pipeline, and fails when any row is rejected.
func (e *Env) Deliver(ctx context.Context, user, code, csv string) (*huitong.Batch, error) {
	b, err := e.Ingest.Deliver(e.As(user), code, strings.NewReader(csv), ingest.Options{FileName: "delivery.csv", Source: "api"})
	if err != nil {
		return nil, err
	}
	if b.Rejected > 0 {
		return b, fmt.Errorf("exchangetest: delivery to %s rejected %d rows: %+v", code, b.Rejected, b.Report)
	}
	return b, nil
}

// Publish registers r for dept (table-mounted unless r says otherwise) and
// publishes it; it returns the code.
func (e *Env) Publish(ctx context.Context, dept string, r *huitong.Resource) (string, error) {
	r.Abstract = r.Name + "，供共享交换测试使用，汇集部门业务系统登记的数据。"
	r.Provider, r.OpenType = dept, huitong.OpenClosed
	if r.Format == "" {
		r.Format = huitong.FormatDatabase
	}
	if r.Mount.Kind == "" {
		r.Mount = huitong.Mount{Kind: huitong.MountTable}
	}
	staff := huitong.WithPrincipal(ctx, &huitong.Principal{Username: "staff", Department: dept, Roles: []huitong.Role{huitong.RoleStaff}})
	if err := e.Catalog.Create(staff, r); err != nil {
		return "", fmt.Errorf("exchangetest: create %s: %w", r.Name, err)
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
		panic(fmt.Sprintf("exchangetest: no account %s", username))
	}
	u := us[0]
	return huitong.WithPrincipal(ctx, &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles})
}

// APIKey issues an API key for the named account's department and returns
// the secret and the principal the key acts as.
func (e *Env) APIKey(username string) (string, *huitong.Principal, error) {
	secret, k, err := e.Identity.CreateAPIKey(e.As(username), "测试系统")
	if err != nil {
		return "", nil, err
	}
	return secret, &huitong.Principal{KeyID: k.ID, Department: k.Department, Roles: []huitong.Role{huitong.RoleStaff}}, nil
}

// Grant files a request as consumer user for items of code and has the
// provider user approve it; it returns the grant.
func (e *Env) Grant(ctx context.Context, consumer, provider, code string, in exchange.RequestInput) (*huitong.Grant, error) {
	in.Resource = code
	if in.Purpose == "" {
		in.Purpose = "最低生活保障资格审核"
	}
	if in.LegalBasis == "" {
		in.LegalBasis = "《社会救助暂行办法》第十一条"
	}
	if in.Until.IsZero() {
		in.Until = e.now().AddDate(1, 0, 0)
	}
	r, err := e.Exchange.Request(e.As(consumer), in)
	if err != nil {
		return nil, err
	}
	if r.Status == huitong.RequestApproved {
		return e.Exchange.Grant(e.As(consumer), r.Grant)
	}
	_, g, err := e.Exchange.Decide(e.As(provider), r.ID, exchange.Decision{Decision: "approve", DailyQuota: -1, RatePerSec: -1})
	return g, err
}

func (e *Env) now() time.Time {
	if e.Clock != nil {
		return e.Clock.Now()
	}
	return time.Now().UTC()
}

// CitizenID returns a valid citizen ID number (GB 11643) for the county,
// birth date (YYYYMMDD) and sequence number.
func CitizenID(county, birth string, seq int) string {
	first := fmt.Sprintf("%s%s%03d", county, birth, seq%1000)
	return first + string(gbcode.CitizenIDCheck(first))
}

// USCC returns a valid credit code (GB 32100) of a company registered in
// the county, numbered n.
func USCC(county string, n int) string {
	return gbcode.MakeUSCC('9', '1', county, fmt.Sprintf("M%07d", n%10000000))
}

// Name returns a plausible Chinese name, different for each i below 400.
func Name(i int) string {
	sur := []rune("王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗")
	giv := []rune("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚")
	return string(sur[i%len(sur)]) + string(giv[(i/len(sur))%len(giv)]) + string(giv[(i*7+3)%len(giv)])
}
