package exchange

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"huitong"
	"huitong/audit"
	"huitong/gbcode"
	"huitong/ingest"
)

// Query asks for the data of subjects, or (Values set) to verify values.
type Query struct {
	Resource  string
	Keys      []string          // the subjects' keys; one for a single query
	Items     []string          // narrow the answer to these items (codes or names); default the grant's
	Values    map[string]string // verification: item -> the value the consumer holds
	Purpose   string            // required: what the data is used for
	Case      string            // the case (办件) number, when there is one
	Grant     int64             // use this grant; default the newest that fits
	RequestID string            // the API request id, recorded in the audit entry
	Started   time.Time         // when the request arrived (latency); default now
}

// Answer is the result for one key.
type Answer struct {
	Key   string            `json:"key"`
	Found bool              `json:"found"`
	Data  map[string]string `json:"data,omitempty"`
	Error string            `json:"error,omitempty"` // rule of a per-key problem in a batch: key.invalid
}

// Result is what a query returns, with the audit entries that record it.
type Result struct {
	Grant   int64    `json:"grant"`
	Answers []Answer `json:"items"`
	Audit   []string `json:"-"` // chain/seq of each entry
}

// VerifyResult is what a verification returns: match or no match per item
// and overall, and no data.
type VerifyResult struct {
	Grant int64           `json:"grant"`
	Match bool            `json:"match"`
	Items map[string]bool `json:"items"`
	Audit string          `json:"-"`
}

// AppendJSON appends what encoding/json.Marshal writes for r, written
// directly: the answer of every verification.
func (r *VerifyResult) AppendJSON(b []byte) []byte {
	b = append(b, `{"grant":`...)
	b = strconv.AppendInt(b, r.Grant, 10)
	b = append(b, `,"match":`...)
	b = strconv.AppendBool(b, r.Match)
	b = append(b, `,"items":`...)
	b = audit.AppendJSONMap(b, r.Items, strconv.AppendBool)
	return append(b, '}')
}

// Actions of the audit entries exchange writes for uses of data.
const (
	ActQuery     = "exchange.query"
	ActVerify    = "exchange.verify"
	ActExport    = "exchange.export"
	ActExportEnd = "exchange.export.done"
	ActDeliver   = "exchange.deliver"
	ActPull      = "exchange.pull"
	ActSubscribe = "exchange.subscribe"
)

// checkPurpose validates the purpose and case number every use carries.
func checkPurpose(q *Query) error {
	q.Purpose, q.Case = strings.TrimSpace(q.Purpose), strings.TrimSpace(q.Case)
	var v huitong.Validation
	text(&v, "purpose", q.Purpose, 2, 200, "用途(purpose)")
	if q.Case != "" {
		if utf8.RuneCountInString(q.Case) > 64 || strings.ContainsFunc(q.Case, func(r rune) bool {
			return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_/()（）〔〕[]#.·", r))
		}) {
			v.Add("case", "format", "办件编号最长 64 个字符，只能含文字、数字和 -_/()（）〔〕[]#.·")
		}
	}
	return v.Err()
}

// use is one use of data in progress: who, what, under which grant.
type use struct {
	s       *Service
	p       *huitong.Principal
	q       *Query
	action  string
	res     *resourceView
	grant   *huitong.Grant
	items   []string
	started time.Time
	now     time.Time
}

// begin authorises a use: caller, purpose, resource, items, grant, rate.
func (s *Service) begin(ctx context.Context, q *Query, action, kind string) (*use, error) {
	u := &use{s: s, q: q, action: action, now: s.clock.Now(), started: q.Started}
	if u.started.IsZero() {
		u.started = time.Now()
	}
	p, err := caller(ctx)
	if err != nil {
		return u, err
	}
	u.p = p
	if err := checkPurpose(q); err != nil {
		return u, err
	}
	if u.res, err = s.published(ctx, strings.TrimSpace(q.Resource)); err != nil {
		return u, err
	}
	var v huitong.Validation
	u.items = s.resolveItems(&v, "items", u.res, q.Items, false)
	if err := v.Err(); err != nil {
		return u, err
	}
	if u.grant, err = s.chooseGrant(ctx, p, u.res, q.Grant, kind, u.items); err != nil {
		return u, err
	}
	if len(u.items) == 0 {
		u.items = u.grant.Items
	}
	if ok, wait := s.limits.allowRate(u.grant, u.now); !ok {
		return u, &rateError{err: refuse(huitong.ERATELIMIT, "rate.limit", "共享授权 %d 限速每秒 %g 次，请 %s 后重试", u.grant.ID, u.grant.RatePerSec, wait.Round(time.Millisecond)), retry: wait}
	}
	return u, nil
}

// rateError is a 429 with the time to wait.
type rateError struct {
	err   error
	retry time.Duration
}

// Error returns the message of the refusal.
func (e *rateError) Error() string { return e.err.Error() }

// Unwrap returns the refusal, a *huitong.Error with code ERATELIMIT.
func (e *rateError) Unwrap() error { return e.err }

// RetryAfter returns how long a rate-limited caller should wait, 0 when
// err is not a rate limit with a known wait.
func RetryAfter(err error) time.Duration {
	var re *rateError
	if !errors.As(err, &re) {
		return 0
	}
	return max(re.retry, time.Second)
}

// normalizeKey checks and normalises a subject key of the resource's key
// kind: a citizen ID number (GB 11643) with upper-case X, a credit code
// (GB 32100), or another key trimmed and half-width; at most 64 characters
// of letters, digits and a few separators, so nothing resembling SQL, a
// path or markup reaches the store or a provider's API.
func normalizeKey(res *resourceView, raw string) (string, error) {
	kind := huitong.KeyOther
	if res.key != nil {
		kind = res.key.KeyKind
	}
	if utf8.RuneCountInString(raw) > 64 {
		return "", refuse(huitong.EINVALID, "key.invalid", "主键过长(最多 64 个字符)")
	}
	k, err := ingest.NormalizeKey(kind, raw)
	if err != nil {
		return "", refuse(huitong.EINVALID, "key.invalid", "主键 %q 无效: %s", truncate(raw, 40), huitong.ErrorMessage(err))
	}
	if strings.ContainsFunc(k, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-_.·", r))
	}) {
		return "", refuse(huitong.EINVALID, "key.invalid", "主键 %q 含有不允许的字符", truncate(raw, 40))
	}
	return k, nil
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// keyJurisdiction is the GB/T 2260 division a key carries: the address
// code of an ID number, positions 3-8 of a credit code, "" otherwise.
func keyJurisdiction(res *resourceView, key string) string {
	if res.key == nil {
		return ""
	}
	switch res.key.KeyKind {
	case huitong.KeyCitizenID:
		_, _, div := gbcode.CitizenIDInfo(key)
		return div
	case huitong.KeyUSCC:
		if code, err := gbcode.USCC(key); err == nil {
			return code[2:8]
		}
	}
	return ""
}

// fetch returns the data and jurisdiction of key: from the record store
// for table-mounted resources, from the provider's API for API-mounted
// ones. ENOTFOUND when there is none.
func (s *Service) fetch(ctx context.Context, res *resourceView, key string) (map[string]string, string, error) {
	switch res.Mount.Kind {
	case huitong.MountAPI:
		if isLocal(res) {
			return s.localFetch(ctx, res, key)
		}
		data, err := s.proxyFetch(ctx, res, key)
		return data, keyJurisdiction(res, key), err
	case huitong.MountTable:
		return s.db.FindRecordData(ctx, res.Code, key)
	}
	return nil, "", refuse(huitong.ECONFLICT, "mount.kind", "资源 %s 挂接为%s，不能按主键查询", res.Code, huitong.Label("mount", string(res.Mount.Kind)))
}

// entry builds the audit entry of one use of one subject.
func (u *use) entry(subject, masked, result string, extra map[string]any) *huitong.AuditEntry {
	var buf [12]audit.KV
	d := append(buf[:0], audit.KV{Key: "purpose", Value: u.q.Purpose}, audit.KV{Key: "latencyMs", Value: float64(time.Since(u.started).Microseconds()) / 1000})
	if u.q.Case != "" {
		d = append(d, audit.KV{Key: "case", Value: u.q.Case})
	}
	if u.q.RequestID != "" {
		d = append(d, audit.KV{Key: "requestId", Value: u.q.RequestID})
	}
	if u.grant != nil {
		d = append(d, audit.KV{Key: "grant", Value: u.grant.ID})
	}
	if len(u.items) > 0 {
		d = append(d, audit.KV{Key: "items", Value: u.items})
	}
	if subject != "" {
		d = append(d, audit.KV{Key: "subject", Value: subject}, audit.KV{Key: "subjectMasked", Value: masked})
	}
	for k, v := range extra {
		d = append(d, audit.KV{Key: k, Value: v})
	}
	actor, dept := "anonymous", ""
	if u.p != nil {
		actor, dept = u.p.Actor(), u.p.Department
	}
	object := strings.TrimSpace(u.q.Resource)
	if u.res != nil {
		object = u.res.Code
	}
	return &huitong.AuditEntry{Chain: u.s.cfg.Chain, At: u.now, Actor: actor, Department: dept, Action: u.action,
		Object: truncate(object, 40), Result: result, Detail: audit.DetailOf(d)}
}

// resultOf names the audit result of an error.
func resultOf(err error) string {
	switch huitong.ErrorCode(err) {
	case "":
		return "ok"
	case huitong.EUNAUTHORIZED:
		return "unauthorized"
	case huitong.EFORBIDDEN:
		return "denied"
	case huitong.ENOTFOUND:
		return "not_found"
	case huitong.ERATELIMIT:
		return "rate_limited"
	case huitong.EINVALID, huitong.ETOOLARGE:
		return "invalid"
	case huitong.EUNAVAILABLE:
		return "unavailable"
	}
	return "failed"
}

// refused audits a refused use and returns err (or the journal's error
// when the refusal could not be recorded).
func (u *use) refused(ctx context.Context, err error, subject, masked string) error {
	e := u.entry(subject, masked, resultOf(err), map[string]any{"reason": ruleOf(err)})
	r := &appendReq{entries: []*huitong.AuditEntry{e}, subjects: []string{subject}}
	if jerr := u.s.journal.append(ctx, r); jerr != nil {
		u.s.log.Error("audit refusal", "action", u.action, "err", jerr)
		return fmt.Errorf("exchange: audit: %w", jerr)
	}
	return err
}

// Refused records a use refused before it reached the service (no
// credentials, a bad token) and returns err: the HTTP layer calls it so
// that every refusal of an exchange endpoint is audited.
func (s *Service) Refused(ctx context.Context, action, resource, requestID string, err error) error {
	u := &use{s: s, p: huitong.PrincipalFrom(ctx), q: &Query{Resource: resource, RequestID: requestID}, action: action, now: s.clock.Now(), started: time.Now()}
	return u.refused(ctx, err, "", "")
}

// Get answers a query for one subject: the granted items (or those asked
// for, which must be granted) of key, sensitive ones masked unless the
// grant has them in plain text. ENOTFOUND (rule subject.not_found) when the
// key is not found within the grant's jurisdiction. Refusals: see
// chooseGrant, plus EINVALID (purpose, case, key.invalid), ERATELIMIT
// (rate.limit, quota.daily). Every outcome is audited before it returns.
func (s *Service) Get(ctx context.Context, q Query) (*Answer, *Result, error) {
	if len(q.Keys) != 1 {
		return nil, nil, refuse(huitong.EINVALID, "keys.one", "单个查询需要且只需要一个主键")
	}
	r, err := s.query(ctx, &q, false)
	if err != nil {
		return nil, r, err
	}
	return &r.Answers[0], r, nil
}

// Batch answers a query for up to Config.MaxBatch subjects in one call.
// Keys not found (or outside the jurisdiction) come back with found false,
// malformed ones with error key.invalid; each subject is its own audit
// entry, all committed before it returns.
func (s *Service) Batch(ctx context.Context, q Query) (*Result, error) {
	if len(q.Keys) == 0 || len(q.Keys) > s.cfg.MaxBatch {
		u := &use{s: s, p: huitong.PrincipalFrom(ctx), q: &q, action: ActQuery, now: s.clock.Now(), started: time.Now()}
		return nil, u.refused(ctx, refuse(huitong.EINVALID, "keys.count", "批量查询需要 1 到 %d 个主键，收到 %d 个", s.cfg.MaxBatch, len(q.Keys)), "", "")
	}
	return s.query(ctx, &q, true)
}

func (s *Service) query(ctx context.Context, q *Query, batch bool) (*Result, error) {
	u, err := s.begin(ctx, q, ActQuery, huitong.UseQuery)
	if err != nil {
		return nil, u.refused(ctx, err, "", "")
	}
	type subject struct {
		key, hash, masked string
		err               error
	}
	subjects := make([]subject, len(q.Keys))
	valid := 0
	for i, raw := range q.Keys {
		k, err := normalizeKey(u.res, raw)
		subjects[i] = subject{key: k, err: err}
		if err != nil {
			if !batch {
				return nil, u.refused(ctx, err, "", "")
			}
			continue
		}
		valid++
		if subjects[i].hash, err = s.SubjectHash(ctx, k); err != nil {
			return nil, err
		}
		subjects[i].masked = maskKey(u.res, k)
	}
	if ok, used, err := s.limits.reserve(ctx, s.db, u.grant, valid, u.now); err != nil {
		return nil, err
	} else if !ok {
		err := refuse(huitong.ERATELIMIT, "quota.daily", "共享授权 %d 每日限额 %d 个主体，今日已用 %d", u.grant.ID, u.grant.DailyQuota, used)
		return nil, u.refused(ctx, &rateError{err: err, retry: time.Until(s.cal.Deadline(u.now, 0))}, subjects[0].hash, subjects[0].masked)
	}
	res := &Result{Grant: u.grant.ID, Answers: make([]Answer, len(q.Keys))}
	req := &appendReq{grant: u.grant.ID, day: day(u.now), used: valid}
	var notFound error
	for i, sub := range subjects {
		a := Answer{Key: sub.key}
		if sub.err != nil {
			a.Key, a.Error = truncate(q.Keys[i], 64), "key.invalid"
			res.Answers[i] = a
			continue
		}
		data, j, err := s.fetch(ctx, u.res, sub.key)
		extra := map[string]any{}
		if batch {
			extra["batch"] = len(q.Keys)
		}
		if isLocal(u.res) {
			extra["via"] = "platform"
		} else if u.res.Mount.Kind == huitong.MountAPI {
			extra["via"] = "api"
		}
		switch {
		case err == nil && inScope(u.grant, u.res, j):
			a.Found = true
			a.Data = project(u.res, data, u.items, u.grant.PlainItems)
			req.entries = append(req.entries, u.entry(sub.hash, sub.masked, "ok", extra))
		case err == nil || huitong.ErrorCode(err) == huitong.ENOTFOUND:
			if err == nil {
				extra["reason"] = "subject.out_of_scope"
			} else {
				extra["reason"] = "subject.not_found"
			}
			req.entries = append(req.entries, u.entry(sub.hash, sub.masked, "not_found", extra))
			notFound = refuse(huitong.ENOTFOUND, "subject.not_found", "在授权范围内没有主键为 %s 的记录", sub.masked)
		default:
			// The provider's API failed or the store did: record the
			// failed attempt, answer nothing.
			s.limits.release(u.grant, valid, u.now)
			extra["reason"] = ruleOf(err)
			req.entries = append(req.entries, u.entry(sub.hash, sub.masked, resultOf(err), extra))
			req.subjects = subjectsOf(req.entries)
			if jerr := s.journal.append(ctx, req); jerr != nil {
				return nil, fmt.Errorf("exchange: audit: %w", jerr)
			}
			return nil, err
		}
		res.Answers[i] = a
	}
	req.subjects = subjectsOf(req.entries)
	if err := s.journal.append(ctx, req); err != nil {
		return nil, fmt.Errorf("exchange: audit: %w", err)
	}
	for _, e := range req.entries {
		res.Audit = append(res.Audit, fmt.Sprintf("%s/%d", e.Chain, e.Seq))
	}
	if !batch && notFound != nil {
		return res, notFound
	}
	return res, nil
}

// subjectsOf reads back the subject hash each entry's detail carries.
func subjectsOf(entries []*huitong.AuditEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		if j := strings.Index(e.Detail, `"subject":"`); j >= 0 {
			rest := e.Detail[j+len(`"subject":"`):]
			if k := strings.IndexByte(rest, '"'); k >= 0 {
				out[i] = rest[:k]
			}
		}
	}
	return out
}

// maskKey masks a key for the audit trail and messages.
func maskKey(res *resourceView, key string) string {
	if res.key != nil {
		return Mask(res.key, key)
	}
	return Mask(&huitong.Item{}, key)
}

// Verify checks values a consumer holds against the provider's record
// (核验): name and ID number, or company name, credit code and legal
// representative. It returns match or no match per item and nothing of the
// data. The items compared must be granted, and the grant must allow
// verification. ENOTFOUND when the key is not found within the grant's
// jurisdiction.
func (s *Service) Verify(ctx context.Context, q Query) (*VerifyResult, error) {
	q.Items = q.Items[:0]
	for item := range q.Values {
		q.Items = append(q.Items, item)
	}
	u, err := s.begin(ctx, &q, ActVerify, huitong.UseVerify)
	if err != nil {
		return nil, u.refused(ctx, err, "", "")
	}
	if len(q.Values) == 0 {
		return nil, u.refused(ctx, refuse(huitong.EINVALID, "values.required", "请提供要核验的信息项及其值"), "", "")
	}
	if len(q.Keys) != 1 {
		return nil, u.refused(ctx, refuse(huitong.EINVALID, "keys.one", "核验需要且只需要一个主键"), "", "")
	}
	key, err := normalizeKey(u.res, q.Keys[0])
	if err != nil {
		return nil, u.refused(ctx, err, "", "")
	}
	hash, err := s.SubjectHash(ctx, key)
	if err != nil {
		return nil, err
	}
	masked := maskKey(u.res, key)
	if ok, used, err := s.limits.reserve(ctx, s.db, u.grant, 1, u.now); err != nil {
		return nil, err
	} else if !ok {
		err := refuse(huitong.ERATELIMIT, "quota.daily", "共享授权 %d 每日限额 %d 个主体，今日已用 %d", u.grant.ID, u.grant.DailyQuota, used)
		return nil, u.refused(ctx, &rateError{err: err, retry: time.Until(s.cal.Deadline(u.now, 0))}, hash, masked)
	}
	data, j, err := s.fetch(ctx, u.res, key)
	// Outside the jurisdiction reads as not found: the consumer learns
	// nothing about subjects it may not reach. The audit entry says which.
	if err == nil && !inScope(u.grant, u.res, j) {
		e := u.entry(hash, masked, "not_found", map[string]any{"reason": "subject.out_of_scope"})
		if jerr := s.journal.append(ctx, &appendReq{entries: []*huitong.AuditEntry{e}, subjects: []string{hash}, grant: u.grant.ID, day: day(u.now), used: 1}); jerr != nil {
			return nil, fmt.Errorf("exchange: audit: %w", jerr)
		}
		return nil, refuse(huitong.ENOTFOUND, "subject.not_found", "在授权范围内没有主键为 %s 的记录", masked)
	} else if huitong.ErrorCode(err) == huitong.ENOTFOUND {
		err = refuse(huitong.ENOTFOUND, "subject.not_found", "在授权范围内没有主键为 %s 的记录", masked)
	}
	if err != nil {
		if huitong.ErrorCode(err) != huitong.ENOTFOUND {
			s.limits.release(u.grant, 1, u.now)
		}
		return nil, u.refused(ctx, err, hash, masked)
	}
	out := &VerifyResult{Grant: u.grant.ID, Match: true, Items: map[string]bool{}}
	for item, held := range q.Values {
		k, _ := u.res.itemKey(item)
		stored := data[k]
		if u.res.key != nil && k == dataKey(u.res.key) && stored == "" {
			stored = key
		}
		ok := sameValue(u.res.byKey[k], held, stored)
		out.Items[item] = ok
		out.Match = out.Match && ok
	}
	e := u.entry(hash, masked, "ok", map[string]any{"match": out.Match})
	if err := s.journal.append(ctx, &appendReq{entries: []*huitong.AuditEntry{e}, subjects: []string{hash}, grant: u.grant.ID, day: day(u.now), used: 1}); err != nil {
		return nil, fmt.Errorf("exchange: audit: %w", err)
	}
	out.Audit = fmt.Sprintf("%s/%d", e.Chain, e.Seq)
	return out, nil
}
