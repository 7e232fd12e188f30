package exchange

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// The gateway to API-mounted resources (挂接为部门接口): the platform calls
// the provider's own endpoint on the consumer's behalf, with the provider's
// credential (kept sealed, never shown), and treats the answer like a
// record: only granted items, masked by rule, within the jurisdiction,
// audited. Calls are bounded by ProxyTimeout and a circuit breaker per
// resource; the answer is decoded as a stream of JSON tokens, keeping only
// the granted items, never buffered whole or written to disk.
//
// The endpoint: Mount.URL with "{key}" replaced by the escaped key, or the
// key added as the query parameter "key"; Mount.Method POST sends
// {"key": "..."} as the body instead. A 200 answer is a JSON object of
// item -> value (by code or name), or such an object under "data"; 404
// means no such subject; anything else is a failure of the provider.

// credential is a provider's credential, opened.
type credential struct {
	header, value string
}

var headerNameRE = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)

// forbiddenHeaders may not carry a credential: they are the transport's.
var forbiddenHeaders = map[string]bool{"Host": true, "Content-Length": true, "Content-Type": true, "Transfer-Encoding": true,
	"Connection": true, "Cookie": true, "X-Request-Id": true}

// SetCredential stores the credential the platform presents to the
// provider's API of resource code: a header (default Authorization) and its
// value, sealed with the master keyring. Only the provider's staff may set
// it; it is never returned, only its header and when it was set.
func (s *Service) SetCredential(ctx context.Context, code, header, value string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	res, err := s.published(ctx, code)
	if err != nil {
		return err
	}
	if !actsFor(p, res.Provider) {
		return refuse(huitong.EFORBIDDEN, "role.provider", "只有提供方部门可以设置接口凭据")
	}
	if res.Mount.Kind != huitong.MountAPI {
		return refuse(huitong.EINVALID, "mount.kind", "资源 %s 不是挂接为部门接口的资源", res.Code)
	}
	if isLocal(res) {
		return refuse(huitong.EINVALID, "mount.kind", "资源 %s 由本平台内置接口 %s 提供，不需要接口凭据", res.Code, res.Mount.URL)
	}
	if header == "" {
		header = "Authorization"
	}
	header = http.CanonicalHeaderKey(strings.TrimSpace(header))
	var v huitong.Validation
	if !headerNameRE.MatchString(header) || forbiddenHeaders[header] {
		v.Add("header", "name", "凭据头 %q 不可用: 应为字母、数字和连字符，且不是 Host、Cookie 等传输头", header)
	}
	if value == "" || len(value) > 4096 || strings.ContainsAny(value, "\r\n\x00") {
		v.Add("value", "format", "凭据值必填，最长 4096 字节，不能含换行")
	}
	if err := v.Err(); err != nil {
		return err
	}
	sealed, err := s.keys.Seal([]byte(value), credentialAD(res.Code, header))
	if err != nil {
		return err
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.PutAPICredential(ctx, res.Code, header, sealed, p.Actor(), s.clock.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "resource.credential", Object: res.Code,
			Detail: audit.Detail(map[string]any{"header": header})})
	})
	s.creds.del(res.Code)
	return err
}

func credentialAD(code, header string) []byte {
	return []byte("huitong/api-credential/" + code + "/" + header)
}

// CredentialInfo says whether a credential is set, never its value.
type CredentialInfo struct {
	Resource  string    `json:"resource"`
	Set       bool      `json:"set"`
	Header    string    `json:"header,omitempty"`
	UpdatedBy string    `json:"updatedBy,omitempty"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	Circuit   string    `json:"circuit"` // closed, open, half-open
}

// Credential describes the credential of resource code to its provider.
func (s *Service) Credential(ctx context.Context, code string) (*CredentialInfo, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	res, err := s.published(ctx, code)
	if err != nil {
		return nil, err
	}
	if !actsFor(p, res.Provider) && !s.isAuthority(ctx, p) {
		return nil, refuse(huitong.EFORBIDDEN, "role.provider", "只有提供方部门可以查看接口凭据设置")
	}
	info := &CredentialInfo{Resource: res.Code, Circuit: s.breakers.state(res.Code, s.clock.Now())}
	c, err := s.db.FindAPICredential(ctx, res.Code)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		return info, nil
	} else if err != nil {
		return nil, err
	}
	info.Set, info.Header, info.UpdatedBy, info.UpdatedAt = true, c.Header, c.UpdatedBy, c.UpdatedAt
	return info, nil
}

// credentialFor opens the credential of a resource, nil when none is set.
func (s *Service) credentialFor(ctx context.Context, code string) (*credential, error) {
	if c, ok := s.creds.get(code); ok {
		return c, nil
	}
	stored, err := s.db.FindAPICredential(ctx, code)
	if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		s.creds.put(code, nil)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	plain, err := s.keys.Open(stored.Sealed, credentialAD(code, stored.Header))
	if err != nil {
		return nil, fmt.Errorf("exchange: credential of %s: %w", code, err)
	}
	c := &credential{header: stored.Header, value: string(plain)}
	s.creds.put(code, c)
	return c, nil
}

// proxyFetch asks the provider's API for key and returns the values of
// the resource's items in its answer.
func (s *Service) proxyFetch(ctx context.Context, res *resourceView, key string) (map[string]string, error) {
	now := s.clock.Now()
	if !s.breakers.allow(res.Code, now) {
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.circuit_open", "提供方接口连续失败，已暂停调用 %s，请稍后重试", s.cfg.BreakerCooldown)
	}
	data, err := s.callProvider(ctx, res, key)
	ok := err == nil || huitong.ErrorCode(err) == huitong.ENOTFOUND
	s.breakers.done(res.Code, ok, s.clock.Now())
	return data, err
}

func (s *Service) callProvider(ctx context.Context, res *resourceView, key string) (map[string]string, error) {
	cred, err := s.credentialFor(ctx, res.Code)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(res.Mount.Method)
	if method == "" {
		method = http.MethodGet
	}
	target := res.Mount.URL
	var body io.Reader
	// The catalog stores the URL normalised, so the placeholder may come
	// back escaped.
	target = strings.NewReplacer("%7Bkey%7D", "{key}", "%7bkey%7d", "{key}").Replace(target)
	switch {
	case strings.Contains(target, "{key}"):
		target = strings.ReplaceAll(target, "{key}", url.PathEscape(key))
	case method == http.MethodGet:
		u, err := url.Parse(target)
		if err != nil {
			return nil, refuse(huitong.EUNAVAILABLE, "upstream.url", "资源 %s 的接口地址无效", res.Code)
		}
		q := u.Query()
		q.Set("key", key)
		u.RawQuery = q.Encode()
		target = u.String()
	}
	if method == http.MethodPost {
		b, _ := json.Marshal(map[string]string{"key": key})
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ProxyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.url", "资源 %s 的接口地址无效", res.Code)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "huitong-exchange")
	if cred != nil {
		req.Header.Set(cred.header, cred.value)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
			return nil, refuse(huitong.EUNAVAILABLE, "upstream.timeout", "提供方接口 %s 内未应答", s.cfg.ProxyTimeout)
		}
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.unreachable", "提供方接口无法连接")
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, refuse(huitong.ENOTFOUND, "subject.not_found", "提供方没有该主体的数据")
	case resp.StatusCode != http.StatusOK:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.status", "提供方接口返回 %d", resp.StatusCode)
	}
	lr := &io.LimitedReader{R: resp.Body, N: s.cfg.ProxyMaxBody + 1}
	data, err := decodeItems(json.NewDecoder(lr), res)
	if lr.N <= 0 {
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.too_large", "提供方接口的应答超过 %d 字节", s.cfg.ProxyMaxBody)
	}
	if err != nil {
		return nil, refuse(huitong.EUNAVAILABLE, "upstream.format", "提供方接口的应答不是约定的 JSON 对象: %s", truncate(err.Error(), 80))
	}
	return data, nil
}

// decodeItems reads a JSON object token by token and keeps the values of
// the resource's items (keyed by code or name), descending into "data".
// Other members are skipped without being kept.
func decodeItems(dec *json.Decoder, res *resourceView) (map[string]string, error) {
	dec.UseNumber()
	out := map[string]string{}
	var object func(depth int) error
	object = func(depth int) error {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); !ok || d != '{' {
			return fmt.Errorf("expected an object")
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			name, _ := t.(string)
			if name == "data" && depth == 0 {
				if err := object(1); err != nil {
					return err
				}
				continue
			}
			k, known := res.itemKey(name)
			t, err = dec.Token()
			if err != nil {
				return err
			}
			switch v := t.(type) {
			case json.Delim:
				if err := skip(dec, v); err != nil {
					return err
				}
			case string:
				if known {
					out[k] = v
				}
			case json.Number:
				if known {
					out[k] = v.String()
				}
			case bool:
				if known {
					out[k] = strconv.FormatBool(v)
				}
			}
		}
		_, err = dec.Token() // '}'
		return err
	}
	if err := object(0); err != nil {
		return nil, err
	}
	return out, nil
}

// skip consumes the rest of an array or object whose opening delimiter
// has been read.
func skip(dec *json.Decoder, open json.Delim) error {
	depth := 1
	for depth > 0 {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		if d, ok := t.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}
