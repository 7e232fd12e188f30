package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/audit"
	"huitong/exchange"
)

// Sharing and exchange (共享交换): share requests and decisions, grants,
// the uses of a grant (query, batch, verify, pull, subscribe, export),
// API credentials of API-mounted resources, data-use records and the audit
// checkpoints. Without an exchange service the routes answer 503.
//
// The use endpoints authenticate through the exchange service (API key
// lookups cached for the configured TTL) and audit every refusal,
// including a missing or bad credential. Every answer carrying data comes
// after its audit entry is committed; X-Audit-Seq names the entry.

func (s *Server) registerExchange(mux *http.ServeMux) {
	authed := func(fn handlerFunc) http.Handler {
		return s.authed(func(w http.ResponseWriter, r *http.Request) error {
			if s.Exchange == nil {
				return errNoExchange
			}
			return fn(w, r)
		})
	}
	s.handle(mux, "POST /api/v1/share-requests", authed(s.createShareRequest))
	s.handle(mux, "GET /api/v1/share-requests", authed(s.listShareRequests))
	s.handle(mux, "GET /api/v1/share-requests/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享申请")
		if err != nil {
			return err
		}
		req, err := s.Exchange.ShareRequest(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, req)
	}))
	s.handle(mux, "POST /api/v1/share-requests/{id}/decision", authed(s.decideShareRequest))
	s.handle(mux, "POST /api/v1/share-requests/{id}/withdraw", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享申请")
		if err != nil {
			return err
		}
		req, err := s.Exchange.Withdraw(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, req)
	}))

	s.handle(mux, "GET /api/v1/grants", authed(s.listGrants))
	s.handle(mux, "GET /api/v1/grants/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享授权")
		if err != nil {
			return err
		}
		g, err := s.Exchange.Grant(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, g)
	}))
	s.handle(mux, "POST /api/v1/grants/{id}/revoke", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享授权")
		if err != nil {
			return err
		}
		var in struct {
			Reason string `json:"reason"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		g, err := s.Exchange.Revoke(r.Context(), id, in.Reason)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, g)
	}))
	s.handle(mux, "PUT /api/v1/grants/{id}/limits", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享授权")
		if err != nil {
			return err
		}
		var in struct {
			DailyQuota int     `json:"dailyQuota"`
			RatePerSec float64 `json:"ratePerSec"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		g, err := s.Exchange.SetLimits(r.Context(), id, in.DailyQuota, in.RatePerSec)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, g)
	}))
	s.handle(mux, "GET /api/v1/grants/{id}/subscription", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享授权")
		if err != nil {
			return err
		}
		sub, err := s.Exchange.Subscription(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, sub)
	}))
	s.handle(mux, "DELETE /api/v1/grants/{id}/subscription", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r, "共享授权")
		if err != nil {
			return err
		}
		if err := s.Exchange.Unsubscribe(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	s.handle(mux, "POST /api/v1/grants/{id}/subscription", s.exchangeUse(exchange.ActSubscribe, s.subscribe))
	s.handle(mux, "GET /api/v1/grants/{id}/changes", s.exchangeUse(exchange.ActPull, s.pullChanges))
	s.handle(mux, "GET /api/v1/grants/{id}/export", s.exchangeUse(exchange.ActExport, s.exportGrant))

	s.handleCode(mux, "POST /api/v1/resources/{code}/query", s.exchangeUse(exchange.ActQuery, s.batchQuery))
	s.handleCode(mux, "POST /api/v1/resources/{code}/verify", s.exchangeUse(exchange.ActVerify, s.verify))

	s.handle(mux, "GET /api/v1/resource-credentials", authed(func(w http.ResponseWriter, r *http.Request) error {
		info, err := s.Exchange.Credential(r.Context(), r.URL.Query().Get("resource"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, info)
	}))
	s.handle(mux, "PUT /api/v1/resource-credentials", authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Resource string `json:"resource"`
			Header   string `json:"header"`
			Value    string `json:"value"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		if err := s.Exchange.SetCredential(r.Context(), in.Resource, in.Header, in.Value); err != nil {
			return err
		}
		info, err := s.Exchange.Credential(r.Context(), in.Resource)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, info)
	}))

	s.handle(mux, "GET /api/v1/usage", authed(s.listUsage))
	s.handle(mux, "GET /api/v1/usage/summary", authed(func(w http.ResponseWriter, r *http.Request) error {
		f, err := usageFilter(r)
		if err != nil {
			return err
		}
		list, err := s.Exchange.UsageSummary(r.Context(), r.URL.Query().Get("role"), f)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handle(mux, "POST /api/v1/usage/subject", authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Key    string `json:"key"`
			Offset int    `json:"offset"`
			Limit  int    `json:"limit"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		list, err := s.Exchange.SubjectUsage(r.Context(), in.Key, in.Offset, in.Limit)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))

	s.handle(mux, "GET /api/v1/audit/checkpoints", authed(func(w http.ResponseWriter, r *http.Request) error {
		limit, err := intParam(r, "limit", 20)
		if err != nil {
			return err
		}
		list, err := s.Exchange.Checkpoints(r.Context(), limit)
		if err != nil {
			return err
		}
		if list == nil {
			list = []*huitong.Checkpoint{}
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handle(mux, "POST /api/v1/audit/checkpoints", authed(func(w http.ResponseWriter, r *http.Request) error {
		cp, err := s.Exchange.Checkpoint(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusCreated, cp)
	}))
	s.handle(mux, "GET /api/v1/audit/public-key", s.public(func(w http.ResponseWriter, r *http.Request) error {
		if s.Exchange == nil {
			return errNoExchange
		}
		pub, err := s.Exchange.PublicKey(r.Context())
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("X-Key-Fingerprint", pub.Fingerprint())
		_, err = w.Write(pub.PEM())
		return err
	}))
	s.handle(mux, "GET /api/v1/calendar", authed(func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]any{"responseDays": s.Exchange.Config().ResponseDays, "years": s.Exchange.Calendar().Years()})
	}))
}

var errNoExchange = huitong.Errorf(huitong.EUNAVAILABLE, "共享交换服务未启用")

func pathID(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, huitong.Errorf(huitong.ENOTFOUND, "%s不存在: %s", what, r.PathValue("id"))
	}
	return id, nil
}

// flexTime reads a date ("2027-06-30": the end of that day, Beijing time)
// or an RFC 3339 time.
type flexTime struct{ time.Time }

// UnmarshalJSON reads "2027-06-30" (the end of that day in Beijing) or an
// RFC 3339 time; "" leaves t zero.
func (t *flexTime) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &huitong.Error{Code: huitong.EINVALID, Message: "日期应为字符串 YYYY-MM-DD 或 RFC 3339 时间"}
	}
	if s == "" {
		return nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, s, time.FixedZone("CST", 8*3600)); err == nil {
		t.Time = d.AddDate(0, 0, 1).Add(-time.Second).UTC()
		return nil
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return &huitong.Error{Code: huitong.EINVALID, Message: "日期 " + s + " 应为 YYYY-MM-DD 或 RFC 3339 时间",
			Fields: []huitong.FieldError{{Field: "until", Rule: "date", Message: "应为 YYYY-MM-DD 或 RFC 3339 时间"}}}
	}
	t.Time = v.UTC()
	return nil
}

func (s *Server) createShareRequest(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Resource       string   `json:"resource"`
		Items          []string `json:"items"`
		Uses           []string `json:"uses"`
		PlainItems     []string `json:"plainItems"`
		Purpose        string   `json:"purpose"`
		LegalBasis     string   `json:"legalBasis"`
		Jurisdiction   string   `json:"jurisdiction"`
		Until          flexTime `json:"until"`
		ExpectedVolume int      `json:"expectedVolume"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	req, err := s.Exchange.Request(r.Context(), exchange.RequestInput{Resource: in.Resource, Items: in.Items, Uses: in.Uses, PlainItems: in.PlainItems,
		Purpose: in.Purpose, LegalBasis: in.LegalBasis, Jurisdiction: in.Jurisdiction, Until: in.Until.Time, ExpectedVolume: in.ExpectedVolume})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, req)
}

func (s *Server) listShareRequests(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := huitong.ShareRequestFilter{Resource: q.Get("resource"), Status: huitong.RequestStatus(q.Get("status")), Escalated: q.Get("escalated") == "true"}
	var err error
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 50); err != nil {
		return err
	}
	list, total, err := s.Exchange.ShareRequests(r.Context(), q.Get("role"), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

func (s *Server) decideShareRequest(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "共享申请")
	if err != nil {
		return err
	}
	var in struct {
		Decision   string   `json:"decision"`
		Items      []string `json:"items"`
		PlainItems []string `json:"plainItems"`
		Until      flexTime `json:"until"`
		Reason     string   `json:"reason"`
		DailyQuota int      `json:"dailyQuota"`
		RatePerSec float64  `json:"ratePerSec"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return err
	}
	req, g, err := s.Exchange.Decide(r.Context(), id, exchange.Decision{Decision: in.Decision, Items: in.Items, PlainItems: in.PlainItems,
		Until: in.Until.Time, Reason: in.Reason, DailyQuota: in.DailyQuota, RatePerSec: in.RatePerSec})
	if err != nil {
		return err
	}
	out := map[string]any{"status": req.Status, "request": req}
	if g != nil {
		out["grant"] = g
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := huitong.GrantFilter{Resource: q.Get("resource"), Status: huitong.GrantStatus(q.Get("status"))}
	var err error
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return err
	}
	if f.Limit, err = intParam(r, "limit", 50); err != nil {
		return err
	}
	list, total, err := s.Exchange.Grants(r.Context(), q.Get("role"), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

func usageFilter(r *http.Request) (huitong.UsageFilter, error) {
	q := r.URL.Query()
	f := huitong.UsageFilter{Resource: q.Get("resource"), Consumer: q.Get("consumer"), Action: q.Get("action")}
	var err error
	if f.Offset, err = intParam(r, "offset", 0); err != nil {
		return f, err
	}
	if f.Limit, err = intParam(r, "limit", 100); err != nil {
		return f, err
	}
	g, err := intParam(r, "grant", 0)
	if err != nil {
		return f, err
	}
	f.Grant = int64(g)
	for name, dst := range map[string]*time.Time{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			var t flexTime
			b, _ := json.Marshal(v)
			if err := t.UnmarshalJSON(b); err != nil {
				return f, err
			}
			*dst = t.Time
			if name == "from" && len(v) == len(time.DateOnly) {
				*dst = t.Time.Add(time.Second).AddDate(0, 0, -1) // the start of that day
			}
		}
	}
	return f, nil
}

func (s *Server) listUsage(w http.ResponseWriter, r *http.Request) error {
	f, err := usageFilter(r)
	if err != nil {
		return err
	}
	list, err := s.Exchange.Usage(r.Context(), r.URL.Query().Get("role"), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

// exchangeUse wraps a use endpoint: the credential is checked through the
// exchange service, and a refusal before the handler runs (no or bad
// credentials) is audited as a use of action refused.
func (s *Server) exchangeUse(action string, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Exchange == nil {
			s.writeError(w, r, errNoExchange)
			return
		}
		token := ""
		if h := r.Header.Get("Authorization"); h != "" {
			if scheme, rest, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
				token = strings.TrimSpace(rest)
			} else {
				token = "\x00malformed"
			}
		} else if k := r.Header.Get("X-API-Key"); k != "" {
			token = strings.TrimSpace(k)
		}
		p, err := s.Exchange.Authenticate(r.Context(), token)
		if err != nil {
			if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
				err = s.Exchange.Refused(r.Context(), action, resourceCode(r), RequestID(r.Context()), err)
			}
			s.exchangeError(w, r, err)
			return
		}
		ctx := huitong.WithPrincipal(r.Context(), p)
		setLogAttr(ctx, "actor", p.Actor())
		if err := fn(w, r.WithContext(ctx)); err != nil {
			s.exchangeError(w, r, err)
		}
	})
}

// exchangeError writes err, with Retry-After for rate limits.
func (s *Server) exchangeError(w http.ResponseWriter, r *http.Request, err error) {
	if d := exchange.RetryAfter(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	s.writeError(w, r, err)
}

func useQuery(r *http.Request) exchange.Query {
	q := r.URL.Query()
	g, _ := strconv.ParseInt(q.Get("grant"), 10, 64)
	var items []string
	if v := q.Get("items"); v != "" {
		items = strings.Split(v, ",")
	}
	return exchange.Query{Resource: resourceCode(r), Purpose: q.Get("purpose"), Case: q.Get("case"), Grant: g, Items: items,
		RequestID: RequestID(r.Context()), Started: time.Now()}
}

// ExchangeRecord answers GET /api/v1/resources/{code}/records/{key} for a
// caller outside the provider department: the granted items of one
// subject, through the exchange service (grant check, jurisdiction,
// masking, audit). ?purpose= is required, ?case=, ?items=a,b and ?grant=
// are optional. The records route of ingest.go calls it for everyone but
// the provider's own staff.
func (s *Server) ExchangeRecord(w http.ResponseWriter, r *http.Request) error {
	if s.Exchange == nil {
		return errNoExchange
	}
	q := useQuery(r)
	q.Keys = []string{r.PathValue("key")}
	a, res, err := s.Exchange.Get(r.Context(), q)
	if err != nil {
		if d := exchange.RetryAfter(err); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		}
		return err
	}
	w.Header().Set("X-Audit-Seq", res.Audit[0])
	return writeJSON(w, http.StatusOK, recordAnswer{Data: a.Data, Grant: res.Grant})
}

// recordAnswer is the body of a single query's answer.
type recordAnswer struct {
	Data  map[string]string `json:"data"`
	Grant int64             `json:"grant"`
}

// AppendJSON appends what encoding/json.Marshal writes for a, written
// directly: the answer of every single query.
func (a recordAnswer) AppendJSON(b []byte) []byte {
	b = append(b, `{"data":`...)
	b = audit.AppendJSONMap(b, a.Data, audit.AppendJSONString)
	b = append(b, `,"grant":`...)
	b = strconv.AppendInt(b, a.Grant, 10)
	return append(b, '}')
}

func (s *Server) batchQuery(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Keys    []string `json:"keys"`
		Items   []string `json:"items"`
		Purpose string   `json:"purpose"`
		Case    string   `json:"case"`
		Grant   int64    `json:"grant"`
	}
	if err := s.decode(w, r, &in); err != nil {
		return s.Exchange.Refused(r.Context(), exchange.ActQuery, resourceCode(r), RequestID(r.Context()), err)
	}
	q := useQuery(r)
	q.Keys, q.Items, q.Purpose, q.Case, q.Grant = in.Keys, in.Items, in.Purpose, in.Case, in.Grant
	res, err := s.Exchange.Batch(r.Context(), q)
	if err != nil {
		return err
	}
	w.Header().Set("X-Audit-Seq", strings.Join(res.Audit, ","))
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request) error {
	var in verifyBody
	if err := s.decodeVerify(w, r, &in); err != nil {
		return s.Exchange.Refused(r.Context(), exchange.ActVerify, resourceCode(r), RequestID(r.Context()), err)
	}
	q := useQuery(r)
	q.Keys, q.Values, q.Purpose, q.Case, q.Grant = []string{in.Key}, in.Values, in.Purpose, in.Case, in.Grant
	res, err := s.Exchange.Verify(r.Context(), q)
	if err != nil {
		return err
	}
	w.Header().Set("X-Audit-Seq", res.Audit)
	return writeJSON(w, http.StatusOK, res)
}

func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var in struct {
		Webhook string `json:"webhook"`
	}
	if r.ContentLength != 0 {
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
	}
	sub, secret, err := s.Exchange.Subscribe(r.Context(), id, in.Webhook, RequestID(r.Context()))
	if err != nil {
		return err
	}
	out := map[string]any{"subscription": sub}
	if secret != "" {
		out["webhookSecret"] = secret
	}
	return writeJSON(w, http.StatusCreated, out)
}

func (s *Server) pullChanges(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	cursor, err := intParam(r, "cursor", 0)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return err
	}
	page, err := s.Exchange.Changes(r.Context(), id, int64(cursor), limit, useQuery(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, page)
}

func (s *Server) exportGrant(w http.ResponseWriter, r *http.Request) error {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	format := r.URL.Query().Get("format")
	if format == "" {
		format = exchange.FormatCSV
	}
	started := false
	_, err := s.Exchange.Export(r.Context(), id, format, useQuery(r), func(contentType string) io.Writer {
		started = true
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Disposition", `attachment; filename="grant-`+strconv.FormatInt(id, 10)+`.`+format+`"`)
		w.WriteHeader(http.StatusOK)
		return w
	})
	if err != nil && started {
		// The status is out: the body ends early, and the closing audit
		// entry records the interruption.
		s.Log.WarnContext(r.Context(), "export interrupted", "grant", id, "err", err)
		return nil
	}
	return err
}
