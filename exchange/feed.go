package exchange

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/nats-io/nats.go/jetstream"

	"huitong"
	"huitong/audit"
	"huitong/store"
)

// Subscriptions (订阅). A grant with the subscribe use may have a change
// feed: from the moment it subscribes, every change of a subject within
// the grant's jurisdiction in the resource's record store is delivered,
// masked to the granted items:
//
//   - on a NATS JetStream subject of its own (Subscription.Subject), kept
//     for FeedRetention, so a consumer that was offline for a day catches
//     up from its durable consumer;
//   - through the pull endpoint, by cursor (the change sequence);
//   - optionally POSTed to a webhook, signed with HMAC-SM3.
//
// Delivery is at least once. The pump appends the deliveries' audit
// entries and moves the feed's audited cursor in one transaction, then
// publishes with message ids grant-<id>-<seq> (JetStream drops repeats
// within its duplicate window) and moves the published cursor; after a
// crash between the two it republishes the gap.

// feedStream is the JetStream stream (under the bus prefix) holding every
// grant's feed.
const feedStream = "EXCHANGE"

// FeedSubject returns the NATS subject of grant id's feed.
func (s *Service) FeedSubject(id int64) string {
	s.busMu.Lock()
	bus := s.bus
	s.busMu.Unlock()
	if bus == nil {
		return "huitong.exchange.grant." + strconv.FormatInt(id, 10)
	}
	return bus.Subject("exchange", "grant", strconv.FormatInt(id, 10))
}

func (s *Service) subscription(f *store.Feed) *huitong.Subscription {
	stream := "huitong_" + feedStream
	s.busMu.Lock()
	if s.bus != nil {
		stream = s.bus.StreamName(feedStream)
	}
	s.busMu.Unlock()
	return &huitong.Subscription{Grant: f.Grant, Subject: s.FeedSubject(f.Grant), Stream: stream, Durable: fmt.Sprintf("grant-%d", f.Grant),
		Webhook: f.Webhook, Active: f.Active, Cursor: f.PublishedSeq, CreatedBy: f.CreatedBy, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt,
		LastError: f.LastError, LastDelivery: f.LastDelivery}
}

// subscribable returns the grant if p may subscribe with it: the
// consumer's staff or systems, an active grant with the subscribe use.
func (s *Service) subscribable(ctx context.Context, p *huitong.Principal, id int64) (*huitong.Grant, *resourceView, error) {
	g, err := s.db.FindGrant(ctx, id)
	if err != nil {
		return nil, nil, refuse(huitong.EFORBIDDEN, "grant.none", "本部门没有共享授权 %d", id)
	}
	if !actsFor(p, g.Consumer) {
		return nil, nil, refuse(huitong.EFORBIDDEN, "grant.none", "本部门没有共享授权 %d", id)
	}
	switch g.StatusAt(s.clock.Now()) {
	case huitong.GrantRevoked:
		return nil, nil, refuse(huitong.EFORBIDDEN, "grant.revoked", "共享授权 %d 已撤销", g.ID)
	case huitong.GrantExpired:
		return nil, nil, refuse(huitong.EFORBIDDEN, "grant.expired", "共享授权 %d 已到期", g.ID)
	}
	if !g.Allows(huitong.UseSubscribe) {
		return nil, nil, refuse(huitong.EFORBIDDEN, "use.not_granted", "共享授权 %d 不含订阅", g.ID)
	}
	res, err := s.published(ctx, g.Resource)
	if err != nil {
		return nil, nil, err
	}
	return g, res, nil
}

// Subscribe starts the change feed of grant id from now on (or updates its
// webhook; the cursor is kept). webhook "" means NATS and the pull
// endpoint only. For a webhook it returns the secret that signs the
// deliveries (shown once). Refusals are audited.
func (s *Service) Subscribe(ctx context.Context, id int64, webhook, requestID string) (*huitong.Subscription, string, error) {
	p := huitong.PrincipalFrom(ctx)
	u := &use{s: s, p: p, q: &Query{RequestID: requestID}, action: ActSubscribe, now: s.clock.Now(), started: time.Now()}
	if p == nil {
		return nil, "", u.refused(ctx, refuse(huitong.EUNAUTHORIZED, "auth.required", "需要身份凭证"), "", "")
	}
	g, res, err := s.subscribable(ctx, p, id)
	if err != nil {
		return nil, "", u.refused(ctx, err, "", "")
	}
	u.grant, u.res, u.q.Resource = g, res, g.Resource
	if ok, wait := s.limits.allowRate(g, u.now); !ok {
		return nil, "", u.refused(ctx, &rateError{err: refuse(huitong.ERATELIMIT, "rate.limit", "共享授权 %d 限速每秒 %g 次", g.ID, g.RatePerSec), retry: wait}, "", "")
	}
	webhook = strings.TrimSpace(webhook)
	if webhook != "" {
		if err := s.checkWebhook(webhook); err != nil {
			return nil, "", u.refused(ctx, err, "", "")
		}
	}
	start, err := s.db.LastRecordSeq(ctx, res.Code)
	if err != nil {
		return nil, "", err
	}
	now := s.clock.Now()
	f := &store.Feed{Grant: g.ID, Webhook: webhook, Active: true, CreatedBy: p.Actor(), CreatedAt: now, UpdatedAt: now}
	secret := ""
	if webhook != "" {
		b := make([]byte, 32)
		rand.Read(b)
		secret = hex.EncodeToString(b)
		if f.WebhookSecret, err = s.keys.Seal([]byte(secret), webhookAD(g.ID)); err != nil {
			return nil, "", err
		}
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SaveFeed(ctx, f, start); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, u.entry("", "", "ok", map[string]any{"webhook": webhook != "", "startSeq": start}))
	})
	if err != nil {
		return nil, "", err
	}
	stored, err := s.db.FindFeed(ctx, g.ID)
	if err != nil {
		return nil, "", err
	}
	s.restartHook(stored)
	return s.subscription(stored), secret, nil
}

func webhookAD(grant int64) []byte { return []byte("huitong/webhook/" + strconv.FormatInt(grant, 10)) }

// checkWebhook accepts https URLs to public hosts (and, when configured,
// http and private addresses, for tests and closed networks).
func (s *Service) checkWebhook(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 1000 {
		return refuse(huitong.EINVALID, "webhook.url", "webhook 应为完整的 https URL")
	}
	if u.Scheme != "https" && !(s.cfg.WebhookAllowPrivate && u.Scheme == "http") {
		return refuse(huitong.EINVALID, "webhook.scheme", "webhook 必须使用 https")
	}
	if ip := net.ParseIP(u.Hostname()); ip != nil && privateIP(ip) && !s.cfg.WebhookAllowPrivate {
		return refuse(huitong.EINVALID, "webhook.private", "webhook 不能指向内网、本机或链路本地地址")
	}
	return nil
}

func privateIP(ip net.IP) bool {
	return ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() || ip.IsUnspecified() || ip.IsMulticast()
}

// dialControl refuses connections to private addresses at connect time,
// after DNS, so a webhook host cannot be re-pointed at the platform's own
// network.
func (s *Service) dialControl(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip != nil && privateIP(ip) && !s.cfg.WebhookAllowPrivate {
		return fmt.Errorf("webhook address %s is private", host)
	}
	return nil
}

// Unsubscribe stops the change feed of grant id.
func (s *Service) Unsubscribe(ctx context.Context, id int64) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	g, err := s.db.FindGrant(ctx, id)
	if err != nil || (!actsFor(p, g.Consumer) && !s.mayManage(ctx, p, g)) {
		return refuse(huitong.ENOTFOUND, "grant.none", "共享授权不存在: %d", id)
	}
	err = s.db.Update(ctx, func(tx *store.Tx) error {
		if err := tx.SetFeedActive(ctx, id, false, s.clock.Now()); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &huitong.AuditEntry{Chain: s.cfg.Chain, Actor: p.Actor(), Department: p.Department, Action: "exchange.unsubscribe", Object: g.Resource,
			Detail: audit.Detail(map[string]any{"grant": id})})
	})
	if err != nil {
		return err
	}
	s.stopHook(id)
	return nil
}

// Subscription returns the feed of grant id.
func (s *Service) Subscription(ctx context.Context, id int64) (*huitong.Subscription, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	g, err := s.db.FindGrant(ctx, id)
	if err != nil || !s.visibleGrant(ctx, p, g) {
		return nil, refuse(huitong.ENOTFOUND, "grant.none", "共享授权不存在: %d", id)
	}
	f, err := s.db.FindFeed(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.subscription(f), nil
}

// ChangePage is a page of the pull endpoint.
type ChangePage struct {
	Items  []huitong.FeedChange `json:"items"`
	Cursor int64                `json:"cursor"` // ask again with this cursor
	More   bool                 `json:"more"`
}

// Changes is the pull endpoint of grant id's feed: the changes after
// cursor (never before the subscription started), at most limit (default
// 100, at most 1000), masked to the granted items, subjects outside the
// jurisdiction left out; each change returned is an audit entry. The
// consumer keeps the returned cursor; asking again with an old cursor
// repeats changes (at least once).
func (s *Service) Changes(ctx context.Context, id, cursor int64, limit int, q Query) (*ChangePage, error) {
	p := huitong.PrincipalFrom(ctx)
	u := &use{s: s, p: p, q: &q, action: ActPull, now: s.clock.Now(), started: time.Now()}
	if p == nil {
		return nil, u.refused(ctx, refuse(huitong.EUNAUTHORIZED, "auth.required", "需要身份凭证"), "", "")
	}
	if err := checkPurpose(&q); err != nil {
		return nil, u.refused(ctx, err, "", "")
	}
	g, res, err := s.subscribable(ctx, p, id)
	if err != nil {
		return nil, u.refused(ctx, err, "", "")
	}
	u.grant, u.res, u.items, q.Resource = g, res, g.Items, g.Resource
	f, err := s.db.FindFeed(ctx, id)
	if err != nil {
		return nil, u.refused(ctx, refuse(huitong.EFORBIDDEN, "subscription.none", "共享授权 %d 尚未订阅；先 POST /api/v1/grants/%d/subscription", id, id), "", "")
	}
	if ok, wait := s.limits.allowRate(g, u.now); !ok {
		return nil, u.refused(ctx, &rateError{err: refuse(huitong.ERATELIMIT, "rate.limit", "共享授权 %d 限速每秒 %g 次", g.ID, g.RatePerSec), retry: wait}, "", "")
	}
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 1000)
	cursor = max(cursor, f.StartSeq)
	recs, err := s.db.RecordsChangedSince(ctx, res.Code, cursor, limit)
	if err != nil {
		return nil, err
	}
	page := &ChangePage{Items: []huitong.FeedChange{}, Cursor: cursor, More: len(recs) == limit}
	req := &appendReq{grant: g.ID, day: day(u.now)}
	for _, rec := range recs {
		page.Cursor = rec.Seq
		j := rec.Jurisdiction
		if j == "" {
			j = keyJurisdiction(res, rec.Key)
		}
		if !inScope(g, res, j) {
			continue
		}
		c := huitong.FeedChange{Grant: g.ID, Resource: res.Code, Key: rec.Key, Deleted: rec.Deleted, Cursor: rec.Seq, At: rec.UpdatedAt}
		if !rec.Deleted {
			c.Data = project(res, rec.Data, g.Items, g.PlainItems)
		}
		page.Items = append(page.Items, c)
		hash, err := s.SubjectHash(ctx, rec.Key)
		if err != nil {
			return nil, err
		}
		req.entries = append(req.entries, u.entry(hash, maskKey(res, rec.Key), "ok", map[string]any{"cursor": rec.Seq}))
		req.used++
	}
	if len(req.entries) == 0 { // still a use: record the empty pull
		req.entries = append(req.entries, u.entry("", "", "ok", map[string]any{"cursor": page.Cursor, "count": 0}))
	}
	req.subjects = subjectsOf(req.entries)
	if err := s.journal.append(ctx, req); err != nil {
		return nil, fmt.Errorf("exchange: audit: %w", err)
	}
	return page, nil
}

// PumpFeeds delivers the pending changes of every active feed once and
// returns how many changes it published. Start runs it every
// FeedInterval; tests call it directly.
func (s *Service) PumpFeeds(ctx context.Context) (int, error) {
	s.busMu.Lock()
	bus := s.bus
	s.busMu.Unlock()
	if bus == nil {
		return 0, errors.New("exchange: feeds need the bus: call Start")
	}
	feeds, err := s.db.ActiveFeeds(ctx)
	if err != nil {
		return 0, err
	}
	total := 0
	var errs []error
	for _, f := range feeds {
		n, err := s.pumpFeed(ctx, f)
		total += n
		if err != nil && huitong.ErrorCode(err) != huitong.ECONFLICT {
			errs = append(errs, fmt.Errorf("feed %d: %w", f.Grant, err))
		}
	}
	return total, errors.Join(errs...)
}

const pumpBatch = 500

func (s *Service) pumpFeed(ctx context.Context, f *store.Feed) (int, error) {
	g, err := s.db.FindGrant(ctx, f.Grant)
	if err != nil {
		return 0, err
	}
	if g.StatusAt(s.clock.Now()) != huitong.GrantActive || !g.Allows(huitong.UseSubscribe) {
		return 0, nil // a revoked or expired grant delivers nothing more
	}
	res, err := s.published(ctx, g.Resource)
	if err != nil {
		return 0, err
	}
	published := 0
	// Republish what was audited but not acknowledged by JetStream.
	for f.PublishedSeq < f.AuditedSeq {
		recs, err := s.db.RecordsChangedSince(ctx, res.Code, f.PublishedSeq, pumpBatch)
		if err != nil {
			return published, err
		}
		var batch []*huitong.Record
		for _, r := range recs {
			if r.Seq <= f.AuditedSeq {
				batch = append(batch, r)
			}
		}
		if len(batch) == 0 {
			break
		}
		n, err := s.publish(ctx, g, res, batch)
		published += n
		if err != nil {
			return published, err
		}
		f.PublishedSeq = batch[len(batch)-1].Seq
	}
	for {
		recs, err := s.db.RecordsChangedSince(ctx, res.Code, f.AuditedSeq, pumpBatch)
		if err != nil || len(recs) == 0 {
			return published, err
		}
		now := s.clock.Now()
		var entries []*huitong.AuditEntry
		var subjects []string
		for _, r := range recs {
			if !s.feedScope(g, res, r) {
				continue
			}
			hash, err := s.SubjectHash(ctx, r.Key)
			if err != nil {
				return published, err
			}
			entries = append(entries, &huitong.AuditEntry{Chain: s.cfg.Chain, At: now, Actor: fmt.Sprintf("feed:%d", g.ID), Department: g.Consumer,
				Action: ActDeliver, Object: res.Code, Detail: audit.Detail(map[string]any{"grant": g.ID, "items": g.Items, "purpose": g.Purpose,
					"subject": hash, "subjectMasked": maskKey(res, r.Key), "cursor": r.Seq, "deleted": r.Deleted})})
			subjects = append(subjects, hash)
		}
		last := recs[len(recs)-1].Seq
		err = s.db.Update(ctx, func(tx *store.Tx) error {
			if err := tx.AdvanceFeedAudited(ctx, g.ID, f.AuditedSeq, last, now); err != nil {
				return err
			}
			if err := tx.AppendAuditBatch(ctx, entries, subjects); err != nil {
				return err
			}
			if len(entries) > 0 {
				return tx.AddGrantUsage(ctx, g.ID, day(now), len(entries))
			}
			return nil
		})
		if err != nil {
			return published, err
		}
		f.AuditedSeq = last
		n, err := s.publish(ctx, g, res, recs)
		published += n
		if err != nil {
			return published, err
		}
		f.PublishedSeq = last
		if len(recs) < pumpBatch {
			return published, nil
		}
	}
}

func (s *Service) feedScope(g *huitong.Grant, res *resourceView, r *huitong.Record) bool {
	j := r.Jurisdiction
	if j == "" {
		j = keyJurisdiction(res, r.Key)
	}
	return inScope(g, res, j)
}

// publish sends the in-scope records on the grant's subject and moves the
// published cursor to the last record.
func (s *Service) publish(ctx context.Context, g *huitong.Grant, res *resourceView, recs []*huitong.Record) (int, error) {
	s.busMu.Lock()
	bus := s.bus
	s.busMu.Unlock()
	subject := s.FeedSubject(g.ID)
	n := 0
	for _, r := range recs {
		if !s.feedScope(g, res, r) {
			continue
		}
		c := huitong.FeedChange{Grant: g.ID, Resource: res.Code, Key: r.Key, Deleted: r.Deleted, Cursor: r.Seq, At: r.UpdatedAt}
		if !r.Deleted {
			c.Data = project(res, r.Data, g.Items, g.PlainItems)
		}
		b, err := json.Marshal(c)
		if err != nil {
			return n, err
		}
		if _, err := bus.PublishDurable(ctx, subject, b, fmt.Sprintf("grant-%d-%d", g.ID, r.Seq)); err != nil {
			s.db.SetFeedError(ctx, g.ID, truncate(err.Error(), 200), s.clock.Now())
			return n, err
		}
		n++
	}
	if len(recs) > 0 {
		if err := s.db.SetFeedPublished(ctx, g.ID, recs[len(recs)-1].Seq, s.clock.Now(), ""); err != nil {
			return n, err
		}
	}
	return n, nil
}

// restartHook (re)starts the webhook deliverer of a feed, or stops it
// when the feed has no webhook.
func (s *Service) restartHook(f *store.Feed) {
	s.stopHook(f.Grant)
	s.busMu.Lock()
	defer s.busMu.Unlock()
	if s.bus == nil || f.Webhook == "" || !f.Active {
		return
	}
	secret, err := s.keys.Open(f.WebhookSecret, webhookAD(f.Grant))
	if err != nil {
		s.log.Error("webhook secret", "grant", f.Grant, "err", err)
		return
	}
	grant, target := f.Grant, f.Webhook
	stop, err := s.bus.Consume(context.Background(), feedStream, fmt.Sprintf("hook-%d", grant), s.bus.Subject("exchange", "grant", strconv.FormatInt(grant, 10)),
		func(msg jetstream.Msg) { s.deliverHook(grant, target, secret, msg) })
	if err != nil {
		s.log.Error("webhook consumer", "grant", grant, "err", err)
		return
	}
	s.hooksRunning[grant] = stop
}

func (s *Service) stopHook(grant int64) {
	s.busMu.Lock()
	stop := s.hooksRunning[grant]
	delete(s.hooksRunning, grant)
	s.busMu.Unlock()
	if stop != nil {
		stop()
	}
}

// WebhookSignature is the value of X-Huitong-Signature for body: hex
// HMAC-SM3 under the subscription's secret. Receivers compute it over the
// raw body and compare in constant time.
func WebhookSignature(secret, body []byte) string {
	m := hmac.New(sm3.New, secret)
	m.Write(body)
	return "hmac-sm3=" + hex.EncodeToString(m.Sum(nil))
}

// deliverHook POSTs one change to a webhook: acknowledged on 2xx, else
// retried with a growing delay (at least once).
func (s *Service) deliverHook(grant int64, target string, secret []byte, msg jetstream.Msg) {
	body := msg.Data()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		msg.Term()
		return
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "huitong-webhook")
	req.Header.Set("X-Huitong-Grant", strconv.FormatInt(grant, 10))
	req.Header.Set("X-Huitong-Signature", WebhookSignature(secret, body))
	if md, err := msg.Metadata(); err == nil {
		req.Header.Set("X-Huitong-Delivery", strconv.FormatUint(md.Sequence.Stream, 10))
		req.Header.Set("X-Huitong-Attempt", strconv.FormatUint(md.NumDelivered, 10))
	}
	resp, err := s.hooks.Do(req)
	problem := ""
	if err != nil {
		problem = "webhook: " + truncate(err.Error(), 150)
	} else {
		resp.Body.Close()
		if resp.StatusCode < 200 || resp.StatusCode > 299 {
			problem = fmt.Sprintf("webhook answered %d", resp.StatusCode)
		}
	}
	if problem == "" {
		msg.Ack()
		return
	}
	attempt := uint64(1)
	if md, err := msg.Metadata(); err == nil {
		attempt = md.NumDelivered
	}
	delay := min(time.Duration(1<<min(attempt, 8))*time.Second, 5*time.Minute)
	msg.NakWithDelay(delay)
	s.db.SetFeedError(context.Background(), grant, problem, s.clock.Now())
}

// closedErr reports whether err means the database or the bus has been
// closed under a background loop, which should then end quietly.
func closedErr(err error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, sql.ErrConnDone) || strings.Contains(err.Error(), "database is closed") ||
		strings.Contains(err.Error(), "connection closed") || errors.Is(err, errJournalClosed)
}
