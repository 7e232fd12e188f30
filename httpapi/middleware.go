package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"regexp"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type ctxKey int

const (
	requestIDKey ctxKey = iota
	logAttrsKey
)

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

type logAttrs struct {
	mu    sync.Mutex
	attrs []any
}

// setLogAttr adds an attribute to the request's access-log line.
func setLogAttr(ctx context.Context, key string, v any) {
	if la, ok := ctx.Value(logAttrsKey).(*logAttrs); ok {
		la.mu.Lock()
		la.attrs = append(la.attrs, key, v)
		la.mu.Unlock()
	}
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// Metrics are the HTTP metrics exported at /metrics.
type Metrics struct {
	Requests *prometheus.CounterVec
	Duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "huitong_http_requests_total", Help: "HTTP requests by route and status."}, []string{"route", "code"}),
		Duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "huitong_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"route"}),
	}
	reg.MustRegister(m.Requests, m.Duration)
	return m
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware wraps the whole server: a request id (taken from X-Request-Id
// when well-formed, else made), panic recovery, security headers, one JSON
// access-log line per request, and metrics by route pattern.
func Middleware(next http.Handler, log *slog.Logger, m *Metrics) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		la := &logAttrs{}
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey, id), logAttrsKey, la)
		r = r.WithContext(ctx)
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				log.ErrorContext(ctx, "panic", "requestId", id, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					http.Error(sw, `{"error":{"code":"internal","message":"内部错误","requestId":"`+id+`"}}`, http.StatusInternalServerError)
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			if sw.status == 0 {
				sw.status = http.StatusOK
			}
			elapsed := time.Since(start)
			if m != nil {
				m.Requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
				m.Duration.WithLabelValues(route).Observe(elapsed.Seconds())
			}
			attrs := []any{"requestId", id, "method", r.Method, "path", r.URL.Path, "route", route, "status", sw.status,
				"bytes", sw.bytes, "ms", float64(elapsed.Microseconds()) / 1000, "remote", r.RemoteAddr}
			la.mu.Lock()
			attrs = append(attrs, la.attrs...)
			la.mu.Unlock()
			level := slog.LevelInfo
			if sw.status >= 500 {
				level = slog.LevelError
			}
			log.Log(ctx, level, "http", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}
