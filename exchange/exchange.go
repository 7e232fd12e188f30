// Package exchange is sharing and exchange (共享交换), after
// 《政务信息资源共享管理暂行办法》(国发〔2016〕51号): share requests and the
// provider's decision within a number of working days (counted against the
// PRC holiday calendar, escalated to the data authority when overdue);
// grants with items, jurisdiction, term, quota and rate limit; and every
// use of a grant: query one subject or a batch, verification (核验,
// match / no match, no data), subscription to changes (NATS JetStream,
// a pull endpoint with a cursor, webhooks), bulk export, and the gateway
// to providers' own APIs.
//
// Only granted items are ever returned; sensitive items are masked by rule
// unless the grant includes them in plain text; a subject outside the
// grant's jurisdiction is not found. Every use, refused or not, is an entry
// of the SM3 audit chain, and a query is answered only after its entry is
// durable: concurrent requests share one commit (group commit, see
// journal.go). The data subject, the provider and the consumer each see
// the uses that concern them (数据使用记录).
package exchange

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"huitong"
	"huitong/gm"
	"huitong/natsbus"
	"huitong/store"
)

// Catalog is what exchange needs of the catalog.
type Catalog interface {
	// Published returns the published version of a resource; ENOTFOUND
	// when none is published.
	Published(ctx context.Context, code string) (*huitong.Resource, error)
	// DepartmentName returns a department's name ("" when unknown).
	DepartmentName(ctx context.Context, code string) string
}

// Identity is what exchange needs of identity: the principal behind an
// API key or a bearer token.
type Identity interface {
	APIKeyPrincipal(ctx context.Context, secret string) (*huitong.Principal, error)
	Session(ctx context.Context, token string) (*huitong.Principal, string, error)
}

// Service implements sharing and exchange over a store. It is safe for
// concurrent use. Close stops its background work.
type Service struct {
	db    *store.DB
	cat   Catalog
	ids   Identity
	keys  *gm.Keyring
	cfg   Config
	cal   *Calendar
	clock huitong.Clock
	log   *slog.Logger

	journal  *journal
	limits   *limiter
	breakers *breakers
	client   *http.Client // to providers' APIs
	hooks    *http.Client // to consumers' webhooks

	resources *ttlCache[string, *resourceView]
	grants    *ttlCache[string, []*huitong.Grant] // consumer|resource
	apiKeys   *ttlCache[string, *huitong.Principal]
	depts     *ttlCache[string, *huitong.Department]
	creds     *ttlCache[string, *credential]
	local     sync.Map // mount path -> LocalSource

	keyMu       sync.Mutex
	signer      *gm.PrivateKey
	subjectKey  []byte
	subjectMACs sync.Pool // hash.Hash: HMAC-SM3 under subjectKey (SubjectHash)

	busMu        sync.Mutex
	bus          *natsbus.Bus
	hooksRunning map[int64]func()
	stop         context.CancelFunc
	wg           sync.WaitGroup

	// OnGrantChange, when set, is called after a grant is revoked or its
	// limits change, so other instances can drop it from their caches
	// (Start sets it to a bus notice).
	OnGrantChange func(consumer, resource string)
}

// New returns a Service. keys seals the provider credentials and the
// platform's keys at rest. It fails for a configuration out of range or a
// calendar file that does not read.
func New(db *store.DB, cat Catalog, ids Identity, keys *gm.Keyring, cfg Config, clock huitong.Clock, log *slog.Logger) (*Service, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	cal, err := LoadCalendar(cfg.CalendarFile)
	if err != nil {
		return nil, fmt.Errorf("exchange: %w", err)
	}
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	now := clock.Now
	s := &Service{
		db: db, cat: cat, ids: ids, keys: keys, cfg: cfg, cal: cal, clock: clock, log: log.With("component", "exchange"),
		limits:       newLimiter(),
		breakers:     newBreakers(cfg.BreakerFailures, cfg.BreakerCooldown),
		client:       &http.Client{Timeout: cfg.ProxyTimeout, CheckRedirect: noRedirects},
		hooks:        &http.Client{Timeout: cfg.WebhookTimeout, CheckRedirect: noRedirects},
		resources:    newTTLCache[string, *resourceView](cfg.CacheTTL, now),
		grants:       newTTLCache[string, []*huitong.Grant](cfg.CacheTTL, now),
		apiKeys:      newTTLCache[string, *huitong.Principal](cfg.CacheTTL, now),
		depts:        newTTLCache[string, *huitong.Department](time.Minute, now),
		creds:        newTTLCache[string, *credential](cfg.CacheTTL, now),
		hooksRunning: map[int64]func(){},
	}
	s.hooks.Transport = &http.Transport{DialContext: (&net.Dialer{Timeout: 5 * time.Second, Control: s.dialControl}).DialContext,
		TLSHandshakeTimeout: 5 * time.Second, MaxIdleConnsPerHost: 4}
	db.KeepIdleReaders() // see its comment: queries reopen connections otherwise
	s.journal = newJournal(db, cfg.JournalBatch, cfg.JournalPipeline, cfg.Chain, s.log)
	return s, nil
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

// Calendar returns the working-day calendar in force.
func (s *Service) Calendar() *Calendar { return s.cal }

// Close stops the background work started by Start and the audit journal,
// waiting for appends in flight to commit.
func (s *Service) Close() {
	s.busMu.Lock()
	if s.stop != nil {
		s.stop()
	}
	for _, stop := range s.hooksRunning {
		stop()
	}
	s.hooksRunning = map[int64]func(){}
	s.busMu.Unlock()
	s.wg.Wait()
	s.journal.close()
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, refuse(huitong.EUNAUTHORIZED, "auth.required", "需要身份凭证: Authorization: Bearer <令牌或 API 密钥>")
	}
	return p, nil
}

// refuse returns an *huitong.Error carrying a stable rule name in its one
// field error, so clients and the audit trail both see why.
func refuse(code, rule, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	field := rule
	if i := indexByte(rule, '.'); i > 0 {
		field = rule[:i]
	}
	return &huitong.Error{Code: code, Message: msg, Fields: []huitong.FieldError{{Field: field, Rule: rule, Message: msg}}}
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// ruleOf returns the rule an error carries, or its code.
func ruleOf(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	return huitong.ErrorCode(err)
}

// department returns a department, cached for a minute.
func (s *Service) department(ctx context.Context, code string) (*huitong.Department, error) {
	if d, ok := s.depts.get(code); ok {
		return d, nil
	}
	d, err := s.db.FindDepartment(ctx, code)
	if err != nil {
		return nil, err
	}
	s.depts.put(code, d)
	return d, nil
}

func (s *Service) departmentName(ctx context.Context, code string) string {
	if code == "" {
		return ""
	}
	return s.cat.DepartmentName(ctx, code)
}

// isAuthority reports whether p works at the data authority (大数据管理局)
// or runs the platform.
func (s *Service) isAuthority(ctx context.Context, p *huitong.Principal) bool {
	if p.Has(huitong.RoleOperator) || p.Has(huitong.RoleReviewer) {
		return true
	}
	d, err := s.department(ctx, p.Department)
	return err == nil && d.Authority
}

// actsFor reports whether p acts for department dept: its staff, its
// department admins and its API keys.
func actsFor(p *huitong.Principal, dept string) bool {
	return p != nil && p.Department == dept && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin))
}

// ttlCache is a small map whose entries expire after ttl.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[K]ttlEntry[V]
}

type ttlEntry[V any] struct {
	v   V
	exp time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, now: now, m: map[K]ttlEntry[V]{}}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.now().Before(e.exp) {
		var zero V
		return zero, false
	}
	return e.v, true
}

func (c *ttlCache[K, V]) put(k K, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 50000 {
		clear(c.m)
	}
	c.m[k] = ttlEntry[V]{v: v, exp: c.now().Add(c.ttl)}
}

func (c *ttlCache[K, V]) del(k K) {
	c.mu.Lock()
	delete(c.m, k)
	c.mu.Unlock()
}

func (c *ttlCache[K, V]) clear() {
	c.mu.Lock()
	clear(c.m)
	c.mu.Unlock()
}
