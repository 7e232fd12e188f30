package identity

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// keyPrefix marks huitong API keys so secret scanners can recognise them.
const keyPrefix = "htk_"

// CreateAPIKey issues a key for the caller's department. The secret is
// returned once; only its hash is kept. Staff and department admins may
// issue keys; EINVALID for a missing or over-long name.
func (s *Service) CreateAPIKey(ctx context.Context, name string) (string, *huitong.APIKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return "", nil, err
	}
	if p.UserID == 0 {
		return "", nil, huitong.Errorf(huitong.EFORBIDDEN, "API 密钥只能由工作人员创建")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", nil, &huitong.Error{Code: huitong.EINVALID, Message: "name: 名称必填，且不超过 100 个字符",
			Fields: []huitong.FieldError{{Field: "name", Rule: "required", Message: "名称必填，且不超过 100 个字符"}}}
	}
	if rule, msg := huitong.Hostile(name, false); rule != "" {
		return "", nil, &huitong.Error{Code: huitong.EINVALID, Message: "name: 名称" + msg,
			Fields: []huitong.FieldError{{Field: "name", Rule: rule, Message: "名称" + msg}}}
	}
	secret := keyPrefix + randomToken(32)
	k := &huitong.APIKey{Prefix: secret[:len(keyPrefix)+6], Name: name, Department: p.Department, CreatedBy: p.Username, CreatedAt: s.clock.Now()}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.InsertAPIKey(ctx, k, TokenID(secret)); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "apikey.create",
			Object: fmt.Sprintf("key:%d", k.ID), Detail: audit.Detail(map[string]any{"name": name, "prefix": k.Prefix})})
	})
	if err != nil {
		return "", nil, fmt.Errorf("identity: create api key: %w", err)
	}
	return secret, k, nil
}

// APIKeyPrincipal returns the principal of an API key: its department with
// staff rights. EUNAUTHORIZED when the key is unknown or revoked.
func (s *Service) APIKeyPrincipal(ctx context.Context, secret string) (*huitong.Principal, error) {
	if !strings.HasPrefix(secret, keyPrefix) || len(secret) > 128 {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "API 密钥无效")
	}
	id := TokenID(secret)
	k, err := s.db.FindAPIKeyByHash(ctx, id)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "API 密钥无效")
	} else if err != nil {
		return nil, fmt.Errorf("identity: api key: %w", err)
	}
	if !k.RevokedAt.IsZero() {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "API 密钥已吊销")
	}
	now := s.clock.Now()
	if s.shouldTouch(id, k.LastUsedAt, now) {
		s.db.TouchAPIKey(ctx, k.ID, now)
	}
	return &huitong.Principal{KeyID: k.ID, Department: k.Department, Roles: []huitong.Role{huitong.RoleStaff}}, nil
}

// APIKeys lists the caller's department's keys (all departments' for the
// operator when department is given).
func (s *Service) APIKeys(ctx context.Context, department string) ([]*huitong.APIKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if department == "" {
		department = p.Department
	}
	if department != p.Department && !p.Has(huitong.RoleOperator) {
		return nil, huitong.Errorf(huitong.EFORBIDDEN, "只能查看本部门的 API 密钥")
	}
	return s.db.APIKeys(ctx, department)
}

// RevokeAPIKey revokes a key of the caller's department (any, for the
// operator). Revocation takes effect on the next request.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	return s.db.Update(ctx, func(tx *store.Tx) error {
		k, err := tx.FindAPIKey(ctx, id)
		if err != nil {
			return err
		}
		if k.Department != p.Department && !p.Has(huitong.RoleOperator) {
			return huitong.Errorf(huitong.ENOTFOUND, "API 密钥不存在: %d", id)
		}
		if p.UserID == 0 && !p.Has(huitong.RoleDeptAdmin) && k.ID != p.KeyID {
			return huitong.Errorf(huitong.EFORBIDDEN, "系统密钥只能吊销自身")
		}
		if err := tx.RevokeAPIKey(ctx, id, s.clock.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Actor: p.Actor(), Department: p.Department, Action: "apikey.revoke", Object: fmt.Sprintf("key:%d", id)})
	})
}
