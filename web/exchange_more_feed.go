package web

import (
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/httpapi"
)

// The consumer's side of a grant: subscribe to its change feed (NATS,
// the pull endpoint, an optional webhook), preview the changes through the
// pull endpoint, and export the granted items in bulk. Each is a use of
// the data: the handlers leave the decision to the exchange service, which
// checks the caller and the grant and audits refusals too; a refusal is
// shown on the grant page with its reason.

// changePreview is how many changes the preview shows at a time.
const changePreview = 20

func (s *Server) subscribeGrant(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	d.Webhook = strings.TrimSpace(r.PostFormValue("webhook"))
	_, secret, err := s.Exchange.Subscribe(r.Context(), d.G.ID, d.Webhook, httpapi.RequestID(r.Context()))
	if err != nil {
		return s.formFailed(w, r, rq, d, "subscribe", err)
	}
	if secret == "" {
		s.redirect(w, r, grantPath(d.G.ID), false, "已订阅授权 "+strconv.FormatInt(d.G.ID, 10)+" 的数据变更：可通过 NATS 主题或拉取接口接收")
		return nil
	}
	// The webhook's signing secret exists in plain text only now: show it
	// on this response, never store it where the page could show it again.
	if d, err = s.loadGrantMore(r, rq); err != nil {
		return err
	}
	d.Secret = secret
	return s.renderGrant(w, r, rq, http.StatusOK, d)
}

func (s *Server) unsubscribeGrant(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	if !d.Consumer && !d.Manage {
		return huitong.Errorf(huitong.EFORBIDDEN, "只有使用部门或提供方部门可以取消授权 %d 的订阅", d.G.ID)
	}
	if err := s.Exchange.Unsubscribe(r.Context(), d.G.ID); err != nil {
		return err
	}
	s.redirect(w, r, grantPath(d.G.ID), false, "已取消订阅：不再推送授权 "+strconv.FormatInt(d.G.ID, 10)+" 的数据变更")
	return nil
}

// grantChanges shows a page of the feed through the pull endpoint, from
// the start of the subscription or from the cursor of the last page. Each
// change shown is a use of the data and is audited with its purpose.
func (s *Server) grantChanges(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	d.Purpose, d.Case = strings.TrimSpace(r.PostFormValue("purpose")), strings.TrimSpace(r.PostFormValue("case"))
	var cursor int64
	if c := strings.TrimSpace(r.PostFormValue("cursor")); c != "" {
		if cursor, err = strconv.ParseInt(c, 10, 64); err != nil || cursor < 0 {
			var v huitong.Validation
			v.Add("cursor", "integer", "游标应为非负整数，收到 %q", c)
			return s.formFailed(w, r, rq, d, "changes", v.Err())
		}
	}
	page, err := s.Exchange.Changes(r.Context(), d.G.ID, cursor, changePreview, exchange.Query{Purpose: d.Purpose, Case: d.Case,
		RequestID: httpapi.RequestID(r.Context()), Started: time.Now()})
	if err != nil {
		return s.formFailed(w, r, rq, d, "changes", err)
	}
	d.Form, d.Changes = "changes", page
	// The pull endpoint hands systems the key in full; on the screen the
	// key is masked like its item unless the grant has that item plain.
	var keyItem *huitong.Item
	if d.Res != nil {
		if k := d.Res.KeyItem(); k != nil && k.Sensitive && !slices.Contains(d.G.PlainItems, itemKey(k)) {
			keyItem = k
		}
	}
	for _, c := range page.Items {
		row := changeRow{Cursor: c.Cursor, At: c.At, Key: c.Key, Deleted: c.Deleted}
		if keyItem != nil {
			row.Key = exchange.Mask(keyItem, c.Key)
		}
		for _, k := range d.G.Items {
			row.Values = append(row.Values, c.Data[k])
		}
		d.ChangeRows = append(d.ChangeRows, row)
	}
	return s.renderGrant(w, r, rq, http.StatusOK, d)
}

// exportGrant streams the granted items of every subject in scope as CSV
// or JSON, after the service has checked the grant and committed the
// export's audit entry. A refusal before the first byte re-renders the
// grant page with the reason.
func (s *Server) exportGrant(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadGrantMore(r, rq)
	if err != nil {
		return err
	}
	d.Purpose, d.Case, d.Format = strings.TrimSpace(r.PostFormValue("purpose")), strings.TrimSpace(r.PostFormValue("case")), r.PostFormValue("format")
	started := false
	n, err := s.Exchange.Export(r.Context(), d.G.ID, d.Format, exchange.Query{Purpose: d.Purpose, Case: d.Case,
		RequestID: httpapi.RequestID(r.Context()), Started: time.Now()}, func(contentType string) io.Writer {
		started = true
		name := "grant-" + strconv.FormatInt(d.G.ID, 10) + "-" + time.Now().In(cst).Format("20060102") + "." + d.Format
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.WriteHeader(http.StatusOK)
		return w
	})
	if err != nil && started {
		// The status is out: the body ends early, and the closing audit
		// entry records the interruption.
		s.Log.WarnContext(r.Context(), "web: export interrupted", "grant", d.G.ID, "rows", n, "err", err)
		return nil
	}
	if err != nil {
		return s.formFailed(w, r, rq, d, "export", err)
	}
	return nil
}
