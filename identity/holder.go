package identity

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/store"
)

// Holders' own sign-in (持证人登录). A citizen or a company opens its
// certificate wallet itself, without an account of the government's:
//
//  1. at a service window, staff check the ID in person and open the
//     holder's account (OpenHolderAccount), which gives a one-time
//     activation code, valid HolderActivationTTL, to hand over on paper;
//  2. the holder sets a password with it (ActivateHolder);
//  3. the holder signs in with the ID number or credit code and the
//     password (HolderLogin) and gets a session of its own (HolderSession).
//
// Wrong codes and wrong passwords count towards the same lock as staff
// sign-ins (MaxFailures, LockFor). A forgotten password is reset the same
// way: a new code at a window. Every step is audited, with the holder as
// "holder:<account id>" and the ID number masked.

// HolderActivationTTL is how long an activation code stays good.
const HolderActivationTTL = 72 * time.Hour

// activationAlphabet leaves out letters read as digits (I, O) and the like.
const activationAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// HolderActivation is an opened account's one-time code.
type HolderActivation struct {
	HolderID  string    `json:"holderId"` // masked
	Name      string    `json:"holderName"`
	Code      string    `json:"code"` // shown once: only its hash is stored
	ExpiresAt time.Time `json:"expiresAt"`
}

// HolderKey normalises a citizen ID number or credit code and tells which
// it is. EINVALID (field holderId) for neither.
func HolderKey(raw string) (string, huitong.HolderKind, error) {
	raw = strings.ToUpper(gbcode.Normalize(raw))
	if id, err := gbcode.CitizenID(raw); err == nil {
		return id, huitong.HolderPerson, nil
	}
	if code, err := gbcode.USCC(raw); err == nil {
		return code, huitong.HolderEntity, nil
	}
	return "", "", &huitong.Error{Code: huitong.EINVALID, Message: "证件号码应为有效的公民身份号码或统一社会信用代码",
		Fields: []huitong.FieldError{{Field: "holderId", Rule: "holder_id", Message: "不是有效的公民身份号码或统一社会信用代码"}}}
}

// MaskHolder masks an ID number or credit code for audit and display.
func MaskHolder(key string, kind huitong.HolderKind) string {
	if kind == huitong.HolderEntity {
		return gbcode.MaskUSCC(key)
	}
	return gbcode.MaskCitizenID(key)
}

// OpenHolderAccount opens (or reopens, to reset a forgotten password) the
// account of a holder whose identity staff have checked in person, under
// the name the certificates give, and returns the activation code. Only
// government staff may (EFORBIDDEN otherwise); EINVALID for a holder ID
// that is neither a citizen ID number nor a credit code, or no name.
func (s *Service) OpenHolderAccount(ctx context.Context, holderID, name string) (*HolderActivation, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.Holder != "" || len(p.Roles) == 0 || (p.UserID == 0 && p.KeyID == 0) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有窗口工作人员可以为持证人开通账号")
	}
	key, kind, err := HolderKey(holderID)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, &huitong.Error{Code: huitong.EINVALID, Message: "持证人名称不能为空",
			Fields: []huitong.FieldError{{Field: "holderName", Rule: "required", Message: "持证人名称不能为空"}}}
	}
	code := make([]byte, 12)
	for i := range code {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(activationAlphabet))))
		if err != nil {
			return nil, err
		}
		code[i] = activationAlphabet[n.Int64()]
	}
	now := s.clock.Now()
	a := &store.HolderAccount{HolderID: key, HolderName: name, Kind: kind, ActivationHash: TokenID(string(code)),
		ActivationExpires: now.Add(HolderActivationTTL), CreatedBy: p.Actor(), CreatedAt: now}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.OpenHolderActivation(ctx, a); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "holder.open",
			Object: holderActor(a.ID), Detail: audit.Detail(map[string]any{"holder": MaskHolder(key, kind), "expiresAt": a.ActivationExpires})})
	})
	if err != nil {
		return nil, fmt.Errorf("identity: open holder account: %w", err)
	}
	c := string(code)
	return &HolderActivation{HolderID: MaskHolder(key, kind), Name: name, Code: c[:4] + "-" + c[4:8] + "-" + c[8:], ExpiresAt: a.ActivationExpires}, nil
}

var errHolderCredentials = huitong.Errorf(huitong.EUNAUTHORIZED, "证件号码或密码错误")
var errHolderCode = huitong.Errorf(huitong.EUNAUTHORIZED, "证件号码或激活码错误，或激活码已过期")

// ActivateHolder sets the holder's password with the activation code from
// the window. EUNAUTHORIZED for an unknown holder, a wrong, used or
// expired code (without saying which); ERATELIMIT while the account is
// locked; EINVALID for a password that breaks the policy.
func (s *Service) ActivateHolder(ctx context.Context, holderID, code, password string) error {
	key, _, err := HolderKey(holderID)
	if err != nil {
		return errHolderCode
	}
	if err := ValidatePassword(password); err != nil {
		return &huitong.Error{Code: huitong.EINVALID, Message: err.Error(),
			Fields: []huitong.FieldError{{Field: "password", Rule: "policy", Message: err.Error()}}}
	}
	code = strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	a, err := s.holderAccount(ctx, key, "holder.activate")
	if err != nil {
		return err
	}
	now := s.clock.Now()
	good := a.ActivationHash != "" && now.Before(a.ActivationExpires) &&
		subtle.ConstantTimeCompare([]byte(TokenID(code)), []byte(a.ActivationHash)) == 1
	if !good {
		return s.holderFailed(ctx, a, "holder.activate", "code", errHolderCode)
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.ActivateHolder(ctx, a.ID, a.ActivationHash, hash, now); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: holderActor(a.ID), Action: "holder.activate", Object: holderActor(a.ID)})
	})
	if huitong.ErrorCode(err) == huitong.ECONFLICT {
		return errHolderCode // used at the same moment by another request
	} else if err != nil {
		return fmt.Errorf("identity: activate holder: %w", err)
	}
	return nil
}

// holderAccount reads the account of key for a sign-in step; an unknown
// or locked account is audited and refused as the step refuses.
func (s *Service) holderAccount(ctx context.Context, key, action string) (*store.HolderAccount, error) {
	var a *store.HolderAccount
	err := s.db.View(ctx, func(tx *store.Tx) (err error) {
		a, err = tx.FindHolderAccount(ctx, key)
		return err
	})
	refusal := errHolderCredentials
	if action == "holder.activate" {
		refusal = errHolderCode
	}
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		if action == "holder.login" {
			CheckPassword(dummyHash, key) // the work of a real account's wrong password
		}
		if err := s.db.Audit(ctx, &huitong.AuditEntry{Actor: "anonymous", Action: action, Object: "(unknown holder)", Result: "denied"}); err != nil {
			return nil, err
		}
		return nil, refusal
	} else if err != nil {
		return nil, fmt.Errorf("identity: holder account: %w", err)
	}
	if now := s.clock.Now(); a.LockedUntil.After(now) {
		s.db.Audit(ctx, &huitong.AuditEntry{Actor: holderActor(a.ID), Action: action, Object: holderActor(a.ID), Result: "denied",
			Detail: audit.Detail(map[string]any{"reason": "locked"})})
		return nil, huitong.Errorf(huitong.ERATELIMIT, "错误次数过多，账号已锁定至 %s", a.LockedUntil.In(cst).Format("15:04"))
	}
	return a, nil
}

// holderFailed counts a wrong code or password, audits it and returns
// refusal.
func (s *Service) holderFailed(ctx context.Context, a *store.HolderAccount, action, reason string, refusal error) error {
	now := s.clock.Now()
	var failures int
	err := s.db.Update(ctx, func(tx *store.Tx) (err error) {
		if failures, err = tx.HolderFailed(ctx, a.ID, now, s.cfg.MaxFailures, now.Add(s.cfg.LockFor)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: holderActor(a.ID), Action: action, Object: holderActor(a.ID), Result: "denied",
			Detail: audit.Detail(map[string]any{"reason": reason, "failures": failures})})
	})
	if err != nil {
		return fmt.Errorf("identity: %s: %w", action, err)
	}
	return refusal
}

// HolderLogin signs a holder in to its own wallet and opens a web session.
// EUNAUTHORIZED for a wrong ID or password (without saying which) and for
// an account not yet activated; ERATELIMIT while locked.
func (s *Service) HolderLogin(ctx context.Context, holderID, password string) (*Login, *huitong.Principal, error) {
	key, _, err := HolderKey(holderID)
	if err != nil || password == "" || len(password) > 256 {
		return nil, nil, errHolderCredentials
	}
	a, err := s.holderAccount(ctx, key, "holder.login")
	if err != nil {
		return nil, nil, err
	}
	hash := a.PasswordHash
	if hash == "" {
		hash = dummyHash // not activated: refused like a wrong password, after the same work
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, nil, fmt.Errorf("identity: holder login: %w", err)
	}
	if !ok || a.PasswordHash == "" {
		return nil, nil, s.holderFailed(ctx, a, "holder.login", "password", errHolderCredentials)
	}
	now := s.clock.Now()
	token := randomToken(32)
	sess := &store.HolderSession{ID: TokenID(token), AccountID: a.ID, CSRF: randomToken(24), CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.cfg.SessionMax)}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertHolderSession(ctx, sess); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: holderActor(a.ID), Action: "holder.login", Object: holderActor(a.ID)})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("identity: holder login: %w", err)
	}
	return &Login{Token: token, CSRF: sess.CSRF, ExpiresAt: sess.ExpiresAt}, holderPrincipal(a, sess.ID), nil
}

// holderActor names a holder's account in audit entries, without its ID
// number.
func holderActor(id int64) string { return "holder:" + strconv.FormatInt(id, 10) }

func holderPrincipal(a *store.HolderAccount, session string) *huitong.Principal {
	return &huitong.Principal{Username: holderActor(a.ID), Holder: a.HolderID, HolderKind: a.Kind, HolderName: a.HolderName,
		HolderAcctID: a.ID, SessionID: session}
}

// HolderSession returns the principal of a holder's session token and its
// CSRF token. EUNAUTHORIZED when the token is unknown, expired or idle
// longer than SessionIdle. Staff tokens are not holder tokens, nor the
// other way round: the two live apart.
func (s *Service) HolderSession(ctx context.Context, token string) (*huitong.Principal, string, error) {
	if token == "" || len(token) > 128 {
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	id := TokenID(token)
	sess, a, err := s.db.FindHolderSession(ctx, id)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "登录已失效，请重新登录")
	} else if err != nil {
		return nil, "", fmt.Errorf("identity: holder session: %w", err)
	}
	now := s.clock.Now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) > s.cfg.SessionIdle || a.PasswordHash == "" {
		s.db.DeleteHolderSession(ctx, id)
		return nil, "", huitong.Errorf(huitong.EUNAUTHORIZED, "登录已失效，请重新登录")
	}
	if s.shouldTouch("holder:"+id, sess.LastSeenAt, now) {
		if err := s.db.TouchHolderSession(ctx, id, now); err != nil {
			return nil, "", fmt.Errorf("identity: touch holder session: %w", err)
		}
	}
	return holderPrincipal(a, id), sess.CSRF, nil
}

// HolderLogout ends a holder's session.
func (s *Service) HolderLogout(ctx context.Context, token string) error {
	p, _, err := s.HolderSession(ctx, token)
	if err != nil {
		return nil
	}
	if err := s.db.DeleteHolderSession(ctx, TokenID(token)); err != nil {
		return fmt.Errorf("identity: holder logout: %w", err)
	}
	return s.db.Audit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Action: "holder.logout", Object: p.Actor()})
}
