package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"huitong"
)

// verifyBody is the body of POST /resources/{code}/verify.
type verifyBody struct {
	Key     string            `json:"key"`
	Values  map[string]string `json:"values"`
	Purpose string            `json:"purpose"`
	Case    string            `json:"case"`
	Grant   int64             `json:"grant"`
}

// decodeVerify reads a verification's body, the request of every 核验. A
// body in the plain form clients send (the fields by their names, strings
// without escapes, valid UTF-8) is read directly; anything else, and every
// error, goes through decode's encoding/json path, so the result and the
// refusals are the same either way (TestDecodeVerifyMatchesDecode).
func (s *Server) decodeVerify(w http.ResponseWriter, r *http.Request, in *verifyBody) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return s.decode(w, r, in) // refuses it
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBody))
	if err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return huitong.Errorf(huitong.ETOOLARGE, "请求体超过 %d 字节的上限", maxErr.Limit)
		}
		return huitong.Errorf(huitong.EINVALID, "请求体无法读取: %s", err.Error())
	}
	if scanVerifyBody(b, in) {
		return nil
	}
	*in = verifyBody{}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return s.decode(w, r, in)
}

// scanVerifyBody reads b in the plain form into in; false (in partly
// filled) when b is not in it.
func scanVerifyBody(b []byte, in *verifyBody) bool {
	if !utf8.Valid(b) || bytes.IndexByte(b, '\\') >= 0 {
		return false
	}
	p := plainScanner{b: b}
	if !p.byte('{') {
		return false
	}
	seen := map[string]bool{}
	if p.peek() == '}' {
		p.i++
		return p.end()
	}
	for {
		k, ok := p.str()
		if !ok || seen[k] || !p.byte(':') {
			return false
		}
		seen[k] = true
		switch k {
		case "key":
			in.Key, ok = p.str()
		case "purpose":
			in.Purpose, ok = p.str()
		case "case":
			in.Case, ok = p.str()
		case "grant":
			in.Grant, ok = p.int()
		case "values":
			in.Values, ok = p.strMap()
		default:
			return false // unknown, or another spelling: encoding/json decides
		}
		if !ok {
			return false
		}
		switch p.next() {
		case ',':
		case '}':
			return p.end()
		default:
			return false
		}
	}
}

// plainScanner reads JSON without escapes.
type plainScanner struct {
	b []byte
	i int
}

func (p *plainScanner) ws() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

func (p *plainScanner) peek() byte {
	p.ws()
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *plainScanner) next() byte {
	c := p.peek()
	if c != 0 {
		p.i++
	}
	return c
}

func (p *plainScanner) byte(c byte) bool { return p.next() == c }

func (p *plainScanner) end() bool {
	p.ws()
	return p.i == len(p.b)
}

func (p *plainScanner) str() (string, bool) {
	if p.peek() != '"' {
		return "", false
	}
	j := bytes.IndexByte(p.b[p.i+1:], '"')
	if j < 0 {
		return "", false
	}
	s := p.b[p.i+1 : p.i+1+j]
	for _, c := range s {
		if c < 0x20 {
			return "", false
		}
	}
	p.i += j + 2
	return string(s), true
}

func (p *plainScanner) int() (int64, bool) {
	p.ws()
	j := p.i
	if j < len(p.b) && p.b[j] == '-' {
		j++
	}
	k := j
	for k < len(p.b) && p.b[k] >= '0' && p.b[k] <= '9' {
		k++
	}
	if k == j || (p.b[j] == '0' && k-j > 1) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(p.b[p.i:k]), 10, 64)
	if err != nil {
		return 0, false
	}
	p.i = k
	return n, true
}

func (p *plainScanner) strMap() (map[string]string, bool) {
	if !p.byte('{') {
		return nil, false
	}
	m := map[string]string{}
	if p.peek() == '}' {
		p.i++
		return m, true
	}
	for {
		k, ok := p.str()
		if !ok || !p.byte(':') {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		m[k] = v
		switch p.next() {
		case ',':
		case '}':
			return m, true
		default:
			return nil, false
		}
	}
}
