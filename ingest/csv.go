package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// errTooLong is returned for a record longer than the limit; the reader
// has skipped to the next line and can go on.
var errTooLong = errors.New("record too long")

// csvReader reads RFC 4180 CSV from bytes of any ASCII-compatible
// encoding (UTF-8, GB 18030: their multi-byte sequences never contain the
// delimiter, quote, CR or LF). It handles quoted fields with delimiters,
// doubled quotes and line breaks, CRLF and LF line ends, and is lenient
// with a stray quote inside an unquoted field (kept as a character).
// Fields are returned as slices of an internal buffer valid until the next
// call. No record may exceed max bytes: an unterminated quote therefore
// costs at most max bytes of memory, never the rest of the file.
type csvReader struct {
	br     *bufio.Reader
	delim  byte
	max    int
	rec    int // number of the record last returned, the header being 1
	buf    []byte
	ends   []int
	fields [][]byte
	eof    bool
}

func newCSVReader(br *bufio.Reader, delim byte, max int) *csvReader {
	return &csvReader{br: br, delim: delim, max: max}
}

const (
	stFieldStart = iota
	stUnquoted
	stQuoted
	stQuoteInQuoted
)

// next returns the fields of the next record. A blank line is a record with
// one empty field. It returns io.EOF at the end, errTooLong for an
// oversized record (skipped), and errUnterminated when the file ends inside
// a quoted field.
func (r *csvReader) next() ([][]byte, error) {
	if r.eof {
		return nil, io.EOF
	}
	r.rec++
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	state := stFieldStart
	end := func() { r.ends = append(r.ends, len(r.buf)) }
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(chunk) == 0 && err == io.EOF {
			r.eof = true
			if state == stFieldStart && len(r.ends) == 0 && len(r.buf) == 0 {
				if r.rec > 0 {
					r.rec--
				}
				return nil, io.EOF
			}
			if state == stQuoted {
				return nil, errUnterminated
			}
			end()
			return r.finish()
		}
		if err != nil && err != bufio.ErrBufferFull && err != io.EOF {
			return nil, err
		}
		for i := 0; i < len(chunk); i++ {
			c := chunk[i]
			switch state {
			case stFieldStart:
				if c == '"' {
					state = stQuoted
					continue
				}
				state = stUnquoted
				fallthrough
			case stUnquoted:
				// Copy the run of plain bytes up to the next delimiter or
				// line end at once.
				j := i
				for j < len(chunk) && chunk[j] != r.delim && chunk[j] != '\n' && chunk[j] != '\r' {
					j++
				}
				r.buf = append(r.buf, chunk[i:j]...)
				if j == len(chunk) {
					i = j
					continue
				}
				i, c = j, chunk[j]
				switch c {
				case r.delim:
					end()
					state = stFieldStart
				case '\n':
					end()
					return r.finish()
				case '\r':
					if i+1 < len(chunk) && chunk[i+1] == '\n' || i+1 == len(chunk) {
						continue // CRLF, or CR at the end of a buffer-full chunk
					}
					r.buf = append(r.buf, c)
				default:
					r.buf = append(r.buf, c)
				}
			case stQuoted:
				switch {
				case c == '"':
					state = stQuoteInQuoted
				case c == '\r' && i+1 < len(chunk) && chunk[i+1] == '\n':
					// CRLF inside a quoted value is kept as LF.
				default:
					r.buf = append(r.buf, c)
				}
			case stQuoteInQuoted:
				switch c {
				case '"':
					r.buf = append(r.buf, '"')
					state = stQuoted
				case r.delim:
					end()
					state = stFieldStart
				case '\n':
					end()
					return r.finish()
				case '\r':
				default:
					// `"ab"c`: text after the closing quote, kept.
					r.buf = append(r.buf, c)
					state = stUnquoted
				}
			}
		}
		if len(r.buf) > r.max {
			return nil, r.skipLine()
		}
		if err == io.EOF {
			r.eof = true
			if state == stQuoted {
				return nil, errUnterminated
			}
			end()
			return r.finish()
		}
	}
}

// finish returns the record read, or errTooLong when it is over the limit.
func (r *csvReader) finish() ([][]byte, error) {
	if len(r.buf) > r.max {
		r.buf, r.ends = r.buf[:0], r.ends[:0]
		return nil, errTooLong
	}
	return r.split(), nil
}

// errUnterminated is a quoted field still open at the end of the file.
var errUnterminated = errors.New("unterminated quoted field")

// skipLine drops the rest of an oversized record: up to the next line end
// (a record cut inside quotes resumes at the next line, so one bad quote
// costs one rejected row, not the rest of the file).
func (r *csvReader) skipLine() error {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	for {
		_, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			r.eof = true
		} else if err != nil {
			return err
		}
		return errTooLong
	}
}

func (r *csvReader) split() [][]byte {
	r.fields = r.fields[:0]
	start := 0
	for _, e := range r.ends {
		r.fields = append(r.fields, r.buf[start:e])
		start = e
	}
	return r.fields
}

// sniffDelimiter picks the delimiter from the first line: a tab or a
// semicolon when the line has some and no commas, else a comma.
func sniffDelimiter(sample []byte) byte {
	line := sample
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if bytes.IndexByte(line, ',') >= 0 {
		return ','
	}
	if bytes.IndexByte(line, '\t') >= 0 {
		return '\t'
	}
	if bytes.IndexByte(line, ';') >= 0 {
		return ';'
	}
	return ','
}
