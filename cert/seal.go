package cert

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/gm"
	"huitong/store"
)

// makerKeyID names the platform's seal-maker key (制章者, GB/T 38540) in
// cert_keys and in the keyring's additional data.
const makerKeyID = "seal-maker"

// SealVendor is the vendor id (厂商标识) written in every seal header.
const SealVendor = "huitong"

// SealInfo returns the canonical JSON of a seal's information (GB/T 38540
// SESeal's esID, property and picture, with header ES / version 4 / vendor
// id), which the platform signs as seal maker: the signature is
// s.MakerSig. The seal's public key stands in the certificate list as its
// base64 DER, since huitong's seals carry bare SM2 keys, not X.509
// certificates. Same canonical rules as Document.
func SealInfo(s *huitong.Seal) []byte {
	pub, _ := gm.ParsePublicKeyPEM([]byte(s.PublicKey))
	var b bytes.Buffer
	obj(&b, []kv{
		{"esID", s.ID},
		{"header", []kv{{"id", "ES"}, {"version", "4"}, {"vid", SealVendor}}},
		{"picture", []kv{{"heightMM", "40"}, {"sm3", s.PictureSM3}, {"type", "png"}, {"widthMM", "40"}}},
		{"property", []kv{
			{"certList", base64.StdEncoding.EncodeToString(pub.DER())},
			{"certListType", "sm2-public-key"},
			{"createDate", instant(s.CreatedAt)},
			{"department", s.Department},
			{"name", s.Name},
			{"type", string(s.Type)},
			{"validEnd", instant(s.ValidTo)},
			{"validStart", instant(s.ValidFrom)},
		}},
	})
	return b.Bytes()
}

// instant formats t as RFC 3339 UTC with seconds, the canonical instant.
func instant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// day formats t as YYYY-MM-DD in China Standard Time, the canonical date.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format(time.DateOnly)
}

var chinaTime = time.FixedZone("CST", 8*3600)

// maker returns the platform's seal-maker key, creating it on first use.
func (s *Service) makerKey(ctx context.Context) (*gm.PrivateKey, *gm.PublicKey, error) {
	s.makerMu.Lock()
	defer s.makerMu.Unlock()
	if s.maker != nil {
		return s.maker, s.makerPK, nil
	}
	load := func() (*gm.PrivateKey, error) {
		var sealed []byte
		err := s.db.View(ctx, func(tx *store.Tx) (err error) {
			sealed, _, err = tx.CertKey(ctx, makerKeyID)
			return err
		})
		if err != nil {
			return nil, err
		}
		return s.keys.OpenPrivateKey(sealed, "cert:"+makerKeyID)
	}
	k, err := load()
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		nk, gerr := gm.GenerateKey()
		if gerr != nil {
			return nil, nil, gerr
		}
		sealed, serr := s.keys.SealPrivateKey(nk, "cert:"+makerKeyID)
		if serr != nil {
			return nil, nil, serr
		}
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertCertKey(ctx, makerKeyID, sealed, string(nk.Public().PEM()))
		})
		if huitong.ErrorCode(err) == huitong.ECONFLICT { // another instance was first
			k, err = load()
		} else if err == nil {
			k = nk
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("cert: seal-maker key: %w", err)
	}
	s.maker, s.makerPK = k, k.Public()
	return s.maker, s.makerPK, nil
}

// MakerPublicKey returns the platform seal maker's public key, which signs
// every seal's information.
func (s *Service) MakerPublicKey(ctx context.Context) (*gm.PublicKey, error) {
	_, pub, err := s.makerKey(ctx)
	return pub, err
}

// canManageSeals reports whether p may create, rotate and revoke the
// department's seals: its department admin, or an operator.
func canManageSeals(p *huitong.Principal, dept string) bool {
	return p.Has(huitong.RoleOperator) || (p.Department == dept && p.Has(huitong.RoleDeptAdmin))
}

// SealRequest asks for a new seal. Department defaults to the caller's,
// Name to "<department name>电子证照专用章", Type to certificate.
type SealRequest struct {
	Department string           `json:"department,omitempty"`
	Name       string           `json:"name,omitempty"`
	Type       huitong.SealType `json:"type,omitempty"`
}

// CreateSeal makes a seal for a department: a fresh SM2 key pair (the
// private key sealed with the keyring under the seal id), a round red
// picture with the department's name, and the seal information signed by
// the platform as seal maker. EFORBIDDEN unless the caller is the
// department's admin or an operator; EINVALID for a bad name or type.
func (s *Service) CreateSeal(ctx context.Context, req SealRequest) (*huitong.Seal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.Department == "" {
		req.Department = p.Department
	}
	if !canManageSeals(p, req.Department) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只有本部门的部门管理员可以管理印章")
	}
	if req.Type == "" {
		req.Type = huitong.SealCertificate
	}
	if !req.Type.Valid() {
		return nil, fieldErr("type", "enum", "印章类型应为 official(单位公章)、certificate(电子证照专用章) 或 business(业务专用章)")
	}
	if utf8.RuneCountInString(req.Name) > 60 {
		return nil, fieldErr("name", "length", "印章名称最长60个字符")
	}
	if rule, msg := huitong.Hostile(req.Name, false); rule != "" {
		return nil, fieldErr("name", rule, "印章名称%s", msg)
	}
	// The maker key may need creating, in a transaction of its own: load
	// it before opening ours (SQLite has one writer connection).
	if _, _, err := s.makerKey(ctx); err != nil {
		return nil, err
	}
	var out *huitong.Seal
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		d, err := tx.FindDepartment(ctx, req.Department)
		if err != nil {
			return err
		}
		seal, err := s.newSeal(ctx, tx, p, d, strings.TrimSpace(req.Name), req.Type, "")
		if err != nil {
			return err
		}
		out = seal
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.seal_create", Object: seal.ID,
			Detail: audit.Detail(map[string]any{"department": d.Code, "name": seal.Name, "type": seal.Type, "fingerprint": seal.Fingerprint})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: create seal: %w", err)
	}
	return out, nil
}

// newSeal generates, signs and stores a seal inside tx.
func (s *Service) newSeal(ctx context.Context, tx *store.Tx, p *huitong.Principal, d *huitong.Department, name string, typ huitong.SealType, previous string) (*huitong.Seal, error) {
	maker, _, err := s.makerKey(ctx)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = d.Name + map[huitong.SealType]string{huitong.SealOfficial: "", huitong.SealCertificate: "电子证照专用章", huitong.SealBusiness: "业务专用章"}[typ]
	}
	key, err := gm.GenerateKey()
	if err != nil {
		return nil, err
	}
	n, err := tx.NextSequence(ctx, "seal:"+d.Code)
	if err != nil {
		return nil, err
	}
	now := s.clock.Now().Truncate(time.Second)
	picture, err := SealPicture(d.Name, sealCaption(typ))
	if err != nil {
		return nil, err
	}
	sum := gm.SM3(picture)
	seal := &huitong.Seal{
		ID: fmt.Sprintf("%s%04d", d.Code, n), Department: d.Code, Name: name, Type: typ, Status: huitong.SealActive,
		ValidFrom: now, ValidTo: now.AddDate(s.cfg.SealYears, 0, 0), PublicKey: string(key.Public().PEM()),
		Fingerprint: key.Public().Fingerprint(), PictureSM3: hex.EncodeToString(sum[:]), Previous: previous,
		CreatedBy: p.Actor(), CreatedAt: now,
	}
	sig, err := maker.Sign(SealInfo(seal))
	if err != nil {
		return nil, err
	}
	seal.MakerSig = base64.StdEncoding.EncodeToString(sig)
	sealed, err := s.keys.SealPrivateKey(key, "seal:"+seal.ID)
	if err != nil {
		return nil, err
	}
	if err := tx.InsertSeal(ctx, seal, sealed, picture); err != nil {
		return nil, err
	}
	return seal, nil
}

// sealCaption is the text under the star of a seal picture.
func sealCaption(t huitong.SealType) string {
	switch t {
	case huitong.SealCertificate:
		return "电子证照专用章"
	case huitong.SealBusiness:
		return "业务专用章"
	}
	return ""
}

// Seals lists a department's seals (every department's for operators when
// dept is empty). Staff of the department and operators only.
func (s *Service) Seals(ctx context.Context, dept string) ([]*huitong.Seal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if dept == "" && !p.Has(huitong.RoleOperator) {
		dept = p.Department
	}
	if !p.Has(huitong.RoleOperator) && !isStaffOf(p, dept) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只能查看本部门的印章")
	}
	return s.db.Seals(ctx, dept)
}

// Seal returns a seal's public information; it needs no principal (a
// verifier checks seals).
func (s *Service) Seal(ctx context.Context, id string) (*huitong.Seal, error) {
	return s.db.FindSeal(ctx, id)
}

// SealPictureOf returns a seal's PNG picture; it needs no principal.
func (s *Service) SealPictureOf(ctx context.Context, id string) ([]byte, error) {
	return s.db.SealPicture(ctx, id)
}

// RotateSeal replaces an active seal by a new one with a fresh key: the old
// seal is retired (it signs no more, and what it signed still verifies).
// It returns the new seal. ECONFLICT when the seal is not active.
func (s *Service) RotateSeal(ctx context.Context, id string) (*huitong.Seal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.makerKey(ctx); err != nil {
		return nil, err
	}
	var out *huitong.Seal
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		old, err := tx.FindSeal(ctx, id)
		if err != nil {
			return err
		}
		if !canManageSeals(p, old.Department) {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有本部门的部门管理员可以管理印章")
		}
		if old.Status != huitong.SealActive {
			return huitong.Errorf(huitong.ECONFLICT, "印章 %s 状态为 %s，只有在用的印章可以更换密钥", id, old.Status)
		}
		d, err := tx.FindDepartment(ctx, old.Department)
		if err != nil {
			return err
		}
		seal, err := s.newSeal(ctx, tx, p, d, old.Name, old.Type, old.ID)
		if err != nil {
			return err
		}
		old.Status, old.RetiredAt = huitong.SealRetired, s.clock.Now()
		if err := tx.UpdateSeal(ctx, old); err != nil {
			return err
		}
		out = seal
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.seal_rotate", Object: old.ID,
			Detail: audit.Detail(map[string]any{"new": seal.ID, "fingerprint": seal.Fingerprint})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: rotate seal %s: %w", id, err)
	}
	s.seals.forget(id)
	return out, nil
}

// RevokeSeal revokes a seal with a reason: it signs nothing more, and every
// certificate it signed verifies as invalid (rule cert.seal_revoked), since
// a revoked key may be in other hands; the issuer reissues them with a new
// seal. EINVALID without a reason; ECONFLICT when already revoked.
func (s *Service) RevokeSeal(ctx context.Context, id, reason string) (*huitong.Seal, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nil, fieldErr("reason", "required", "吊销印章须说明原因")
	}
	var out *huitong.Seal
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		seal, err := tx.FindSeal(ctx, id)
		if err != nil {
			return err
		}
		if !canManageSeals(p, seal.Department) {
			return huitong.Errorf(huitong.EFORBIDDEN, "只有本部门的部门管理员可以管理印章")
		}
		if seal.Status == huitong.SealRevoked {
			return huitong.Errorf(huitong.ECONFLICT, "印章 %s 已吊销", id)
		}
		seal.Status, seal.RevokedAt, seal.RevokeReason = huitong.SealRevoked, s.clock.Now(), reason
		if err := tx.UpdateSeal(ctx, seal); err != nil {
			return err
		}
		out = seal
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "cert.seal_revoke", Object: id,
			Detail: audit.Detail(map[string]any{"reason": reason})})
	})
	if err != nil {
		return nil, fmt.Errorf("cert: revoke seal %s: %w", id, err)
	}
	s.seals.forget(id)
	return out, nil
}

// signer is an opened seal ready to sign.
type signer struct {
	seal    *huitong.Seal
	key     *gm.PrivateKey
	docSeal DocSeal // docSealOf(seal), made once
}

// activeSigner opens the department's newest active seal that is valid at
// now. ECONFLICT (rule cert.no_seal) when there is none.
func (s *Service) activeSigner(ctx context.Context, tx *store.Tx, dept string, now time.Time) (*signer, error) {
	seals, err := tx.ActiveSeals(ctx, dept)
	if err != nil {
		return nil, err
	}
	for _, seal := range seals {
		if now.Before(seal.ValidFrom) || !now.Before(seal.ValidTo) {
			continue
		}
		sealed, err := tx.SealKey(ctx, seal.ID)
		if err != nil {
			return nil, err
		}
		key, err := s.keys.OpenPrivateKey(sealed, "seal:"+seal.ID)
		if err != nil {
			return nil, fmt.Errorf("cert: open seal %s: %w", seal.ID, err)
		}
		return &signer{seal: seal, key: key, docSeal: docSealOf(seal)}, nil
	}
	return nil, &huitong.Error{Code: huitong.ECONFLICT, Message: "颁发部门没有在有效期内的在用印章，请部门管理员先制作或更换印章",
		Fields: []huitong.FieldError{{Field: "issuer", Rule: RuleNoSeal, Message: "没有可用的电子印章"}}}
}

// sealCache keeps parsed seals for verification, each for SealCacheTTL.
type sealCache struct {
	mu sync.RWMutex
	m  map[string]*cachedSeal
}

type cachedSeal struct {
	seal        *huitong.Seal
	pub         *gm.PublicKey
	fingerprint string // of pub, computed once
	makerOK     bool
	loadedAt    time.Time
}

func (c *sealCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// sealFor returns the seal id with its parsed public key and whether its
// maker signature verifies, from the cache when fresh.
func (s *Service) sealFor(ctx context.Context, id string) (*cachedSeal, error) {
	now := time.Now()
	s.seals.mu.RLock()
	cs := s.seals.m[id]
	s.seals.mu.RUnlock()
	if cs != nil && now.Sub(cs.loadedAt) < s.cfg.SealCacheTTL {
		return cs, nil
	}
	seal, err := s.db.FindSeal(ctx, id)
	if err != nil {
		return nil, err
	}
	pub, err := gm.ParsePublicKeyPEM([]byte(seal.PublicKey))
	if err != nil {
		return nil, fmt.Errorf("cert: seal %s public key: %w", id, err)
	}
	_, maker, err := s.makerKey(ctx)
	if err != nil {
		return nil, err
	}
	sig, _ := base64.StdEncoding.DecodeString(seal.MakerSig)
	cs = &cachedSeal{seal: seal, pub: pub, fingerprint: pub.Fingerprint(), makerOK: maker.Verify(SealInfo(seal), sig), loadedAt: now}
	s.seals.mu.Lock()
	s.seals.m[id] = cs
	s.seals.mu.Unlock()
	return cs, nil
}
