package cert

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/skip2/go-qrcode"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/store"
)

// ShowCode is a 亮证 code: six digits and a QR code, good for one
// verification until ExpiresAt.
type ShowCode struct {
	Code      string    `json:"code"`
	QR        string    `json:"qr"` // base64 PNG of a QR code leading to URL
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expiresAt"`
	CertID    string    `json:"certificate"`
}

// CreateShowCode makes a show code for a valid certificate. The holder
// signed in to its own wallet may, for its own certificates, and
// government staff acting for the holder and operators; every code is
// audited (cert.show). ECONFLICT for a certificate that is not valid now;
// ENOTFOUND for a holder asking for another's.
func (s *Service) CreateShowCode(ctx context.Context, id string) (*ShowCode, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !isGovStaff(p) && p.Holder == "" {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "无权为该证照生成亮证码")
	}
	if _, err := parseID(id); err != nil {
		return nil, err
	}
	now := s.clock.Now()
	sc := &store.ShowCode{CertID: id, CreatedBy: p.Actor(), CreatedAt: now, ExpiresAt: now.Add(s.cfg.ShowCodeTTL)}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		c, err := tx.FindCertificate(ctx, id)
		if err != nil {
			return err
		}
		if !mayAct(p, c) {
			return huitong.Errorf(huitong.ENOTFOUND, "证照不存在: %s", id)
		}
		if st := c.StatusAt(now); st != huitong.CertValid {
			return huitong.Errorf(huitong.ECONFLICT, "证照状态为“%s”，不能亮证", st.Label())
		}
		for try := 0; ; try++ {
			n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
			if err != nil {
				return err
			}
			sc.Code = fmt.Sprintf("%06d", n.Int64())
			err = tx.InsertShowCode(ctx, sc)
			if huitong.ErrorCode(err) != huitong.ECONFLICT || try == 5 {
				if err != nil {
					return err
				}
				break
			}
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.show", Object: id,
			Detail: audit.Detail(map[string]any{"codeId": sc.ID, "expiresAt": sc.ExpiresAt})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: show %s: %w", id, err)
	}
	url := s.PublicURL() + "/verify/show?code=" + sc.Code
	png, err := qrcode.Encode(url, qrcode.Medium, 256)
	if err != nil {
		return nil, err
	}
	return &ShowCode{Code: sc.Code, QR: base64.StdEncoding.EncodeToString(png), URL: url, ExpiresAt: sc.ExpiresAt, CertID: id}, nil
}

// VerifyShowCode redeems a show code for the verifier at client (an IP
// address): it returns the certificate's verification with its data and
// the holder's name. Refusals, each with its rule: ERATELIMIT when the
// client is over its rate (cert.show_rate) or locked after too many wrong
// codes (cert.show_locked), or everyone is locked after guessing from many
// clients (cert.show_global_lock); EINVALID for a code that is not six
// digits; ENOTFOUND for a code never issued (cert.show_unknown); ECONFLICT
// for a used (cert.show_used) or expired (cert.show_expired) code. Every
// attempt is audited (cert.show_verify); wrong, used and expired codes
// count toward the locks.
func (s *Service) VerifyShowCode(ctx context.Context, code, client string) (*Verification, error) {
	now := s.clock.Now()
	if err := s.guard.allow(client, now); err != nil {
		s.auditShow(ctx, "", client, "denied", err)
		return nil, err
	}
	code = gbcode.Normalize(code)
	v, err := s.redeem(ctx, code, client, now)
	if err != nil {
		if c := huitong.ErrorCode(err); c == huitong.EINVALID || c == huitong.ENOTFOUND || c == huitong.ECONFLICT {
			s.guard.failed(client, now)
		}
		s.auditShow(ctx, "", client, "failed", err)
		return nil, err
	}
	return v, nil
}

func (s *Service) redeem(ctx context.Context, code, client string, now time.Time) (*Verification, error) {
	if len(code) != 6 || !isDigits(code) {
		return nil, fieldErr("code", "format", "亮证码应为6位数字")
	}
	var c *huitong.Certificate
	err := s.db.Update(ctx, func(tx *store.Tx) error {
		sc, err := tx.LatestShowCode(ctx, code)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			return &huitong.Error{Code: huitong.ENOTFOUND, Message: "亮证码不存在，请核对",
				Fields: []huitong.FieldError{{Field: "code", Rule: RuleShowUnknown, Message: "亮证码不存在"}}}
		} else if err != nil {
			return err
		}
		if !sc.UsedAt.IsZero() {
			return &huitong.Error{Code: huitong.ECONFLICT, Message: fmt.Sprintf("亮证码已于 %s 使用过，每个亮证码只能核验一次", sc.UsedAt.In(chinaTime).Format("15:04:05")),
				Fields: []huitong.FieldError{{Field: "code", Rule: RuleShowUsed, Message: "亮证码已使用"}}}
		}
		if !now.Before(sc.ExpiresAt) {
			return &huitong.Error{Code: huitong.ECONFLICT, Message: fmt.Sprintf("亮证码已于 %s 过期，请持证人重新亮证", sc.ExpiresAt.In(chinaTime).Format("15:04:05")),
				Fields: []huitong.FieldError{{Field: "code", Rule: RuleShowExpired, Message: "亮证码已过期"}}}
		}
		ok, err := tx.UseShowCode(ctx, sc.ID, now, client)
		if err != nil {
			return err
		} else if !ok {
			return &huitong.Error{Code: huitong.ECONFLICT, Message: "亮证码刚刚被使用过，每个亮证码只能核验一次",
				Fields: []huitong.FieldError{{Field: "code", Rule: RuleShowUsed, Message: "亮证码已使用"}}}
		}
		if c, err = tx.FindCertificate(ctx, sc.CertID); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: "anonymous", Action: "cert.show_verify", Object: c.ID,
			Detail: audit.Detail(map[string]any{"client": client, "codeId": sc.ID})})
	})
	if err != nil {
		return nil, err
	}
	v, err := s.verifyStored(ctx, c)
	if err != nil {
		return nil, err
	}
	if c, err = s.hydrate(c); err != nil {
		return nil, err
	}
	v.Data, v.Holder.Name = c.Data, c.HolderName
	return v, nil
}

func (s *Service) auditShow(ctx context.Context, object, client, result string, cause error) {
	rule := huitong.ErrorCode(cause)
	if f := huitong.ErrorFields(cause); len(f) > 0 {
		rule = f[0].Rule
	}
	if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: "anonymous", Action: "cert.show_verify", Object: object, Result: result,
		Detail: audit.Detail(map[string]any{"client": client, "rule": rule})}); err != nil {
		s.log.Error("cert: audit show code", "err", err)
	}
}

// showGuard rate-limits and locks show-code verification, per client and
// globally. It lives in memory: with several instances each keeps its own
// counts, so the effective limits multiply by the instance count.
type showGuard struct {
	cfg Config

	mu      sync.Mutex
	clients map[string]*clientState
	gFails  int
	gStart  time.Time
	gLocked time.Time
}

type clientState struct {
	fails     int
	failStart time.Time
	locked    time.Time
	rateN     int
	rateStart time.Time
}

func newShowGuard(cfg Config) *showGuard {
	return &showGuard{cfg: cfg, clients: map[string]*clientState{}}
}

func rateErr(rule, format string, args ...any) error {
	return &huitong.Error{Code: huitong.ERATELIMIT, Message: fmt.Sprintf(format, args...),
		Fields: []huitong.FieldError{{Field: "code", Rule: rule, Message: fmt.Sprintf(format, args...)}}}
}

// allow counts an attempt and refuses it when a lock or the rate applies.
func (g *showGuard) allow(client string, now time.Time) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Before(g.gLocked) {
		return rateErr(RuleShowGlobalLock, "亮证码核验因大量错误尝试暂停，请于 %s 后再试", g.gLocked.In(chinaTime).Format("15:04:05"))
	}
	cs := g.clients[client]
	if cs == nil {
		if len(g.clients) > 100000 {
			g.sweep(now)
		}
		cs = &clientState{}
		g.clients[client] = cs
	}
	if now.Before(cs.locked) {
		return rateErr(RuleShowLocked, "错误次数过多，本机已被锁定至 %s", cs.locked.In(chinaTime).Format("15:04:05"))
	}
	if now.Sub(cs.rateStart) >= time.Minute {
		cs.rateStart, cs.rateN = now, 0
	}
	cs.rateN++
	if cs.rateN > g.cfg.ShowClientRate {
		return rateErr(RuleShowRate, "核验过于频繁: 每分钟最多 %d 次", g.cfg.ShowClientRate)
	}
	return nil
}

// failed counts a wrong, used or expired code.
func (g *showGuard) failed(client string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if cs := g.clients[client]; cs != nil {
		if now.Sub(cs.failStart) >= g.cfg.ShowWindow {
			cs.failStart, cs.fails = now, 0
		}
		cs.fails++
		if cs.fails >= g.cfg.ShowClientFailures {
			cs.locked, cs.fails = now.Add(g.cfg.ShowClientLock), 0
		}
	}
	if now.Sub(g.gStart) >= time.Minute {
		g.gStart, g.gFails = now, 0
	}
	g.gFails++
	if g.gFails >= g.cfg.ShowGlobalFailures {
		g.gLocked, g.gFails = now.Add(g.cfg.ShowGlobalLock), 0
	}
}

// sweep drops clients with nothing to remember.
func (g *showGuard) sweep(now time.Time) {
	for k, cs := range g.clients {
		if !now.Before(cs.locked) && now.Sub(cs.failStart) >= g.cfg.ShowWindow && now.Sub(cs.rateStart) >= time.Minute {
			delete(g.clients, k)
		}
	}
}
