package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// Config holds the identity rules. Zero fields take the defaults.
type Config struct {
	SessionIdle time.Duration // a web session ends after this long without a request; default 30 min
	SessionMax  time.Duration // and this long after sign-in in any case; default 12 h
	TokenTTL    time.Duration // lifetime of an API bearer token; default 12 h
	MaxFailures int           // failed sign-ins before the account locks; default 5
	LockFor     time.Duration // how long it stays locked; default 15 min
}

func (c Config) withDefaults() Config {
	if c.SessionIdle <= 0 {
		c.SessionIdle = 30 * time.Minute
	}
	if c.SessionMax <= 0 {
		c.SessionMax = 12 * time.Hour
	}
	if c.TokenTTL <= 0 {
		c.TokenTTL = 12 * time.Hour
	}
	if c.MaxFailures <= 0 {
		c.MaxFailures = 5
	}
	if c.LockFor <= 0 {
		c.LockFor = 15 * time.Minute
	}
	return c
}

// Service implements sign-in, sessions, API keys, accounts and departments.
type Service struct {
	db    *store.DB
	cfg   Config
	clock huitong.Clock

	mu      sync.Mutex
	touched map[string]time.Time // session or key id -> last time its use was written
}

// New returns a Service over db.
func New(db *store.DB, cfg Config, clock huitong.Clock) *Service {
	if clock == nil {
		clock = huitong.SystemClock{}
	}
	return &Service{db: db, cfg: cfg.withDefaults(), clock: clock, touched: map[string]time.Time{}}
}

// Config returns the effective configuration.
func (s *Service) Config() Config { return s.cfg }

// Session kinds.
const (
	KindWeb = "web"
	KindAPI = "api"
)

// Login is a successful sign-in.
type Login struct {
	Token     string // give to the client; only its hash is stored
	CSRF      string // web sessions: the token forms must carry
	User      *huitong.User
	ExpiresAt time.Time
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("identity: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenID is the stored form of a session token or API key: hex SHA-256.
// Tokens carry 256 random bits, so a fast hash is enough; passwords, which
// people choose, get argon2id instead.
func TokenID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

var errBadCredentials = huitong.Errorf(huitong.EUNAUTHORIZED, "用户名或密码错误")

// Login checks username and password and opens a session of the given kind
// (KindWeb or KindAPI). Wrong credentials give EUNAUTHORIZED without saying
// which part was wrong; a locked or disabled account gives ERATELIMIT or
// EFORBIDDEN. Failures are audited; after MaxFailures the account locks.
func (s *Service) Login(ctx context.Context, username, password, kind string) (*Login, error) {
	now := s.clock.Now()
	username = strings.TrimSpace(username)
	if username == "" || password == "" || len(username) > 64 || len(password) > 256 {
		return nil, errBadCredentials
	}
	// Read the account and check the password outside any write
	// transaction: argon2id takes tens of milliseconds, and on SQLite a
	// write transaction held that long would stall every other writer.
	var u *huitong.User
	var hash string
	err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		u, hash, err = tx.FindUserByName(ctx, username)
		return err
	})
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		CheckPassword(dummyHash, password) // same work as a real check
		if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: "anonymous", Action: "login", Object: "(unknown user)", Result: "denied"}); err != nil {
			return nil, fmt.Errorf("identity: login: %w", err)
		}
		return nil, errBadCredentials
	} else if err != nil {
		return nil, fmt.Errorf("identity: login: %w", err)
	}
	entry := &huitong.AuditEntry{Actor: u.Username, Department: u.Department, Action: "login", Object: u.Username}
	deny := func(loginErr error, detail map[string]any) (*Login, error) {
		entry.Result, entry.Detail = "denied", audit.Detail(detail)
		if err := s.db.Audit(ctx, entry); err != nil {
			return nil, fmt.Errorf("identity: login: %w", err)
		}
		return nil, loginErr
	}
	if u.LockedUntil.After(now) {
		return deny(huitong.Errorf(huitong.ERATELIMIT, "登录失败次数过多，账户已锁定至 %s", u.LockedUntil.In(cst).Format("15:04")), map[string]any{"reason": "locked"})
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, fmt.Errorf("identity: login: %w", err)
	}
	if !ok {
		var failures int
		var until time.Time
		err := s.db.Update(ctx, func(tx *store.Tx) (err error) {
			// Counted atomically, so concurrent wrong guesses all count.
			if failures, err = tx.CountFailedLogin(ctx, u.ID, now); err != nil {
				return err
			}
			if failures >= s.cfg.MaxFailures {
				until = now.Add(s.cfg.LockFor)
				return tx.RecordLogin(ctx, u.ID, false, failures, until)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("identity: login: %w", err)
		}
		detail := map[string]any{"reason": "password", "failures": failures}
		if !until.IsZero() {
			detail["lockedUntil"] = until
		}
		return deny(errBadCredentials, detail)
	}
	if u.Disabled {
		return deny(huitong.Errorf(huitong.EFORBIDDEN, "账户已停用"), map[string]any{"reason": "disabled"})
	}
	sess := &store.Session{UserID: u.ID, Kind: kind, CSRF: randomToken(24), CreatedAt: now, LastSeenAt: now}
	if kind == KindAPI {
		sess.ExpiresAt = now.Add(s.cfg.TokenTTL)
	} else {
		sess.Kind, sess.ExpiresAt = KindWeb, now.Add(s.cfg.SessionMax)
	}
	token := randomToken(32)
	sess.ID = TokenID(token)
	entry.Detail = audit.Detail(map[string]any{"kind": sess.Kind})
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.RecordLogin(ctx, u.ID, true, 0, time.Time{}); err != nil {
			return err
		}
		if err := tx.InsertSession(ctx, sess); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, entry)
	})
	if err != nil {
		return nil, fmt.Errorf("identity: login: %w", err)
	}
	return &Login{Token: token, CSRF: sess.CSRF, User: u, ExpiresAt: sess.ExpiresAt}, nil
}

// cst is China Standard Time, for messages people read.
var cst = time.FixedZone("CST", 8*3600)

// Session returns the principal of a session token and the session's CSRF
// token. EUNAUTHORIZED when the token is unknown, expired or idle too long.
func (s *Service) Session(ctx context.Context, token string) (*huitong.Principal, string, error) {
	if token == "" || len(token) > 128 {
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	id := TokenID(token)
	sess, u, err := s.db.FindSession(ctx, id)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, "", fmt.Errorf("identity: session: %w", err)
	}
	now := s.clock.Now()
	if now.After(sess.ExpiresAt) || (sess.Kind == KindWeb && now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle) || u.Disabled {
		s.db.DeleteSession(ctx, id)
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	if sess.Kind == KindWeb && s.shouldTouch(id, sess.LastSeenAt, now) {
		if err := s.db.TouchSession(ctx, id, now); err != nil {
			return nil, "", fmt.Errorf("identity: touch session: %w", err)
		}
	}
	return &huitong.Principal{UserID: u.ID, Username: u.Username, Department: u.Department, Roles: u.Roles, SessionID: id}, sess.CSRF, nil
}

// shouldTouch limits session and key activity writes to one a minute.
func (s *Service) shouldTouch(id string, stored, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	last := s.touched[id]
	if stored.After(last) {
		last = stored
	}
	if now.Sub(last) < time.Minute {
		return false
	}
	s.touched[id] = now
	if len(s.touched) > 100000 {
		clear(s.touched)
	}
	return true
}

// Logout ends the session of token.
func (s *Service) Logout(ctx context.Context, token string) error {
	p, _, err := s.Session(ctx, token)
	if err != nil {
		return nil
	}
	if err := s.db.DeleteSession(ctx, TokenID(token)); err != nil {
		return fmt.Errorf("identity: logout: %w", err)
	}
	return s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "logout", Object: p.Username})
}

// PurgeSessions removes expired and idle sessions; run it periodically.
func (s *Service) PurgeSessions(ctx context.Context) (int64, error) {
	now := s.clock.Now()
	n, err := s.db.PurgeSessions(ctx, now, now.Add(-s.cfg.SessionMax))
	if err != nil {
		return n, err
	}
	m, err := s.db.PurgeHolderSessions(ctx, now, now.Add(-s.cfg.SessionIdle))
	return n + m, err
}

// caller returns the principal in ctx or EUNAUTHORIZED.
func caller(ctx context.Context) (*huitong.Principal, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	return p, nil
}
