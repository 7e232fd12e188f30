package exchange

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Config holds the sharing and exchange settings. Zero fields take the
// defaults; ConfigFromEnv reads HUITONG_* overrides (docs/operations.md).
type Config struct {
	// ResponseDays is the number of working days a provider has to answer
	// a share request (国发〔2016〕51号: 10; local rules say 5, 10 or 15).
	// HUITONG_SHARE_RESPONSE_DAYS.
	ResponseDays int
	// CalendarFile adds or replaces years of the holiday calendar (JSON,
	// see calendar/2026.json). HUITONG_CALENDAR.
	CalendarFile string
	// CacheTTL is how long API key lookups, grants and published
	// resources are cached. A revoked key or grant stops working within
	// this time on every instance (at once on the instance that revoked
	// the grant). HUITONG_EXCHANGE_CACHE_TTL, default 5s.
	CacheTTL time.Duration
	// DailyQuota and RatePerSec are the limits of new grants unless the
	// provider sets others: subjects a day, requests a second per
	// instance. HUITONG_EXCHANGE_DAILY_QUOTA (10000),
	// HUITONG_EXCHANGE_RATE (50).
	DailyQuota int
	RatePerSec float64
	// MaxBatch is the most keys one batch query takes (100).
	MaxBatch int
	// MaxGrantDays is the longest term a request may ask for (1095).
	MaxGrantDays int
	// ProxyTimeout bounds a call to a provider's own API (5s),
	// ProxyMaxBody its answer (1 MiB). HUITONG_EXCHANGE_PROXY_TIMEOUT.
	ProxyTimeout time.Duration
	ProxyMaxBody int64
	// BreakerFailures consecutive failures of a provider's API open its
	// circuit for BreakerCooldown (5, 30s): calls fail at once with 503.
	BreakerFailures int
	BreakerCooldown time.Duration
	// CheckpointEvery is how often the platform key signs the head of the
	// audit chain when it moved (5m). HUITONG_AUDIT_CHECKPOINT_EVERY.
	CheckpointEvery time.Duration
	// FeedInterval is how often subscription feeds look for changes (1s);
	// FeedRetention how long JetStream keeps them (7 days) for consumers
	// that were offline. HUITONG_FEED_RETENTION.
	FeedInterval  time.Duration
	FeedRetention time.Duration
	// WebhookTimeout bounds one webhook delivery (10s).
	WebhookTimeout time.Duration
	// WebhookAllowPrivate allows webhooks to loopback and private
	// addresses and plain http. Off in production: a webhook URL must be
	// https to a public address. HUITONG_WEBHOOK_ALLOW_PRIVATE.
	WebhookAllowPrivate bool
	// JournalBatch is the most audit entries one group commit writes (512).
	JournalBatch int
	// JournalPipeline is how many group commits may be under way at once
	// on PostgreSQL (1: one batch after another). SQLite has one
	// writer connection: always 1. HUITONG_AUDIT_PIPELINE.
	JournalPipeline int
	// Chain is the audit chain this instance appends to ("main").
	Chain string

	envErr error // what ConfigFromEnv could not parse; New reports it
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{}.withDefaults() }

func (c Config) withDefaults() Config {
	defInt := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defDur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	defInt(&c.ResponseDays, 10)
	defDur(&c.CacheTTL, 5*time.Second)
	defInt(&c.DailyQuota, 10000)
	if c.RatePerSec <= 0 {
		c.RatePerSec = 50
	}
	defInt(&c.MaxBatch, 100)
	defInt(&c.MaxGrantDays, 1095)
	defDur(&c.ProxyTimeout, 5*time.Second)
	if c.ProxyMaxBody <= 0 {
		c.ProxyMaxBody = 1 << 20
	}
	defInt(&c.BreakerFailures, 5)
	defDur(&c.BreakerCooldown, 30*time.Second)
	defDur(&c.CheckpointEvery, 5*time.Minute)
	defDur(&c.FeedInterval, time.Second)
	defDur(&c.FeedRetention, 7*24*time.Hour)
	defDur(&c.WebhookTimeout, 10*time.Second)
	defInt(&c.JournalBatch, 512)
	defInt(&c.JournalPipeline, 1)
	if c.Chain == "" {
		c.Chain = "main"
	}
	return c
}

// ConfigFromEnv returns the defaults with HUITONG_* variables from getenv
// applied. A variable that does not parse is kept as an error that New
// returns, naming it.
func ConfigFromEnv(getenv func(string) string) Config {
	var c Config
	var errs []error
	intVar := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a positive integer", name, v))
				return
			}
			*dst = n
		}
	}
	durVar := func(name string, dst *time.Duration) {
		if v := getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				errs = append(errs, fmt.Errorf("%s=%q: want a positive duration such as 5s", name, v))
				return
			}
			*dst = d
		}
	}
	intVar("HUITONG_SHARE_RESPONSE_DAYS", &c.ResponseDays)
	c.CalendarFile = getenv("HUITONG_CALENDAR")
	durVar("HUITONG_EXCHANGE_CACHE_TTL", &c.CacheTTL)
	intVar("HUITONG_EXCHANGE_DAILY_QUOTA", &c.DailyQuota)
	if v := getenv("HUITONG_EXCHANGE_RATE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			errs = append(errs, fmt.Errorf("HUITONG_EXCHANGE_RATE=%q: want a positive number", v))
		} else {
			c.RatePerSec = f
		}
	}
	durVar("HUITONG_EXCHANGE_PROXY_TIMEOUT", &c.ProxyTimeout)
	durVar("HUITONG_AUDIT_CHECKPOINT_EVERY", &c.CheckpointEvery)
	durVar("HUITONG_FEED_RETENTION", &c.FeedRetention)
	intVar("HUITONG_AUDIT_PIPELINE", &c.JournalPipeline)
	if v := getenv("HUITONG_WEBHOOK_ALLOW_PRIVATE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("HUITONG_WEBHOOK_ALLOW_PRIVATE=%q: want true or false", v))
		}
		c.WebhookAllowPrivate = b
	}
	c = c.withDefaults()
	c.envErr = errors.Join(errs...)
	return c
}

// Validate reports settings out of range.
func (c Config) Validate() error {
	errs := []error{c.envErr}
	if c.ResponseDays > 60 {
		errs = append(errs, fmt.Errorf("response days %d: at most 60 working days", c.ResponseDays))
	}
	if c.CacheTTL > 5*time.Minute {
		errs = append(errs, fmt.Errorf("cache TTL %s: at most 5m, since revocation waits for it", c.CacheTTL))
	}
	if c.MaxBatch > 1000 {
		errs = append(errs, fmt.Errorf("max batch %d: at most 1000 keys", c.MaxBatch))
	}
	return errors.Join(errs...)
}
