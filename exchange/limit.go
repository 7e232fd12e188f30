package exchange

import (
	"context"
	"math"
	"sync"
	"time"

	"huitong"
	"huitong/store"
)

// Quotas and rate limits per grant. The rate limit is a token bucket per
// grant per instance (burst: one second's worth). The daily quota counts
// subjects (a batch of n keys counts n) per Beijing day: each instance
// counts in memory and persists its counts with the audit entries
// (grant_usage), and takes the larger of its count and the stored one
// every ten seconds, so instances see each other's use within seconds.

type limiter struct {
	mu      sync.Mutex
	buckets map[int64]*bucket
	counts  map[dayKey]*dayCount
}

type bucket struct {
	tokens float64
	last   time.Time
}

type dayKey struct {
	grant int64
	day   string
}

type dayCount struct {
	n      int
	synced time.Time
}

func newLimiter() *limiter {
	return &limiter{buckets: map[int64]*bucket{}, counts: map[dayKey]*dayCount{}}
}

// day returns the Beijing date of t, the unit of daily quotas.
func day(t time.Time) string { return t.In(cst).Format(time.DateOnly) }

// allowRate takes one token from the grant's bucket; false with the wait
// until the next token when it is empty.
func (l *limiter) allowRate(g *huitong.Grant, now time.Time) (bool, time.Duration) {
	if g.RatePerSec <= 0 {
		return true, 0
	}
	burst := math.Max(1, g.RatePerSec)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[g.ID]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[g.ID] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*g.RatePerSec)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / g.RatePerSec * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// reserve counts n subjects against the grant's daily quota; false (and
// nothing counted) when they do not fit.
func (l *limiter) reserve(ctx context.Context, db *store.DB, g *huitong.Grant, n int, now time.Time) (bool, int, error) {
	if g.DailyQuota <= 0 {
		return true, 0, nil
	}
	k := dayKey{g.ID, day(now)}
	l.mu.Lock()
	c := l.counts[k]
	stale := c == nil || now.Sub(c.synced) > 10*time.Second
	l.mu.Unlock()
	if stale {
		stored, err := db.GrantUsage(ctx, g.ID, k.day)
		if err != nil {
			return false, 0, err
		}
		l.mu.Lock()
		if c = l.counts[k]; c == nil {
			if len(l.counts) > 100000 {
				clear(l.counts)
			}
			c = &dayCount{}
			l.counts[k] = c
		}
		c.n = max(c.n, stored)
		c.synced = now
		l.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c.n+n > g.DailyQuota {
		return false, c.n, nil
	}
	c.n += n
	return true, c.n, nil
}

// release gives back subjects reserved for a request that failed before
// it was recorded.
func (l *limiter) release(g *huitong.Grant, n int, now time.Time) {
	if g.DailyQuota <= 0 || n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.counts[dayKey{g.ID, day(now)}]; c != nil {
		c.n = max(0, c.n-n)
	}
}

// forget drops a grant's bucket (its limits changed).
func (l *limiter) forget(grant int64) {
	l.mu.Lock()
	delete(l.buckets, grant)
	l.mu.Unlock()
}

// breakers are circuit breakers per provider API: after failures
// consecutive failures calls fail at once for cooldown, then one trial
// call is let through; its success closes the circuit.
type breakers struct {
	failures int
	cooldown time.Duration
	mu       sync.Mutex
	m        map[string]*breaker
}

type breaker struct {
	fails     int
	openUntil time.Time
	trial     bool
}

func newBreakers(failures int, cooldown time.Duration) *breakers {
	return &breakers{failures: failures, cooldown: cooldown, m: map[string]*breaker{}}
}

// allow reports whether a call to resource may go out now.
func (b *breakers) allow(resource string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.m[resource]
	if br == nil || br.fails < b.failures {
		return true
	}
	if now.Before(br.openUntil) || br.trial {
		return false
	}
	br.trial = true // half-open: one call tests the provider
	return true
}

// done records the outcome of a call.
func (b *breakers) done(resource string, ok bool, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.m[resource]
	if br == nil {
		br = &breaker{}
		b.m[resource] = br
	}
	br.trial = false
	if ok {
		br.fails = 0
		return
	}
	br.fails++
	if br.fails >= b.failures {
		br.openUntil = now.Add(b.cooldown)
	}
}

// state returns "closed", "open" or "half-open" for display.
func (b *breakers) state(resource string, now time.Time) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	br := b.m[resource]
	switch {
	case br == nil || br.fails < b.failures:
		return "closed"
	case now.Before(br.openUntil):
		return "open"
	}
	return "half-open"
}
