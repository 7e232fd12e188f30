package exchange

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"hash"
	"iter"

	"github.com/emmansun/gmsm/sm3"

	"huitong"
	"huitong/audit"
	"huitong/gm"
	"huitong/store"
)

// Platform key ids. The signing key is an SM2 key pair; the subject key is
// a 256-bit secret for HMAC-SM3. Both are generated on first use and kept
// sealed with the master keyring; the public half of the signing key is
// what exports and `huitong audit verify` check signatures with.
const (
	signingKeyID = "audit-signing"
	subjectKeyID = "subject-index"
)

func keyAD(id string) []byte { return []byte("huitong/platform-key/" + id) }

// SigningKey returns the platform's SM2 key that signs audit checkpoints,
// creating it on first use. Several instances racing to create it settle
// on the first one stored.
func (s *Service) SigningKey(ctx context.Context) (*gm.PrivateKey, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.signer != nil {
		return s.signer, nil
	}
	load := func() (*gm.PrivateKey, error) {
		k, err := s.db.FindPlatformKey(ctx, signingKeyID)
		if err != nil {
			return nil, err
		}
		return s.keys.OpenPrivateKey(k.Sealed, signingKeyID)
	}
	k, err := load()
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		nk, gerr := gm.GenerateKey()
		if gerr != nil {
			return nil, gerr
		}
		sealed, serr := s.keys.SealPrivateKey(nk, signingKeyID)
		if serr != nil {
			return nil, serr
		}
		pub := nk.Public()
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertPlatformKey(ctx, &store.PlatformKey{ID: signingKeyID, Sealed: sealed, PublicPEM: string(pub.PEM()),
				Fingerprint: pub.Fingerprint(), CreatedAt: s.clock.Now()})
		})
		if huitong.ErrorCode(err) == huitong.ECONFLICT {
			k, err = load()
		} else if err == nil {
			k = nk
		}
	}
	if err != nil {
		return nil, fmt.Errorf("exchange: audit signing key: %w", err)
	}
	s.signer = k
	return k, nil
}

// PublicKey returns the public half of the audit signing key.
func (s *Service) PublicKey(ctx context.Context) (*gm.PublicKey, error) {
	k, err := s.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	return k.Public(), nil
}

// subjectSecret returns the HMAC key of the subject index.
func (s *Service) subjectSecret(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.subjectKey != nil {
		return s.subjectKey, nil
	}
	load := func() ([]byte, error) {
		k, err := s.db.FindPlatformKey(ctx, subjectKeyID)
		if err != nil {
			return nil, err
		}
		return s.keys.Open(k.Sealed, keyAD(subjectKeyID))
	}
	secret, err := load()
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, err
		}
		sealed, serr := s.keys.Seal(fresh, keyAD(subjectKeyID))
		if serr != nil {
			return nil, serr
		}
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			return tx.InsertPlatformKey(ctx, &store.PlatformKey{ID: subjectKeyID, Sealed: sealed, CreatedAt: s.clock.Now()})
		})
		if huitong.ErrorCode(err) == huitong.ECONFLICT {
			secret, err = load()
		} else if err == nil {
			secret = fresh
		}
	}
	if err != nil {
		return nil, fmt.Errorf("exchange: subject index key: %w", err)
	}
	s.subjectKey = secret
	return secret, nil
}

// SubjectHash returns the keyed hash under which audit entries about a
// subject are indexed: HMAC-SM3 of the normalised key under a platform
// secret, truncated to 128 bits, in hex. The audit trail never holds a raw
// ID number; without the secret (sealed with the master key) the hash
// cannot be tested against guessed ID numbers.
func (s *Service) SubjectHash(ctx context.Context, key string) (string, error) {
	secret, err := s.subjectSecret(ctx)
	if err != nil {
		return "", err
	}
	// The secret does not change once loaded: keyed MACs are reused.
	m, _ := s.subjectMACs.Get().(hash.Hash)
	if m == nil {
		m = hmac.New(sm3.New, secret)
	} else {
		m.Reset()
	}
	m.Write([]byte(key))
	var sum [sm3.Size]byte
	out := hex.EncodeToString(m.Sum(sum[:0])[:16])
	s.subjectMACs.Put(m)
	return out, nil
}

// Checkpoint signs the current head of the instance's audit chain with the
// platform key and stores the checkpoint. When the head has not moved
// since the last checkpoint it returns that one. Only operators (or the
// platform itself) may call it.
func (s *Service) Checkpoint(ctx context.Context) (*huitong.Checkpoint, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Has(huitong.RoleOperator) {
		return nil, refuse(huitong.EFORBIDDEN, "role.operator", "只有平台运维可以签署审计检查点")
	}
	return s.checkpoint(ctx, s.cfg.Chain)
}

func (s *Service) checkpoint(ctx context.Context, chain string) (*huitong.Checkpoint, error) {
	k, err := s.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	seq, hash, err := s.db.AuditHead(ctx, chain)
	if err != nil {
		return nil, err
	}
	if seq == 0 {
		return nil, refuse(huitong.ECONFLICT, "audit.empty", "审计链 %s 还没有记录", chain)
	}
	if last, err := s.db.CheckpointAtOrBefore(ctx, chain, seq); err == nil && last.Seq == seq {
		return last, nil
	}
	cp, err := audit.SignCheckpoint(k, chain, seq, hash, s.clock.Now())
	if err != nil {
		return nil, err
	}
	if err := s.db.Update(ctx, func(tx *store.Tx) error { return tx.InsertCheckpoint(ctx, cp) }); err != nil {
		return nil, err
	}
	return cp, nil
}

// Checkpoints lists the latest signed checkpoints (at most limit), for
// anyone who may read the audit log.
func (s *Service) Checkpoints(ctx context.Context, limit int) ([]*huitong.Checkpoint, error) {
	if _, err := caller(ctx); err != nil {
		return nil, err
	}
	return s.db.Checkpoints(ctx, "", limit)
}

// ExportAudit writes an OpenSSL-verifiable export (see audit.WriteExport)
// of the chain up to the checkpoint at seq (0: the latest) into dir: from
// the checkpoint before it, or from entry 1 when fromStart or when there is
// none. It returns the checkpoint and the number of entries written.
func (s *Service) ExportAudit(ctx context.Context, dir, chain string, seq int64, fromStart bool) (*huitong.Checkpoint, int64, error) {
	if chain == "" {
		chain = s.cfg.Chain
	}
	if seq <= 0 {
		head, _, err := s.db.AuditHead(ctx, chain)
		if err != nil {
			return nil, 0, err
		}
		seq = head
	}
	cp, err := s.db.CheckpointAtOrBefore(ctx, chain, seq)
	if err != nil {
		return nil, 0, err
	}
	if cp.Seq != seq {
		return nil, 0, refuse(huitong.ENOTFOUND, "audit.checkpoint", "第 %d 条没有签名检查点；最近的检查点在第 %d 条(先运行 huitong audit checkpoint)", seq, cp.Seq)
	}
	var anchor *huitong.Checkpoint
	if !fromStart && cp.Seq > 1 {
		if a, err := s.db.CheckpointAtOrBefore(ctx, chain, cp.Seq-1); err == nil {
			anchor = a
		}
	}
	keys, err := s.db.PlatformPublicKeys(ctx)
	if err != nil {
		return nil, 0, err
	}
	pub := keys[cp.Key]
	if pub == nil {
		return nil, 0, fmt.Errorf("exchange: export: checkpoint signed by unknown key %s", cp.Key)
	}
	if anchor != nil && anchor.Key != cp.Key {
		anchor = nil // one pub.pem per export: start from genesis instead
	}
	from := int64(1)
	if anchor != nil {
		from = anchor.Seq + 1
	}
	var entries iter.Seq2[*huitong.AuditEntry, error] = s.db.AuditRange(ctx, chain, from, cp.Seq)
	n, err := audit.WriteExport(dir, pub, anchor, cp, entries)
	return cp, n, err
}
