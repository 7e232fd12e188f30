package httpapi

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"time"

	"huitong"
	"huitong/exchange"
	"huitong/ingest"
	"huitong/quality"
)

// Data aggregation and quality governance (数据归集与治理): deliveries
// (batches) into table-mounted resources with their rejects, the records
// with their history, quality scores, near duplicates, disputes (疑义),
// the data element register and scheduled pulls. Without an ingest service
// the routes answer 503.

var errNoIngest = huitong.Errorf(huitong.EUNAVAILABLE, "数据归集服务未启用")

func (s *Server) registerIngest(mux *http.ServeMux) {
	authed := func(fn handlerFunc) http.Handler {
		return s.authed(func(w http.ResponseWriter, r *http.Request) error {
			if s.Ingest == nil {
				return errNoIngest
			}
			return fn(w, r)
		})
	}
	s.handleCode(mux, "POST /api/v1/resources/{code}/batches", authed(s.deliver))
	s.handleCode(mux, "GET /api/v1/resources/{code}/batches", authed(func(w http.ResponseWriter, r *http.Request) error {
		return s.listBatches(w, r, resourceCode(r))
	}))
	s.handle(mux, "GET /api/v1/batches", authed(func(w http.ResponseWriter, r *http.Request) error {
		return s.listBatches(w, r, r.URL.Query().Get("resource"))
	}))
	s.handle(mux, "GET /api/v1/batches/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "批次")
		if err != nil {
			return err
		}
		b, err := s.Ingest.Batch(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, b)
	}))
	s.handle(mux, "GET /api/v1/batches/{id}/rejects", authed(s.rejects))

	// Records: the provider's own staff read them here; other departments
	// go through sharing (the exchange service when present, else 403).
	// The escaped one-segment code form (301001%2F000001) cannot be a
	// pattern of its own next to /resources/{class}/{seq}/versions, so a
	// catch-all three-segment GET serves it.
	s.handleCode(mux, "GET /api/v1/resources/{code}/records", authed(func(w http.ResponseWriter, r *http.Request) error {
		limit, err := intParam(r, "limit", 50)
		if err != nil {
			return err
		}
		list, err := s.Ingest.Records(r.Context(), resourceCode(r), r.URL.Query().Get("after"), limit)
		if err != nil {
			return err
		}
		next := ""
		if len(list) == limit {
			next = list[len(list)-1].Key
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list, "next": next})
	}))
	s.routes = append(s.routes, "GET /api/v1/resources/{code}/records/{key}")
	// With an exchange service the record read is a use of data: the
	// credential goes through the exchange's cached check, and a refusal
	// before the handler (no or bad credentials) is audited like any other.
	recordRoute := func(fn handlerFunc) http.Handler {
		viaExchange, direct := s.exchangeUse(exchange.ActQuery, fn), authed(fn)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if s.Exchange != nil {
				viaExchange.ServeHTTP(w, r)
				return
			}
			direct.ServeHTTP(w, r)
		})
	}
	mux.Handle("GET /api/v1/resources/{class}/{seq}/records/{key}", recordRoute(s.record))
	mux.Handle("GET /api/v1/resources/{code}/{sub}/{key}", recordRoute(func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("sub") != "records" {
			return huitong.Errorf(huitong.ENOTFOUND, "没有这个接口: %s %s", r.Method, r.URL.Path)
		}
		return s.record(w, r)
	}))

	s.handle(mux, "GET /api/v1/quality", authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Ingest.Quality.Overview(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handleCode(mux, "GET /api/v1/resources/{code}/quality", authed(func(w http.ResponseWriter, r *http.Request) error {
		days, err := intParam(r, "days", 90)
		if err != nil {
			return err
		}
		q, err := s.Ingest.Quality.Quality(r.Context(), resourceCode(r), days)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, q)
	}))
	s.handleCode(mux, "GET /api/v1/resources/{code}/duplicates", authed(func(w http.ResponseWriter, r *http.Request) error {
		offset, limit, err := page(r)
		if err != nil {
			return err
		}
		list, total, err := s.Ingest.Quality.Duplicates(r.Context(), resourceCode(r), offset, limit)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
	}))

	s.handle(mux, "GET /api/v1/disputes", authed(s.listDisputes))
	s.handle(mux, "GET /api/v1/disputes/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "疑义")
		if err != nil {
			return err
		}
		d, err := s.Ingest.Quality.Dispute(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, d)
	}))
	answer := func(action string) http.Handler {
		return authed(func(w http.ResponseWriter, r *http.Request) error {
			id, err := idParam(r, "疑义")
			if err != nil {
				return err
			}
			var in struct {
				Note           string `json:"note"`
				CorrectedValue string `json:"correctedValue"`
			}
			if err := s.decode(w, r, &in); err != nil {
				return err
			}
			d, err := s.Ingest.Quality.Answer(r.Context(), id, action, in.Note, in.CorrectedValue)
			if err != nil {
				return err
			}
			return writeJSON(w, http.StatusOK, d)
		})
	}
	s.handle(mux, "POST /api/v1/disputes/{id}/confirm", answer(quality.AnswerConfirm))
	s.handle(mux, "POST /api/v1/disputes/{id}/correct", answer(quality.AnswerCorrect))

	s.handle(mux, "GET /api/v1/elements", authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Ingest.Quality.Elements(r.Context())
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handle(mux, "GET /api/v1/code-tables", authed(func(w http.ResponseWriter, r *http.Request) error {
		return writeJSON(w, http.StatusOK, map[string]any{"items": quality.CodeTables()})
	}))
	s.handle(mux, "PUT /api/v1/elements/{code}", authed(func(w http.ResponseWriter, r *http.Request) error {
		var e huitong.DataElement
		if err := s.decode(w, r, &e); err != nil {
			return err
		}
		if e.Code == "" {
			e.Code = r.PathValue("code")
		}
		if e.Code != r.PathValue("code") {
			return huitong.Errorf(huitong.EINVALID, "请求体中的数据元代码 %s 与路径中的 %s 不一致", e.Code, r.PathValue("code"))
		}
		e.UpdatedBy, e.UpdatedAt = "", time.Time{}
		if err := s.Ingest.Quality.SetElement(r.Context(), &e); err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, e)
	}))
	s.handle(mux, "DELETE /api/v1/elements/{code}", authed(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Ingest.Quality.DeleteElement(r.Context(), r.PathValue("code")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))

	s.handleCode(mux, "GET /api/v1/resources/{code}/pulls", authed(func(w http.ResponseWriter, r *http.Request) error {
		list, err := s.Ingest.Pulls(r.Context(), resourceCode(r))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}))
	s.handleCode(mux, "POST /api/v1/resources/{code}/pulls", authed(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			huitong.Pull
			DSN string `json:"dsn"`
		}
		if err := s.decode(w, r, &in); err != nil {
			return err
		}
		p, err := s.Ingest.CreatePull(r.Context(), resourceCode(r), &in.Pull, in.DSN)
		if err != nil {
			return err
		}
		w.Header().Set("Location", fmt.Sprintf("/api/v1/pulls/%d", p.ID))
		return writeJSON(w, http.StatusCreated, p)
	}))
	s.handle(mux, "GET /api/v1/pulls/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "定时抽取任务")
		if err != nil {
			return err
		}
		p, err := s.Ingest.Pull(r.Context(), id)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, p)
	}))
	s.handle(mux, "PATCH /api/v1/pulls/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "定时抽取任务")
		if err != nil {
			return err
		}
		var u ingest.PullUpdate
		if err := s.decode(w, r, &u); err != nil {
			return err
		}
		p, err := s.Ingest.UpdatePull(r.Context(), id, u)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, p)
	}))
	s.handle(mux, "DELETE /api/v1/pulls/{id}", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "定时抽取任务")
		if err != nil {
			return err
		}
		if err := s.Ingest.DeletePull(r.Context(), id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
	s.handle(mux, "POST /api/v1/pulls/{id}/run", authed(func(w http.ResponseWriter, r *http.Request) error {
		id, err := idParam(r, "定时抽取任务")
		if err != nil {
			return err
		}
		b, err := s.Ingest.RunPull(r.Context(), id)
		if err != nil && b == nil {
			return err
		}
		return writeJSON(w, http.StatusOK, b)
	}))
}

func idParam(r *http.Request, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, huitong.Errorf(huitong.ENOTFOUND, "%s不存在: %s", what, r.PathValue("id"))
	}
	return id, nil
}

func page(r *http.Request) (offset, limit int, err error) {
	if offset, err = intParam(r, "offset", 0); err != nil {
		return 0, 0, err
	}
	limit, err = intParam(r, "limit", 50)
	return offset, limit, err
}

// deliver takes the request body as the delivered file: its format from
// ?format=, else the Content-Type (text/csv, the xlsx type,
// application/x-ndjson), else the file name (?filename= or
// Content-Disposition). The body is streamed, never held: the limit is
// the ingest service's (HUITONG_INGEST_MAX_SIZE), and the read deadline is
// lifted so a large upload is not cut off by the server's read timeout.
func (s *Server) deliver(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	name := q.Get("filename")
	if name == "" {
		if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil {
			name = params["filename"]
		}
	}
	format := q.Get("format")
	if format == "" {
		format = ingest.FormatFor(r.Header.Get("Content-Type"), name)
	}
	if format == "" {
		var v huitong.Validation
		v.Add("format", "required", "无法判断文件格式：请用 Content-Type(text/csv、%s、application/x-ndjson) 或 ?format=csv|xlsx|ndjson 说明", ingest.XLSXType)
		return v.Err()
	}
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.Ingest.Config().PullTimeout))
	b, err := s.Ingest.Deliver(r.Context(), resourceCode(r), r.Body, ingest.Options{
		Format: format, Mode: huitong.DeliveryMode(q.Get("mode")), Sheet: q.Get("sheet"), FileName: name, Source: "api"})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/batches/%d", b.ID))
	return writeJSON(w, http.StatusCreated, b)
}

func (s *Server) listBatches(w http.ResponseWriter, r *http.Request, code string) error {
	offset, limit, err := page(r)
	if err != nil {
		return err
	}
	status := huitong.BatchStatus(r.URL.Query().Get("status"))
	switch status {
	case "", huitong.BatchRunning, huitong.BatchDone, huitong.BatchFailed:
	default:
		var v huitong.Validation
		v.Add("status", "enum", "应为 running、done 或 failed")
		return v.Err()
	}
	list, total, err := s.Ingest.Batches(r.Context(), code, status, offset, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

// rejects lists a batch's rejects as JSON, or downloads the rejected rows
// as a file to correct (?format=csv|xlsx).
func (s *Server) rejects(w http.ResponseWriter, r *http.Request) error {
	id, err := idParam(r, "批次")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch f := q.Get("format"); f {
	case "csv", "xlsx":
		// Check access before the first byte goes out.
		if _, _, err := s.Ingest.Rejects(r.Context(), id, "", 0, 1); err != nil {
			return err
		}
		name := fmt.Sprintf("batch-%d-rejects.%s", id, f)
		if f == "csv" {
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			w.Header().Set("Content-Type", xlsxType)
		}
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
		w.Header().Set("Cache-Control", "no-store")
		return s.Ingest.ExportRejects(r.Context(), id, f, w)
	case "", "json":
	default:
		var v huitong.Validation
		v.Add("format", "enum", "应为 json、csv 或 xlsx")
		return v.Err()
	}
	offset, err := intParam(r, "offset", 0)
	if err != nil {
		return err
	}
	limit, err := intParam(r, "limit", 100)
	if err != nil {
		return err
	}
	severity := q.Get("severity")
	if severity == "" {
		severity = huitong.SeverityReject
	} else if severity == "all" {
		severity = ""
	}
	list, total, err := s.Ingest.Rejects(r.Context(), id, severity, offset, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}

// record answers GET /resources/{code}/records/{key} for the provider's
// own staff (?asOf=2026-01-31 or an RFC 3339 time reads as of then,
// ?history=true lists every version). Anyone else is passed to the
// exchange service (sharing) when it runs, and refused with 403 when not.
func (s *Server) record(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code, key := resourceCode(r), r.PathValue("key")
	if s.Exchange != nil && !s.Exchange.Provides(ctx, code) {
		return s.ExchangeRecord(w, r)
	}
	if s.Ingest == nil {
		return errNoIngest
	}
	q := r.URL.Query()
	if history, _ := strconv.ParseBool(q.Get("history")); history {
		list, err := s.Ingest.RecordHistory(ctx, code, key)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, map[string]any{"items": list})
	}
	var asOf time.Time
	if v := q.Get("asOf"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			d, derr := time.ParseInLocation(time.DateOnly, v, time.FixedZone("CST", 8*3600))
			if derr != nil {
				var val huitong.Validation
				val.Add("asOf", "format", "应为日期 2026-01-31(当日结束时) 或 RFC 3339 时间")
				return val.Err()
			}
			t = d.Add(24*time.Hour - time.Nanosecond) // the end of that day in China
		}
		asOf = t
	}
	rec, err := s.Ingest.Record(ctx, code, key, asOf)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (s *Server) listDisputes(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	offset, limit, err := page(r)
	if err != nil {
		return err
	}
	f := huitong.DisputeFilter{Status: huitong.DisputeStatus(q.Get("status")), Department: q.Get("department"), Authority: q.Get("authority"),
		Provider: q.Get("provider"), Resource: q.Get("resource"), Element: q.Get("element"), Subject: q.Get("subject"), Offset: offset, Limit: limit}
	switch f.Status {
	case "", huitong.DisputeOpen, huitong.DisputeConfirmed, huitong.DisputeCorrected, huitong.DisputeResolved:
	default:
		var v huitong.Validation
		v.Add("status", "enum", "应为 open、confirmed、corrected 或 resolved")
		return v.Err()
	}
	f.Overdue, _ = strconv.ParseBool(q.Get("overdue"))
	list, total, err := s.Ingest.Quality.Disputes(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"items": list, "total": total})
}
