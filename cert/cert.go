// Package cert is the electronic certificate library (电子证照库) and the
// departments' electronic seals (电子印章): certificate types, seals with
// SM2 keys kept sealed at rest, issuing (one, batch, and programmatically
// for the service hall), GB/T 36904 identifiers, SM2-with-SM3 signatures
// over a canonical serialisation, revocation and new versions,
// verification (by identifier, exported file or show code), PDF rendering
// with the seal and a QR code, and the holder's wallet with show codes.
//
// The signed payload is the RFC 8785 (JCS) canonical JSON of the
// certificate (see canonical.go); the signature is the GM/T 0009 DER SM2
// signature with SM3 and the default signer id, which stock OpenSSL 3
// verifies:
//
//	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -digest sm3 \
//	    -pkeyopt distid:1234567812345678 -in payload -sigfile sig.der
package cert

import (
	"context"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"huitong"
	"huitong/gm"
	"huitong/store"
)

// Config tunes the certificate library. Zero fields take the defaults.
type Config struct {
	// PublicURL is the base URL of the platform as the public reaches it;
	// QR codes lead to PublicURL + "/verify/<id>". HUITONG_PUBLIC_URL;
	// default http://localhost:8080, which the server replaces with the
	// address it listens on (Service.SetPublicURL).
	PublicURL string
	// ShowCodeTTL is how long a show code (亮证码) lives. Default 5m.
	ShowCodeTTL time.Duration
	// ShowClientFailures wrong codes from one client within ShowWindow lock
	// that client for ShowClientLock. Defaults 5, 15m, 15m.
	ShowClientFailures int
	ShowWindow         time.Duration
	ShowClientLock     time.Duration
	// ShowClientRate is the most show-code verifications (right or wrong)
	// one client may attempt per minute. Default 20.
	ShowClientRate int
	// ShowGlobalFailures wrong codes from all clients within one minute lock
	// show-code verification for everyone for ShowGlobalLock: the defence
	// against guessing from many addresses. Defaults 200, 5m.
	ShowGlobalFailures int
	ShowGlobalLock     time.Duration
	// BatchChunk is how many certificates one transaction of a batch
	// stores. Default 1000.
	BatchChunk int
	// Workers sign in parallel during batches. Default GOMAXPROCS.
	Workers int
	// SealCacheTTL is how long a verifying instance trusts its cached copy
	// of a seal's status; a revocation on another instance takes effect
	// here within it. Default 10s.
	SealCacheTTL time.Duration
	// SealYears is the validity of a new seal. Default 5.
	SealYears int
}

// ConfigFromEnv returns the defaults with HUITONG_PUBLIC_URL applied.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{PublicURL: getenv("HUITONG_PUBLIC_URL")}
	if v, err := strconv.Atoi(getenv("HUITONG_CERT_WORKERS")); err == nil && v > 0 {
		c.Workers = v
	}
	return c.withDefaults()
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://localhost:8080"
	}
	def(&c.ShowCodeTTL, 5*time.Minute)
	def(&c.ShowWindow, 15*time.Minute)
	def(&c.ShowClientLock, 15*time.Minute)
	def(&c.ShowGlobalLock, 5*time.Minute)
	def(&c.SealCacheTTL, 10*time.Second)
	defInt(&c.ShowClientFailures, 5)
	defInt(&c.ShowClientRate, 20)
	defInt(&c.ShowGlobalFailures, 200)
	defInt(&c.BatchChunk, 1000)
	defInt(&c.Workers, runtime.GOMAXPROCS(0))
	defInt(&c.SealYears, 5)
	return c
}

// Service is the certificate library over a store. It is safe for
// concurrent use.
type Service struct {
	db    *store.DB
	keys  *gm.Keyring
	cfg   Config
	clock huitong.Clock
	log   *slog.Logger

	publicURL atomic.Pointer[string] // SetPublicURL's, over cfg.PublicURL

	seals  sealCache
	lookup struct {
		once sync.Once
		l    *store.CertLookup
		err  error
	}
	guard   *showGuard
	makerMu sync.Mutex
	maker   *gm.PrivateKey // the platform's seal-maker key, loaded lazily
	makerPK *gm.PublicKey
}

var _ huitong.CertService = (*Service)(nil)

// New returns a Service. keys seals the seals' private keys at rest (the
// platform's master keyring).
func New(db *store.DB, keys *gm.Keyring, cfg Config, clock huitong.Clock, log *slog.Logger) *Service {
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	cfg = cfg.withDefaults()
	return &Service{db: db, keys: keys, cfg: cfg, clock: clock, log: log,
		seals: sealCache{m: map[string]*cachedSeal{}}, guard: newShowGuard(cfg)}
}

// Config returns the configuration in force (defaults filled in).
func (s *Service) Config() Config {
	c := s.cfg
	c.PublicURL = s.PublicURL()
	return c
}

// PublicURL is the base URL QR codes lead to: Config.PublicURL, or what
// SetPublicURL set since.
func (s *Service) PublicURL() string {
	if u := s.publicURL.Load(); u != nil {
		return *u
	}
	return s.cfg.PublicURL
}

// SetPublicURL changes the base URL QR codes lead to: the platform sets it
// to the address it listens on when none is configured.
func (s *Service) SetPublicURL(u string) { s.publicURL.Store(&u) }

// DB returns the store, for tools (bench, demo) that compose with it.
func (s *Service) DB() *store.DB { return s.db }

// findCert reads a certificate through the prepared lookup, preparing it
// on first use.
func (s *Service) findCert(ctx context.Context, id string) (*huitong.Certificate, error) {
	s.lookup.once.Do(func() { s.lookup.l, s.lookup.err = s.db.PrepareCertLookup(context.WithoutCancel(ctx)) })
	if s.lookup.err != nil {
		return s.db.FindCertificate(ctx, id)
	}
	return s.lookup.l.Find(ctx, id)
}

// findSigned reads only what verification needs of a certificate.
func (s *Service) findSigned(ctx context.Context, id string) (store.SignedCert, error) {
	s.lookup.once.Do(func() { s.lookup.l, s.lookup.err = s.db.PrepareCertLookup(context.WithoutCancel(ctx)) })
	if s.lookup.err != nil {
		c, err := s.db.FindCertificate(ctx, id)
		if err != nil {
			return store.SignedCert{}, err
		}
		return store.SignedOf(c), nil
	}
	return s.lookup.l.Signed(ctx, id)
}

// Close releases the service's prepared statements.
func (s *Service) Close() error {
	if s.lookup.l != nil {
		return s.lookup.l.Close()
	}
	return nil
}

func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	return p, nil
}

// isStaffOf reports whether p works for the department (staff, department
// admin, or a department system's API key).
func isStaffOf(p *huitong.Principal, dept string) bool {
	return p.Department == dept && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin))
}

// isGovStaff reports whether p is any government account that may act for
// a holder at a service window (wallet, show codes) until holders sign in
// themselves.
func isGovStaff(p *huitong.Principal) bool {
	return slices.ContainsFunc(p.Roles, func(r huitong.Role) bool { return r.Valid() })
}

func fieldErr(field, rule, format string, args ...any) error {
	var v huitong.Validation
	v.Add(field, rule, format, args...)
	return v.Err()
}
