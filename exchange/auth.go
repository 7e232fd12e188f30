package exchange

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"huitong"
)

// Authenticate returns the principal of a bearer credential: an API key
// (htk_...) or a token from POST /auth/token. API key lookups are cached
// for CacheTTL by the SHA-256 of the key, so a revoked key keeps working
// for at most that long on an instance that saw it just before; tokens are
// checked every time. EUNAUTHORIZED (rule auth.invalid) otherwise.
func (s *Service) Authenticate(ctx context.Context, token string) (*huitong.Principal, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return nil, refuse(huitong.EUNAUTHORIZED, "auth.required", "需要身份凭证: Authorization: Bearer <令牌或 API 密钥>")
	}
	if len(token) > 128 {
		return nil, refuse(huitong.EUNAUTHORIZED, "auth.invalid", "身份凭证无效")
	}
	if !strings.HasPrefix(token, "htk_") {
		p, _, err := s.ids.Session(ctx, token)
		if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
			return nil, refuse(huitong.EUNAUTHORIZED, "auth.invalid", "%s", huitong.ErrorMessage(err))
		}
		return p, err
	}
	sum := sha256.Sum256([]byte(token))
	id := hex.EncodeToString(sum[:])
	if p, ok := s.apiKeys.get(id); ok {
		return p, nil
	}
	p, err := s.ids.APIKeyPrincipal(ctx, token)
	if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
		return nil, refuse(huitong.EUNAUTHORIZED, "auth.invalid", "%s", huitong.ErrorMessage(err))
	} else if err != nil {
		return nil, err
	}
	s.apiKeys.put(id, p)
	return p, nil
}
