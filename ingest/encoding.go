package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"huitong"
)

// Text encodings of delivered files.
const (
	encUTF8    = "utf-8"
	encGB18030 = "gb18030" // GB 18030-2005, a superset of GBK and GB 2312
	encUTF16LE = "utf-16le"
	encUTF16BE = "utf-16be"
)

// sampleSize is how much of a text file is examined to tell its encoding.
const sampleSize = 64 << 10

// unreadable returns the EINVALID error for a file that cannot be read at
// all, with the stable rule under the field "file".
func unreadable(rule, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &huitong.Error{Code: huitong.EINVALID, Message: msg, Fields: []huitong.FieldError{{Field: "file", Rule: rule, Message: msg}}}
}

// magic recognises binary formats sent where text was expected.
func magic(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "这是 ZIP 压缩文件(Excel .xlsx 也是)；Excel 文件请以 xlsx 格式交付(Content-Type: " + XLSXType + ")"
	case bytes.HasPrefix(b, []byte("\xD0\xCF\x11\xE0")):
		return "这是旧版 Excel(.xls) 或 Office 97-2003 文件，不支持；请另存为 .xlsx 或 CSV"
	case bytes.HasPrefix(b, []byte("%PDF")):
		return "这是 PDF 文件，不是数据文件"
	case bytes.HasPrefix(b, []byte("\x1F\x8B")):
		return "这是 gzip 压缩文件；请交付未压缩的 CSV"
	case bytes.HasPrefix(b, []byte("\x89PNG")), bytes.HasPrefix(b, []byte("\xFF\xD8\xFF")), bytes.HasPrefix(b, []byte("GIF8")):
		return "这是图片文件，不是数据文件"
	}
	return ""
}

// detectEncoding looks at the start of br and returns the encoding of the
// text and a reader of it that yields that encoding's bytes with any byte
// order mark removed (UTF-16 is decoded to UTF-8, and bare CR line ends
// become LF). It refuses empty input, binary data and text that is neither
// UTF-8 nor GB 18030.
//
// Mixed files are decided by majority over the lines of the sample: a
// UTF-8 file with some GBK lines is UTF-8 and those lines are rejected one
// by one (rule encoding) as they come, and the other way round.
func detectEncoding(br *bufio.Reader) (string, *bufio.Reader, error) {
	sample, err := br.Peek(sampleSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return "", nil, err
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(sample, []byte("\xEF\xBB\xBF")))) == 0 {
		return "", nil, unreadable("empty", "文件为空：没有表头也没有数据行")
	}
	if m := magic(sample); m != "" {
		return "", nil, unreadable("binary", "文件不是文本格式的数据: %s", m)
	}
	switch {
	case bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")):
		br.Discard(3)
		return encUTF8, crlf(br, sample[3:]), nil
	case bytes.HasPrefix(sample, []byte("\xFF\xFE")), bytes.HasPrefix(sample, []byte("\xFE\xFF")):
		enc, end := encUTF16LE, unicode.LittleEndian
		if sample[0] == 0xFE {
			enc, end = encUTF16BE, unicode.BigEndian
		}
		dec := unicode.UTF16(end, unicode.ExpectBOM).NewDecoder()
		r := bufio.NewReaderSize(transform.NewReader(br, dec), 64<<10)
		s, _ := r.Peek(sampleSize)
		return enc, crlf(r, s), nil
	}
	if bytes.IndexByte(sample, 0) >= 0 {
		return "", nil, unreadable("binary", "文件含二进制数据(NUL 字节)，不是 CSV 或 JSON Lines 文本；若是 UTF-16 文本请保存时带字节顺序标记(BOM)")
	}
	// Judge line by line, leaving out a last line the sample may have cut.
	body := sample
	if len(sample) == sampleSize {
		if i := bytes.LastIndexByte(sample, '\n'); i > 0 {
			body = sample[:i]
		}
	}
	var utf8Lines, gbLines, badLines int
	for _, line := range bytes.Split(body, []byte("\n")) {
		if ascii(line) {
			continue
		}
		switch {
		case utf8.Valid(line):
			utf8Lines++
		case validGB18030(line):
			gbLines++
		default:
			badLines++
		}
	}
	switch {
	case utf8Lines == 0 && gbLines == 0 && badLines == 0:
		return encUTF8, crlf(br, sample), nil // plain ASCII
	case badLines > utf8Lines+gbLines:
		return "", nil, unreadable("encoding", "无法识别文件编码：既不是 UTF-8 也不是 GBK/GB18030(%d 行无法解码)；若不是文本文件请检查上传的文件", badLines)
	case gbLines > utf8Lines:
		return encGB18030, crlf(br, sample), nil
	}
	return encUTF8, crlf(br, sample), nil
}

func ascii(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}

// validGB18030 reports whether b is well-formed GB 18030: one-byte ASCII,
// two-byte 81-FE 40-7E/80-FE, four-byte 81-FE 30-39 81-FE 30-39.
func validGB18030(b []byte) bool {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
		case c == 0x80 || c == 0xFF:
			return false
		case i+1 < len(b) && (b[i+1] >= 0x40 && b[i+1] <= 0xFE && b[i+1] != 0x7F):
			i += 2
		case i+3 < len(b) && b[i+1] >= 0x30 && b[i+1] <= 0x39 && b[i+2] >= 0x81 && b[i+2] <= 0xFE && b[i+3] >= 0x30 && b[i+3] <= 0x39:
			i += 4
		default:
			return false
		}
	}
	return true
}

// crlf returns br, or a reader turning bare CR line ends into LF when the
// sample has CRs but no LF at all (classic Mac line ends).
func crlf(br *bufio.Reader, sample []byte) *bufio.Reader {
	if bytes.IndexByte(sample, '\r') < 0 || bytes.IndexByte(sample, '\n') >= 0 {
		return br
	}
	return bufio.NewReaderSize(transform.NewReader(br, crToLF{}), 64<<10)
}

// crToLF replaces every CR with LF.
type crToLF struct{ transform.NopResetter }

func (crToLF) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	n := copy(dst, src)
	for i := 0; i < n; i++ {
		if dst[i] == '\r' {
			dst[i] = '\n'
		}
	}
	if n < len(src) {
		return n, n, transform.ErrShortDst
	}
	return n, n, nil
}

// decoder turns fields of the detected encoding into UTF-8 strings.
type decoder struct {
	enc  string
	gb   *encoding.Decoder
	buf  []byte // the decoded fields of a record, one after the other
	ends []int
}

func newDecoder(enc string) *decoder {
	return &decoder{enc: enc, gb: simplifiedchinese.GB18030.NewDecoder()}
}

// decodeRecord checks the raw bytes of one record against the file's
// encoding and decodes its fields. It returns ok false with a reason when
// the record is in another encoding than the file (mixed encodings) or has
// bytes that do not decode. The fields are cut from one string per record:
// one allocation per row rather than one per cell.
func (d *decoder) decodeRecord(raw [][]byte, out []string) ([]string, string) {
	d.buf, d.ends = d.buf[:0], d.ends[:0]
	if d.enc == encGB18030 {
		for _, f := range raw {
			if ascii(f) {
				d.buf = append(d.buf, f...)
				d.ends = append(d.ends, len(d.buf))
				continue
			}
			if utf8.Valid(f) {
				return nil, "该行为 UTF-8 编码，而文件其余部分为 GBK/GB18030；请统一文件编码"
			}
			if !validGB18030(f) {
				return nil, "该行含无法按 GBK/GB18030 解码的字节"
			}
			s, err := d.gb.Bytes(f)
			if err != nil {
				return nil, "该行含无法按 GBK/GB18030 解码的字节"
			}
			d.buf = append(d.buf, s...)
			d.ends = append(d.ends, len(d.buf))
		}
	} else {
		for _, f := range raw {
			if !utf8.Valid(f) {
				if validGB18030(f) {
					return nil, "该行为 GBK/GB18030 编码，而文件其余部分为 UTF-8；请统一文件编码"
				}
				return nil, "该行含无效的 UTF-8 字节"
			}
			d.buf = append(d.buf, f...)
			d.ends = append(d.ends, len(d.buf))
		}
	}
	all := string(d.buf)
	out, start := out[:0], 0
	for _, e := range d.ends {
		out = append(out, all[start:e])
		start = e
	}
	return out, ""
}

// rawValue shows bytes that did not decode, for a reject: printable text
// as it is, other bytes escaped, at most 200 characters.
func rawValue(raw [][]byte) string {
	s := fmt.Sprintf("%q", bytes.Join(raw, []byte(",")))
	return shorten(s[1 : len(s)-1])
}
