package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"huitong"
	"huitong/catalog"
	"huitong/cert"
	"huitong/demo"
	"huitong/exchange"
	"huitong/gm"
	"huitong/httpapi"
	"huitong/identity"
	"huitong/ingest"
	"huitong/natsbus"
	"huitong/store"
	"huitong/web"
)

// Version is set at build time with -ldflags "-X huitong/app.Version=...".
var Version = "dev"

// Main is one running platform instance.
type Main struct {
	Config   Config
	Log      *slog.Logger
	LogOut   io.Writer
	DB       *store.DB
	Bus      *natsbus.Bus
	Identity *identity.Service
	Catalog  *catalog.Service
	Certs    *cert.Service     // certificate library (电子证照库) and seals
	Exchange *exchange.Service // sharing and exchange (共享交换) with the audit trail's checkpoints
	Ingest   *ingest.Service   // data aggregation and quality governance (数据归集与治理)
	API      *httpapi.Server
	Web      *web.Server
	Registry *prometheus.Registry
	Keyring  *gm.Keyring // seals secrets at rest

	DemoSummary *demo.Summary
	StartedIn   time.Duration

	ln     net.Listener
	srv    *http.Server
	cancel context.CancelFunc
	unsub  func()
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), LogOut: os.Stderr}
}

func (m *Main) logger() *slog.Logger {
	level := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[m.Config.LogLevel]
	opts := &slog.HandlerOptions{Level: level}
	if m.Config.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(m.LogOut, opts))
	}
	return slog.New(slog.NewJSONHandler(m.LogOut, opts))
}

// Open opens storage (migrating it) and the bus, and builds the services,
// without serving. Commands that need no HTTP server use it.
func (m *Main) Open(ctx context.Context) error {
	if err := m.Config.Validate(); err != nil {
		return err
	}
	if m.Log == nil {
		m.Log = m.logger()
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	var err error
	if m.Keyring, err = m.keyring(); err != nil {
		return err
	}
	db, err := store.Open(ctx, m.Config.DSN())
	if err != nil {
		return err
	}
	m.DB = db
	applied, err := db.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		m.Log.Info("migrated", "engine", db.Engine, "applied", applied)
	}
	m.Identity = identity.New(db, identity.Config{SessionIdle: m.Config.SessionIdle}, nil)
	m.Catalog = catalog.New(db, nil, m.Log)
	certCfg := cert.ConfigFromEnv(os.Getenv)
	certCfg.PublicURL = m.Config.PublicURL // empty: the listening address, once known (Run)
	m.Certs = cert.New(db, m.Keyring, certCfg, nil, m.Log)
	if m.Exchange, err = exchange.New(db, m.Catalog, m.Identity, m.Keyring, exchange.ConfigFromEnv(os.Getenv), nil, m.Log); err != nil {
		return err
	}
	// The certificate library's catalog entry (mount URL cert.LibraryPath)
	// is answered by the library itself.
	m.Exchange.ServeLocal(cert.LibraryPath, m.Certs.LibraryRecord)
	if m.Ingest, err = ingest.NewFromEnv(db, m.Catalog, m.Keyring, os.Getenv, nil, m.Log); err != nil {
		return err
	}
	return nil
}

// keyring returns the master keyring: from the configuration, or from
// DataDir/master.key, created with a fresh random key on first start.
func (m *Main) keyring() (*gm.Keyring, error) {
	if m.Config.MasterKey != "" {
		k, err := gm.ParseKeyring(m.Config.MasterKey)
		if err != nil {
			return nil, fmt.Errorf("HUITONG_MASTER_KEY: %w", err)
		}
		return k, nil
	}
	path := filepath.Join(m.Config.DataDir, "master.key")
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		key := make([]byte, gm.MasterKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		b = []byte(hex.EncodeToString(key) + "\n")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		m.Log.Warn("generated a master key in the data directory; in production set HUITONG_MASTER_KEY from a secrets manager", "path", path)
	} else if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	k, err := gm.ParseKeyring(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("master key %s: %w", path, err)
	}
	return k, nil
}

// Run opens everything, loads the demo when asked and the database is
// empty, builds the search index, and starts serving. It returns once the
// listener accepts connections; /healthz then answers 200.
func (m *Main) Run(ctx context.Context) error {
	start := time.Now()
	if err := m.Open(ctx); err != nil {
		return err
	}
	bus, err := natsbus.Open(ctx, natsbus.Config{URL: m.Config.NATS, StoreDir: filepath.Join(m.Config.DataDir, "nats"), Name: "huitong", Logger: m.Log})
	if err != nil {
		return fmt.Errorf("bus: %w", err)
	}
	m.Bus = bus

	if m.Config.Demo {
		if err := m.loadDemo(ctx); err != nil {
			return err
		}
	}
	t := time.Now()
	if err := m.Catalog.Rebuild(ctx); err != nil {
		return fmt.Errorf("catalog index: %w", err)
	}
	// The rebuild decodes every entry once; hand that garbage back to the
	// OS now rather than carrying it as resident memory.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	pub, work := m.Catalog.Stats()
	m.Log.Info("catalog index built", "published", pub, "working", work, "ms", time.Since(t).Milliseconds(), "heapMiB", ms.HeapAlloc>>20)

	// Other instances' catalog changes arrive on the bus; ours go out on it.
	subject := bus.Subject("catalog", "changed")
	m.Catalog.OnChange = func(code string) {
		if err := bus.Publish(subject, []byte(code)); err != nil {
			m.Log.Warn("publish catalog change", "code", code, "err", err)
		}
	}
	unsub, err := bus.Subscribe(subject, func(_ string, data []byte) {
		if err := m.Catalog.Reindex(context.Background(), string(data)); err != nil {
			m.Log.Warn("reindex from bus", "code", string(data), "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("bus subscribe: %w", err)
	}
	m.unsub = unsub

	m.Registry = prometheus.NewRegistry()
	m.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := httpapi.NewMetrics(m.Registry)

	mux := http.NewServeMux()
	m.API = &httpapi.Server{Identity: m.Identity, Catalog: m.Catalog, Certs: m.Certs, Exchange: m.Exchange.Start(ctx, m.Bus), Ingest: m.Ingest.Start(ctx), DB: m.DB, Log: m.Log, Version: Version}
	m.API.Register(mux)
	m.Web = &web.Server{Identity: m.Identity, Catalog: m.Catalog, Certs: m.Certs, Exchange: m.Exchange, Ingest: m.Ingest, MaxUpload: m.Ingest.Config().MaxSize, DB: m.DB, Log: m.Log, Version: Version, SecureCookies: m.Config.SecureCookies}
	m.Web.Register(mux)
	mux.HandleFunc("GET /healthz", m.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{}))

	ln, err := net.Listen("tcp", m.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", m.Config.Addr, err)
	}
	m.ln = ln
	if m.Config.PublicURL == "" {
		m.Certs.SetPublicURL(m.URL())
	}
	m.srv = &http.Server{
		Handler:           httpapi.Middleware(mux, m.Log, metrics),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	go func() {
		if err := m.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("serve", "err", err)
		}
	}()
	bg, cancel := context.WithCancel(context.Background())
	m.cancel = cancel
	go m.housekeeping(bg)
	m.StartedIn = time.Since(start)
	m.Log.Info("serving", "addr", ln.Addr().String(), "db", m.DB.Engine, "bus", map[bool]string{true: "embedded", false: "external"}[bus.Embedded()],
		"publicURL", m.Certs.PublicURL(), "version", Version, "startupMs", m.StartedIn.Milliseconds())
	return nil
}

func (m *Main) loadDemo(ctx context.Context) error {
	existing, err := m.DB.Departments(ctx, huitong.DepartmentFilter{})
	if err != nil {
		return err
	}
	if len(existing) > 0 {
		m.Log.Info("demo: database already holds data, not loading", "departments", len(existing))
		return nil
	}
	t := time.Now()
	sum, err := demo.Load(ctx, m.Identity, m.Catalog, demo.Options{Resources: m.Config.DemoResources})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	m.DemoSummary = sum
	if cs, err := demo.LoadCerts(ctx, m.Identity, m.Catalog, m.Certs, sum); err != nil {
		return fmt.Errorf("demo certificates: %w", err)
	} else {
		m.Log.Info("demo certificates loaded", "types", cs.Types, "seals", cs.Seals, "certificates", cs.Certificates, "catalog", cs.Catalog)
		for _, h := range cs.Holders { // made-up demo people and companies
			m.Log.Info("demo holder sign-in at /my/login (password in the README)", "holder", h.HolderID, "name", h.Name)
		}
	}
	if ds, err := demo.LoadData(ctx, m.Identity, m.Catalog, m.Ingest, demo.DataOptions{Resources: m.Config.DemoResources, Getenv: os.Getenv}); err != nil {
		return fmt.Errorf("demo data: %w", err)
	} else {
		m.Log.Info("demo data delivered", "people", ds.People, "companies", ds.Companies, "batches", ds.Batches, "accepted", ds.Accepted, "rejected", ds.Rejected, "disputes", ds.Disputes, "notes", ds.Notes)
	}
	if xs, err := demo.LoadExchange(ctx, m.DB, m.Keyring, m.Identity, m.Catalog, m.Exchange); err != nil {
		return fmt.Errorf("demo exchange: %w", err)
	} else {
		m.Log.Info("demo exchange loaded", "requests", xs.Requests, "grants", xs.Grants, "pending", xs.Pending, "escalated", xs.Escalated, "uses", xs.Uses, "auditEntries", xs.Entries, "notes", xs.Notes)
	}
	m.Log.Info("demo loaded", "departments", sum.Departments, "users", sum.Users, "resources", sum.Resources, "published", sum.Published, "ms", time.Since(t).Milliseconds())
	return nil
}

func (m *Main) housekeeping(ctx context.Context) {
	tick := time.NewTicker(10 * time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if n, err := m.Identity.PurgeSessions(ctx); err != nil {
				m.Log.Warn("purge sessions", "err", err)
			} else if n > 0 {
				m.Log.Info("purged sessions", "n", n)
			}
		}
	}
}

func (m *Main) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	status, body := http.StatusOK, `{"status":"ok"}`
	if err := m.DB.Ping(ctx); err != nil {
		status, body = http.StatusServiceUnavailable, `{"status":"unavailable","component":"database"}`
	} else if err := m.Bus.Healthy(); err != nil {
		status, body = http.StatusServiceUnavailable, `{"status":"unavailable","component":"bus"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body+"\n")
}

// Addr returns the address the server listens on.
func (m *Main) Addr() string {
	if m.ln == nil {
		return ""
	}
	return m.ln.Addr().String()
}

// URL returns the base URL of the server as reached on this machine:
// http://localhost:PORT when it listens on all interfaces.
func (m *Main) URL() string { return "http://" + displayAddr(m.Addr()) }

// displayAddr is a listening address as a URL host: localhost for the
// unspecified addresses.
func displayAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return a
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		return "localhost:" + port
	}
	return a
}

// Close stops serving, waiting up to 10 s for requests in flight, then
// closes the bus and the database.
func (m *Main) Close() error {
	var errs []error
	if m.cancel != nil {
		m.cancel()
	}
	if m.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		errs = append(errs, m.srv.Shutdown(ctx))
		cancel()
	}
	if m.unsub != nil {
		m.unsub()
	}
	if m.Bus != nil {
		errs = append(errs, m.Bus.Close())
	}
	if m.Certs != nil {
		errs = append(errs, m.Certs.Close()) // its own verification readers
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
	}
	return errors.Join(errs...)
}
