// Package ingest is data aggregation (数据归集): departments deliver the
// data behind their table-mounted resources as CSV (UTF-8 with or without
// BOM, GBK/GB18030, UTF-16 with BOM; detected), Excel (.xlsx, the first or
// a named sheet) or JSON lines, by upload, API or the huitong import
// command, or the platform pulls it on a schedule from the department's own
// PostgreSQL or MySQL database.
//
// Every row is checked against the resource's items (type, required,
// length, code set, and the rule of the item's data element: see package
// quality), lightly cleaned where that cannot change its meaning, and
// either rejected with row, item, rule and value, or upserted by key into
// the records store with the previous version kept in the history. Rows
// are committed in chunks; a batch's accepted count is persisted with the
// rows it counts, which is what the platform acknowledges. After a batch
// the quality passes run (package quality).
package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/gm"
	"huitong/quality"
	"huitong/store"
)

// Config holds the ingest settings. Defaults, then HUITONG_INGEST_*
// environment variables.
type Config struct {
	// MaxSize caps a CSV or JSON lines delivery in bytes; it is read as a
	// stream, so memory does not grow with it (HUITONG_INGEST_MAX_SIZE,
	// default 4 GiB).
	MaxSize int64
	// MaxXLSXSize caps an Excel delivery, which is held in memory to be
	// unzipped (HUITONG_INGEST_MAX_XLSX, default 100 MiB).
	MaxXLSXSize int64
	// MaxRowBytes caps one row (default 1 MiB): a row over it is rejected,
	// so an unterminated quote costs one row, not the rest of the file.
	MaxRowBytes int
	// ChunkRows is how many rows are committed in one transaction
	// (HUITONG_INGEST_CHUNK, default 5000).
	ChunkRows int
	// MaxRejects is how many rejects and warnings are stored per batch
	// (default 100,000); all are counted.
	MaxRejects int
	// Lease is how long a delivery's or a pull's lease lasts without
	// renewal (HUITONG_INGEST_LEASE, default 60s). A batch whose worker
	// died is marked failed once its lease has expired.
	Lease time.Duration
	// FullDeleteMaxRejected is the share of rejected rows above which a
	// full delivery does not delete the records it leaves out (default
	// 0.05): a broken file must not empty a resource.
	FullDeleteMaxRejected float64
	// Tick is how often the background loop looks for due pulls and
	// orphaned batches (HUITONG_PULL_TICK, default 30s).
	Tick time.Duration
	// PullTimeout bounds one pull (default 1h).
	PullTimeout time.Duration
	// Quality holds the quality settings.
	Quality quality.Config
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{MaxSize: 4 << 30, MaxXLSXSize: 100 << 20, MaxRowBytes: 1 << 20, ChunkRows: 5000, MaxRejects: 100000,
		Lease: time.Minute, FullDeleteMaxRejected: 0.05, Tick: 30 * time.Second, PullTimeout: time.Hour, Quality: quality.DefaultConfig()}
}

// FromEnv applies HUITONG_INGEST_MAX_SIZE, HUITONG_INGEST_MAX_XLSX,
// HUITONG_INGEST_CHUNK, HUITONG_INGEST_LEASE, HUITONG_PULL_TICK and the
// quality variables from getenv over c.
func (c *Config) FromEnv(getenv func(string) string) error {
	size := func(name string, dst *int64) error {
		if v := getenv(name); v != "" {
			n, err := parseSize(v)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			*dst = n
		}
		return nil
	}
	if err := size("HUITONG_INGEST_MAX_SIZE", &c.MaxSize); err != nil {
		return err
	}
	if err := size("HUITONG_INGEST_MAX_XLSX", &c.MaxXLSXSize); err != nil {
		return err
	}
	if v := getenv("HUITONG_INGEST_CHUNK"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			return fmt.Errorf("HUITONG_INGEST_CHUNK: want 1 to 100000 rows, got %q", v)
		}
		c.ChunkRows = n
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"HUITONG_INGEST_LEASE", &c.Lease}, {"HUITONG_PULL_TICK", &c.Tick}} {
		if v := getenv(d.name); v != "" {
			x, err := time.ParseDuration(v)
			if err != nil || x < time.Second {
				return fmt.Errorf("%s: want a duration of at least 1s, got %q", d.name, v)
			}
			*d.dst = x
		}
	}
	return c.Quality.FromEnv(getenv)
}

// parseSize reads a byte count: 1048576, 512MiB, 2GiB, 100MB, 4G.
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		sfx string
		n   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.sfx) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.sfx)), u.n
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("want a positive size such as 2GiB, got %q", s)
	}
	return n * mult, nil
}

// Catalog is what ingest needs of the catalog.
type Catalog interface {
	Published(ctx context.Context, code string) (*huitong.Resource, error)
	DepartmentName(ctx context.Context, code string) string
}

// Service is the ingest service.
type Service struct {
	db       *store.DB
	cat      Catalog
	keys     *gm.Keyring
	cfg      Config
	clock    huitong.Clock
	log      *slog.Logger
	instance string

	// Quality is the quality service the pipeline reports to; the API
	// serves its scores, disputes and register through it.
	Quality *quality.Service

	// OnChange, when set, is called with the resource code after every
	// committed chunk that wrote records (inserted, updated or deleted),
	// so change feeds can follow without polling. It must not block.
	OnChange func(resource string)
}

// Start runs the background work (Run) until ctx ends and returns s.
func (s *Service) Start(ctx context.Context) *Service {
	go s.Run(ctx)
	return s
}

// New returns a Service. keys seals the DSNs of scheduled pulls.
func New(db *store.DB, cat Catalog, keys *gm.Keyring, cfg Config, clock huitong.Clock, log *slog.Logger) *Service {
	def := DefaultConfig()
	if cfg.MaxSize <= 0 {
		cfg.MaxSize = def.MaxSize
	}
	if cfg.MaxXLSXSize <= 0 {
		cfg.MaxXLSXSize = def.MaxXLSXSize
	}
	if cfg.MaxRowBytes <= 0 {
		cfg.MaxRowBytes = def.MaxRowBytes
	}
	if cfg.ChunkRows <= 0 {
		cfg.ChunkRows = def.ChunkRows
	}
	if cfg.MaxRejects <= 0 {
		cfg.MaxRejects = def.MaxRejects
	}
	if cfg.Lease <= 0 {
		cfg.Lease = def.Lease
	}
	if cfg.FullDeleteMaxRejected <= 0 {
		cfg.FullDeleteMaxRejected = def.FullDeleteMaxRejected
	}
	if cfg.Tick <= 0 {
		cfg.Tick = def.Tick
	}
	if cfg.PullTimeout <= 0 {
		cfg.PullTimeout = def.PullTimeout
	}
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	if log == nil {
		log = slog.Default()
	}
	host, _ := os.Hostname()
	var r [4]byte
	rand.Read(r[:])
	return &Service{db: db, cat: cat, keys: keys, cfg: cfg, clock: clock, log: log,
		instance: fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(r[:])),
		Quality:  quality.New(db, cat, cfg.Quality, clock, log)}
}

// Config returns the settings in force.
func (s *Service) Config() Config { return s.cfg }

func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	return p, nil
}

// isSystem reports whether p is the platform itself (demo loading).
func isSystem(p *huitong.Principal) bool { return p == huitong.System }

// provides reports whether p acts for the provider department: its staff,
// department admins and API keys.
func provides(p *huitong.Principal, provider string) bool {
	return p.Department == provider && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin))
}

// resource returns the published version of code if it can receive data:
// table-mounted with a key item. ENOTFOUND, EINVALID otherwise.
func (s *Service) resource(ctx context.Context, code string) (*huitong.Resource, error) {
	res, err := s.cat.Published(ctx, code)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, huitong.Errorf(huitong.ENOTFOUND, "资源 %s 不存在或尚未发布；发布后才能交付数据", code)
	} else if err != nil {
		return nil, err
	}
	if res.Mount.Kind != huitong.MountTable {
		return nil, huitong.Errorf(huitong.EINVALID, "资源 %s(%s) 的挂接方式为%s，只有挂接为平台库表的资源接收数据交付",
			code, res.Name, huitong.Label("mount", string(res.Mount.Kind)))
	}
	if res.KeyItem() == nil {
		return nil, huitong.Errorf(huitong.EINVALID, "资源 %s(%s) 没有主键信息项，无法按主键归集", code, res.Name)
	}
	return res, nil
}

// NewFromEnv is New with DefaultConfig overridden by the HUITONG_*
// variables read through getenv (see Config.FromEnv).
func NewFromEnv(db *store.DB, cat Catalog, keys *gm.Keyring, getenv func(string) string, clock huitong.Clock, log *slog.Logger) (*Service, error) {
	cfg := DefaultConfig()
	if err := cfg.FromEnv(getenv); err != nil {
		return nil, err
	}
	return New(db, cat, keys, cfg, clock, log), nil
}
