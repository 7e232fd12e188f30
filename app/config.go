// Package app wires huitong together: configuration, storage, the bus, the
// capability services, the API and the web UI. cmd/huitong calls it, and
// end-to-end tests start the same Main on port 0.
package app

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the platform configuration. Defaults, then HUITONG_*
// environment variables, then command-line flags.
type Config struct {
	Addr          string        // listen address; HUITONG_ADDR; default :8080
	DataDir       string        // data directory; HUITONG_DATA; default ./huitong-data
	DB            string        // HUITONG_DB: postgres:// URL, or a SQLite path; default DataDir/huitong.db
	NATS          string        // HUITONG_NATS: nats:// URL of a JetStream cluster; default embedded
	Demo          bool          // load the demo province into an empty database
	LogLevel      string        // HUITONG_LOG_LEVEL: debug, info, warn, error
	LogFormat     string        // HUITONG_LOG_FORMAT: json (default) or text
	SessionIdle   time.Duration // HUITONG_SESSION_IDLE; default 30m
	SecureCookies bool          // HUITONG_SECURE_COOKIES: mark cookies Secure (behind TLS); default false
	DemoResources int           // HUITONG_DEMO_RESOURCES: catalog entries in the demo; default 400
	// PublicURL is the platform's base URL as the public reaches it, which
	// certificate and show-code QR codes lead to (PublicURL/verify/...).
	// HUITONG_PUBLIC_URL; when empty, the address the server listens on
	// (http://localhost:PORT for all interfaces), right for a demo on one
	// machine and for nothing else.
	PublicURL string
	// MasterKey is the SM4 key (32 hex characters) that encrypts secrets at
	// rest: seal private keys, stored credentials, sensitive fields.
	// HUITONG_MASTER_KEY; when empty, DataDir/master.key is used, created on
	// first start. NB: never log it; in production inject it from a secrets
	// manager and keep a copy offline, since data sealed with it is lost without it.
	MasterKey string
}

// DefaultConfig returns the embedded defaults.
func DefaultConfig() Config {
	return Config{Addr: ":8080", DataDir: "./huitong-data", LogLevel: "info", LogFormat: "json", SessionIdle: 30 * time.Minute, DemoResources: 400}
}

// FromEnv applies HUITONG_* variables from getenv over c.
func (c *Config) FromEnv(getenv func(string) string) error {
	str := func(name string, dst *string) {
		if v := getenv(name); v != "" {
			*dst = v
		}
	}
	str("HUITONG_ADDR", &c.Addr)
	str("HUITONG_DATA", &c.DataDir)
	str("HUITONG_DB", &c.DB)
	str("HUITONG_NATS", &c.NATS)
	str("HUITONG_LOG_LEVEL", &c.LogLevel)
	str("HUITONG_LOG_FORMAT", &c.LogFormat)
	str("HUITONG_MASTER_KEY", &c.MasterKey)
	str("HUITONG_PUBLIC_URL", &c.PublicURL)
	if v := getenv("HUITONG_SESSION_IDLE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("HUITONG_SESSION_IDLE: %w", err)
		}
		c.SessionIdle = d
	}
	if v := getenv("HUITONG_SECURE_COOKIES"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("HUITONG_SECURE_COOKIES: %w", err)
		}
		c.SecureCookies = b
	}
	if v := getenv("HUITONG_DEMO_RESOURCES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("HUITONG_DEMO_RESOURCES: %w", err)
		}
		c.DemoResources = n
	}
	return nil
}

// Validate reports every problem with c.
func (c *Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: listen address required"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("data: data directory required"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log format %q: want json or text", c.LogFormat))
	}
	if c.SessionIdle < time.Minute {
		errs = append(errs, errors.New("session idle timeout must be at least 1m"))
	}
	if c.NATS != "" && !strings.HasPrefix(c.NATS, "nats://") && !strings.HasPrefix(c.NATS, "tls://") {
		errs = append(errs, fmt.Errorf("nats %q: want a nats:// or tls:// URL", c.NATS))
	}
	if c.PublicURL != "" {
		if err := checkPublicURL(c.PublicURL); err != nil {
			errs = append(errs, err)
		}
	}
	if c.DemoResources < 0 || c.DemoResources > 100000 {
		errs = append(errs, errors.New("demo resources: 0 to 100000"))
	}
	return errors.Join(errs...)
}

// checkPublicURL reports what is wrong with a public base URL: it must be
// an absolute http or https URL with a host, and no query, fragment,
// credentials or trailing slash (paths are appended to it).
func checkPublicURL(s string) error {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return fmt.Errorf("public URL %q: %w", s, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("public URL %q: want an http:// or https:// URL", s)
	case u.Host == "":
		return fmt.Errorf("public URL %q: no host", s)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "#"):
		return fmt.Errorf("public URL %q: no credentials, query or fragment", s)
	case strings.HasSuffix(s, "/"):
		return fmt.Errorf("public URL %q: no trailing slash", s)
	}
	return nil
}

// DSN returns the database to open: DB, or the SQLite file in DataDir.
func (c *Config) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.DataDir, "huitong.db")
}
