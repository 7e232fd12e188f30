package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/ingest"
)

// DefaultMaxUpload is the largest file the 数据上报 page accepts when
// Server.MaxUpload is zero: 2 GiB. The file is streamed into the delivery,
// never held, so the limit bounds time and disk, not memory. The ingest
// service applies its own limits too (HUITONG_INGEST_MAX_SIZE, and a
// smaller one for Excel files, which are unzipped in memory).
const DefaultMaxUpload int64 = 2 << 30

// uploadFieldMax caps each form field before the file part.
const uploadFieldMax = 4 << 10

// uploadDrain is how much of a refused upload is read and discarded before
// answering, so that a browser still sending a small file sees the answer
// instead of a reset connection.
const uploadDrain = 32 << 20

func (s *Server) maxUpload() int64 {
	if s.MaxUpload > 0 {
		return s.MaxUpload
	}
	return DefaultMaxUpload
}

// humanSize writes a byte count for people: 2 GiB, 100 MiB, 12 KiB.
func humanSize(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n >= u.size {
			if n%u.size == 0 {
				return fmt.Sprintf("%d %s", n/u.size, u.name)
			}
			return fmt.Sprintf("%.1f %s", float64(n)/float64(u.size), u.name)
		}
	}
	return fmt.Sprintf("%d 字节", n)
}

// uploadResource is one of the department's table resources with its
// items, the columns a file for it carries.
type uploadResource struct {
	Code, Name string
	Items      []huitong.Item
	Selected   bool
}

// uploadData is the 数据上报 form.
type uploadData struct {
	Resources []uploadResource
	Resource  string
	Mode      string
	Sheet     string
	Message   string
	Errors    map[string][]string
	MaxUpload string
	MaxXLSX   string
}

// uploadView loads the department's table resources for the form.
func (s *Server) uploadView(r *http.Request, rq *request, d *uploadData) (*view, error) {
	ctx := r.Context()
	list, err := s.tableResources(ctx, rq.p.Department)
	if err != nil {
		return nil, err
	}
	found := false
	for _, sum := range list {
		res, err := s.Catalog.Published(ctx, sum.Code)
		if err != nil {
			continue
		}
		ur := uploadResource{Code: res.Code, Name: res.Name, Items: res.Items, Selected: res.Code == d.Resource}
		found = found || ur.Selected
		d.Resources = append(d.Resources, ur)
	}
	if !found && len(d.Resources) > 0 {
		d.Resources[0].Selected = true
		d.Resource = d.Resources[0].Code
	}
	if d.Mode == "" {
		d.Mode = string(huitong.ModeIncremental)
	}
	d.MaxUpload, d.MaxXLSX = humanSize(s.maxUpload()), humanSize(min(s.maxUpload(), s.Ingest.Config().MaxXLSXSize))
	return s.newView(r, rq, "数据上报", "gov-upload", d), nil
}

func (s *Server) uploadPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	v, err := s.uploadView(r, rq, &uploadData{Resource: strings.TrimSpace(r.URL.Query().Get("resource"))})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "governance_upload", v)
}

// streamed wraps a multipart POST handler that reads its own body as a
// stream instead of having it parsed first (page parses at most maxForm,
// or buffers a multipart body). Like page it denies by default: no valid
// session, no handler; and a browser's Origin header must name this host.
// NB: the CSRF token is the handler's to check, from the form field that
// comes before the file, and before it reads the file.
func (s *Server) streamed(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPageHeaders(w)
		rq, err := s.authenticate(r)
		if huitong.ErrorCode(err) == huitong.EUNAUTHORIZED {
			s.clearCookie(w, sessionCookie, "/")
			http.Redirect(w, r, "/login?next="+url.QueryEscape("/"), http.StatusSeeOther)
			return
		} else if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if !sameOrigin(r) {
			s.fail(w, r, rq, huitong.Errorf(huitong.EFORBIDDEN, "请求来源与本站不符，已拒绝"))
			return
		}
		r = r.WithContext(huitong.WithPrincipal(r.Context(), rq.p))
		if err := fn(w, r, rq); err != nil {
			s.fail(w, r, rq, err)
		}
	})
}

// errUploadTooLarge ends the file stream at the page's limit.
var errUploadTooLarge = errors.New("web: upload over the limit")

// capReader passes at most left bytes of r, then fails with
// errUploadTooLarge and remembers that it did.
type capReader struct {
	r        io.Reader
	left     int64
	exceeded bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		// One byte more tells a file of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := c.r.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		c.exceeded = true
		return 0, errUploadTooLarge
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// upload reads the 数据上报 form as a stream: the CSRF token, resource,
// mode and sheet fields first (the form puts the file last), then the file
// part, which goes straight into ingest.Service.Deliver without being
// held in memory or on disk. The service decides who may deliver.
func (s *Server) upload(w http.ResponseWriter, r *http.Request, rq *request) error {
	limit := s.maxUpload()
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20) // the file plus the other fields and boundaries
	mr, err := r.MultipartReader()
	if err != nil {
		return huitong.Errorf(huitong.EINVALID, "上传内容无法解析：请使用数据上报页面的表单(multipart/form-data)提交")
	}
	d := &uploadData{}
	csrfOK := false
	for n := 0; ; n++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return huitong.Errorf(huitong.ETOOLARGE, "上传的内容超过 %s 上限", humanSize(limit))
			}
			return huitong.Errorf(huitong.EINVALID, "上传内容无法解析：表单数据不完整")
		}
		name := part.FormName()
		if name == "file" {
			if !csrfOK {
				return huitong.Errorf(huitong.EFORBIDDEN, "表单已失效或缺少安全令牌，请返回上一页刷新后重试")
			}
			return s.deliverPart(w, r, rq, d, part, limit)
		}
		if n >= 20 {
			return huitong.Errorf(huitong.EINVALID, "上传表单的字段过多")
		}
		raw, err := io.ReadAll(io.LimitReader(part, uploadFieldMax+1))
		if err != nil {
			return huitong.Errorf(huitong.EINVALID, "上传内容无法解析：表单数据不完整")
		}
		if len(raw) > uploadFieldMax {
			return huitong.Errorf(huitong.EINVALID, "表单字段 %s 过长", name)
		}
		v := string(raw)
		switch name {
		case csrfField:
			if rq.csrf == "" || v == "" || subtle.ConstantTimeCompare([]byte(v), []byte(rq.csrf)) != 1 {
				return huitong.Errorf(huitong.EFORBIDDEN, "表单已失效或缺少安全令牌，请返回上一页刷新后重试")
			}
			csrfOK = true
		case "resource":
			d.Resource = strings.TrimSpace(v)
		case "mode":
			d.Mode = strings.TrimSpace(v)
		case "sheet":
			d.Sheet = strings.TrimSpace(v)
		}
	}
	if !csrfOK {
		return huitong.Errorf(huitong.EFORBIDDEN, "表单已失效或缺少安全令牌，请返回上一页刷新后重试")
	}
	return s.uploadRefused(w, r, rq, d, http.StatusUnprocessableEntity, map[string][]string{"file": {"请选择要上报的文件"}})
}

// deliverPart streams the file part into a delivery and sends the browser
// to the batch report.
func (s *Server) deliverPart(w http.ResponseWriter, r *http.Request, rq *request, d *uploadData, part *multipart.Part, limit int64) error {
	fileName := part.FileName()
	var fe map[string][]string
	if d.Resource == "" {
		fe = map[string][]string{"resource": {"请选择要上报数据的资源"}}
	} else if fileName == "" {
		fe = map[string][]string{"file": {"请选择要上报的文件"}}
	}
	if fe != nil {
		io.CopyN(io.Discard, part, uploadDrain)
		return s.uploadRefused(w, r, rq, d, http.StatusUnprocessableEntity, fe)
	}
	format := ingest.FormatFor("", fileName)
	if format == "" {
		format = ingest.FormatFor(part.Header.Get("Content-Type"), "")
	}
	// A large file takes longer than the server's read timeout; the
	// delivery's own time limit applies instead, as for the API.
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.Ingest.Config().PullTimeout))
	body := &capReader{r: part, left: limit}
	b, err := s.Ingest.Deliver(r.Context(), d.Resource, body, ingest.Options{Format: format, Mode: huitong.DeliveryMode(d.Mode),
		Sheet: d.Sheet, FileName: fileName, Source: "upload"})
	if b == nil {
		switch huitong.ErrorCode(err) {
		case huitong.EINVALID, huitong.ECONFLICT:
			io.CopyN(io.Discard, part, uploadDrain)
			d.Errors, d.Message = fieldErrs(err)
			status := http.StatusUnprocessableEntity
			if huitong.ErrorCode(err) == huitong.ECONFLICT {
				status = http.StatusConflict
			}
			return s.uploadRefused(w, r, rq, d, status, d.Errors)
		}
		io.CopyN(io.Discard, part, uploadDrain)
		return err
	}
	target := "/governance/batches/" + strconv.FormatInt(b.ID, 10)
	switch {
	case body.exceeded:
		s.redirect(w, r, target, true, fmt.Sprintf("文件超过网页上报 %s 的上限，批次 %d 已中止；此前已确认的 %d 行已入库。更大的文件请用接口或 huitong import 命令交付。",
			humanSize(limit), b.ID, b.Accepted))
	case err != nil || b.Status == huitong.BatchFailed:
		msg := b.Error
		if msg == "" {
			msg = "批次处理失败"
		}
		s.redirect(w, r, target, true, msg)
	case b.DuplicateOf != 0:
		s.redirect(w, r, target, false, fmt.Sprintf("文件与批次 %d 的内容完全相同，重复上报未改变任何数据", b.DuplicateOf))
	default:
		s.redirect(w, r, target, false, fmt.Sprintf("已接收 %d 行：入库 %d 行，拒收 %d 行", b.Received, b.Accepted, b.Rejected))
	}
	return nil
}

// uploadRefused shows the form again with what is wrong.
func (s *Server) uploadRefused(w http.ResponseWriter, r *http.Request, rq *request, d *uploadData, status int, errs map[string][]string) error {
	d.Errors = errs
	if d.Message == "" {
		d.Message = "请更正标出的内容"
	}
	v, err := s.uploadView(r, rq, d)
	if err != nil {
		return err
	}
	return s.render(w, r, status, "governance_upload", v)
}
