package ingest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"huitong"
	"huitong/gbcode"
)

// source yields the rows of a delivery.
type source interface {
	// columns returns the column names known so far: the header of a
	// CSV or Excel file; for JSON lines every key seen so far.
	columns() []string
	// next returns the next data row: its number as the provider sees it
	// and its cells aligned with columns(), or bad for a row that could
	// not be read at all. io.EOF at the end; other errors end the batch.
	next() (row int, cells []string, bad *huitong.Reject, err error)
	// meta describes what was read.
	meta() *sourceMeta
}

// sourceMeta is what a source tells about the file.
type sourceMeta struct {
	encoding    string
	sheet       string
	otherSheets []string
	skipped     int // blank rows and title rows above the header
	notes       []string
	excelDates  bool // numeric cells of date items are Excel serial dates
	merged      map[int]map[int]bool
}

// errTooLarge ends reading when the file passes the configured size.
type tooLargeError struct{ limit int64 }

func (e *tooLargeError) Error() string { return fmt.Sprintf("file larger than %d bytes", e.limit) }

// meter counts and hashes what is read through it and stops past max.
type meter struct {
	r   io.Reader
	n   int64
	max int64
	h   hash.Hash
}

func newMeter(r io.Reader, max int64) *meter { return &meter{r: r, max: max, h: sha256.New()} }

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.h.Write(p[:n])
	m.n += int64(n)
	if m.max > 0 && m.n > m.max {
		return n, &tooLargeError{limit: m.max}
	}
	if err != nil && err != io.EOF {
		err = &readError{err}
	}
	return n, err
}

// readError is a failure to read the delivery itself (a dropped upload),
// as opposed to a database error.
type readError struct{ err error }

func (e *readError) Error() string { return "read delivery: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func (m *meter) sum() string { return hex.EncodeToString(m.h.Sum(nil)) }

// cleanHeader turns a header cell into a column name: normalised, without
// the marks templates put on required columns ("*", "（必填）").
func cleanHeader(s string) string {
	s = gbcode.Normalize(s)
	for _, sfx := range []string{"（必填）", "(必填)", "*", "＊"} {
		s = strings.TrimSpace(strings.TrimSuffix(s, sfx))
	}
	return strings.TrimPrefix(s, "*")
}

// --- CSV ---

type csvSource struct {
	r      *csvReader
	dec    *decoder
	header []string
	cells  []string
	m      sourceMeta
}

func newCSVSource(br *bufio.Reader, maxRecord int) (*csvSource, error) {
	enc, text, err := detectEncoding(br)
	if err != nil {
		return nil, err
	}
	sample, _ := text.Peek(4096)
	s := &csvSource{r: newCSVReader(text, sniffDelimiter(sample), maxRecord), dec: newDecoder(enc), m: sourceMeta{encoding: enc}}
	for {
		raw, err := s.r.next()
		switch {
		case err == io.EOF:
			return nil, unreadable("empty", "文件为空：没有表头")
		case errors.Is(err, errTooLong), errors.Is(err, errUnterminated):
			return nil, unreadable("header", "第 %d 行表头无法读取(过长或引号未闭合)", s.r.rec)
		case err != nil:
			return nil, err
		}
		if blank(raw) {
			s.m.skipped++
			continue
		}
		cells, why := s.dec.decodeRecord(raw, nil)
		if why != "" {
			return nil, unreadable("encoding", "第 %d 行表头无法解码: %s", s.r.rec, why)
		}
		for _, c := range cells {
			s.header = append(s.header, cleanHeader(c))
		}
		for len(s.header) > 0 && s.header[len(s.header)-1] == "" {
			s.header = s.header[:len(s.header)-1] // trailing empty columns
		}
		return s, nil
	}
}

func blank(raw [][]byte) bool {
	for _, f := range raw {
		if len(bytes.TrimSpace(f)) > 0 {
			return false
		}
	}
	return true
}

func (s *csvSource) columns() []string { return s.header }
func (s *csvSource) meta() *sourceMeta { return &s.m }

func (s *csvSource) next() (int, []string, *huitong.Reject, error) {
	for {
		raw, err := s.r.next()
		row := s.r.rec
		switch {
		case err == io.EOF:
			return 0, nil, nil, io.EOF
		case errors.Is(err, errTooLong):
			return row, nil, &huitong.Reject{Row: row, Rule: "too_long", Message: fmt.Sprintf("该行超过 %d 字节的上限，可能有未闭合的引号；已跳过该行", s.r.max)}, nil
		case errors.Is(err, errUnterminated):
			return row, nil, &huitong.Reject{Row: row, Rule: "quote", Message: "引号未闭合：从该行起到文件末尾都在一个带引号的值里"}, nil
		case err != nil:
			return 0, nil, nil, err
		}
		if blank(raw) {
			s.m.skipped++
			continue
		}
		cells, why := s.dec.decodeRecord(raw, s.cells)
		if why != "" {
			return row, nil, &huitong.Reject{Row: row, Rule: "encoding", Value: rawValue(raw), Message: why}, nil
		}
		s.cells = cells
		if n := len(cells); n != len(s.header) {
			for n > len(s.header) && strings.TrimSpace(cells[n-1]) == "" {
				n--
			}
			if n != len(s.header) {
				return row, nil, &huitong.Reject{Row: row, Rule: "columns", Value: strconv.Itoa(len(cells)), Cells: slices.Clone(cells),
					Message: fmt.Sprintf("该行有 %d 列，表头有 %d 列；请检查分隔符和引号", len(cells), len(s.header))}, nil
			}
			cells = cells[:n]
		}
		return row, cells, nil, nil
	}
}

// --- JSON lines ---

type ndjsonSource struct {
	br     *bufio.Reader
	max    int
	line   int
	header []string
	index  map[string]int
	cells  []string
	buf    []byte
	m      sourceMeta
}

func newNDJSONSource(br *bufio.Reader, maxRecord int) (*ndjsonSource, error) {
	enc, text, err := detectEncoding(br)
	if err != nil {
		return nil, err
	}
	if enc != encUTF8 {
		return nil, unreadable("encoding", "JSON Lines 文件必须是 UTF-8 编码(RFC 8259)，检测到 %s", enc)
	}
	return &ndjsonSource{br: text, max: maxRecord, index: map[string]int{}, m: sourceMeta{encoding: enc}}, nil
}

func (s *ndjsonSource) columns() []string { return s.header }
func (s *ndjsonSource) meta() *sourceMeta { return &s.m }

// readLine returns the next line without its end, or errTooLong (the line
// is skipped).
func (s *ndjsonSource) readLine() ([]byte, error) {
	s.buf = s.buf[:0]
	for {
		chunk, err := s.br.ReadSlice('\n')
		if len(s.buf)+len(chunk) <= s.max {
			s.buf = append(s.buf, chunk...)
		} else {
			s.buf = s.buf[:0]
			for err == bufio.ErrBufferFull {
				_, err = s.br.ReadSlice('\n')
			}
			if err != nil && err != io.EOF {
				return nil, err
			}
			return nil, errTooLong
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil:
			return bytes.TrimRight(s.buf, "\r\n"), nil
		case io.EOF:
			if len(s.buf) == 0 {
				return nil, io.EOF
			}
			return bytes.TrimRight(s.buf, "\r\n"), nil
		default:
			return nil, err
		}
	}
}

func (s *ndjsonSource) next() (int, []string, *huitong.Reject, error) {
	for {
		line, err := s.readLine()
		if err == io.EOF {
			return 0, nil, nil, io.EOF
		}
		s.line++
		row := s.line
		if errors.Is(err, errTooLong) {
			return row, nil, &huitong.Reject{Row: row, Rule: "too_long", Message: fmt.Sprintf("该行超过 %d 字节的上限，已跳过", s.max)}, nil
		} else if err != nil {
			return 0, nil, nil, err
		}
		if len(bytes.TrimSpace(line)) == 0 {
			s.m.skipped++
			continue
		}
		value := func() string {
			v := string(line)
			if len(v) > 200 {
				v = v[:200] + "…"
			}
			return strings.ToValidUTF8(v, "\uFFFD")
		}
		if !utf8.Valid(line) {
			return row, nil, &huitong.Reject{Row: row, Rule: "encoding", Value: rawValue([][]byte{line}), Message: "该行含无效的 UTF-8 字节"}, nil
		}
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil || dec.More() {
			msg := "该行不是一个 JSON 对象"
			if err != nil {
				msg += ": " + err.Error()
			}
			return row, nil, &huitong.Reject{Row: row, Rule: "json", Value: value(), Message: msg}, nil
		}
		if obj == nil {
			return row, nil, &huitong.Reject{Row: row, Rule: "json", Value: value(), Message: "该行是 null，应为 JSON 对象"}, nil
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, ok := s.index[k]; !ok {
				s.index[k] = len(s.header)
				s.header = append(s.header, k)
			}
		}
		s.cells = s.cells[:0]
		for range s.header {
			s.cells = append(s.cells, "")
		}
		for _, k := range keys {
			var v string
			switch x := obj[k].(type) {
			case nil:
			case string:
				v = x
			case json.Number:
				v = x.String()
			case bool:
				v = strconv.FormatBool(x)
			default:
				return row, nil, &huitong.Reject{Row: row, Item: k, Rule: "type", Value: value(), Message: fmt.Sprintf("“%s”的值是 JSON 对象或数组，应为字符串、数字或布尔值", k)}, nil
			}
			s.cells[s.index[k]] = v
		}
		return row, s.cells, nil, nil
	}
}
