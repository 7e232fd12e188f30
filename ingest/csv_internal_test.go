package ingest

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"huitong"
)

func TestCSVReader(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string // records, fields joined by |; "!long" and "!open" for the errors
	}{
		{"Plain", "a,b\nc,d\n", []string{"a|b", "c|d"}},
		{"NoFinalNewline", "a,b\nc,d", []string{"a|b", "c|d"}},
		{"CRLF", "a,b\r\nc,d\r\n", []string{"a|b", "c|d"}},
		{"Quoted", `"a,1","b""2"` + "\n", []string{`a,1|b"2`}},
		{"QuotedNewline", "\"a\r\nb\",c\n", []string{"a\nb|c"}},
		{"EmptyFields", ",,\n", []string{"||"}},
		{"StrayQuote", `ab"c,d` + "\n", []string{`ab"c|d`}},
		{"TextAfterQuote", `"ab"c,d` + "\n", []string{`abc|d`}},
		{"BlankLine", "a\n\nb\n", []string{"a", "", "b"}},
		{"TooLong", "a\n" + strings.Repeat("x", 100) + "\nb\n", []string{"a", "!long", "b"}},
		{"TooLongInQuotes", "a\n\"" + strings.Repeat("x", 100) + "\nb\n", []string{"a", "!long", "b"}},
		{"Unterminated", "a\n\"bc\n", []string{"a", "!open"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newCSVReader(bufio.NewReaderSize(strings.NewReader(c.in), 16), ',', 50)
			var got []string
			for {
				f, err := r.next()
				if err == io.EOF {
					break
				}
				switch {
				case errors.Is(err, errTooLong):
					got = append(got, "!long")
					continue
				case errors.Is(err, errUnterminated):
					got = append(got, "!open")
					continue
				case err != nil:
					t.Fatal(err)
				}
				var s []string
				for _, x := range f {
					s = append(s, string(x))
				}
				got = append(got, strings.Join(s, "|"))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func TestDetectEncoding(t *testing.T) {
	for _, c := range []struct {
		name, in, enc, rule string
	}{
		{"ASCII", "a,b\n1,2\n", encUTF8, ""},
		{"UTF8", "姓名\n张三\n", encUTF8, ""},
		{"GBK", "\xd0\xd5\xc3\xfb\n\xd5\xc5\xc8\xfd\n", encGB18030, ""},
		{"MostlyGBK", "\xd0\xd5\xc3\xfb\n\xd5\xc5\xc8\xfd\n\xc0\xee\xcb\xc4\n张三\n", encGB18030, ""},
		{"Empty", "", "", "empty"},
		{"NUL", "a\x00b\n", "", "binary"},
		{"Gzip", "\x1f\x8b\x08\x00", "", "binary"},
		{"Neither", "\x80\xff\x80\xff\n\xff\x80\n", "", "encoding"},
	} {
		t.Run(c.name, func(t *testing.T) {
			enc, _, err := detectEncoding(bufio.NewReader(strings.NewReader(c.in)))
			if enc != c.enc || fieldRule(err) != c.rule {
				t.Fatalf("got %q %v, want %q %q", enc, err, c.enc, c.rule)
			}
		})
	}
}

func fieldRule(err error) string {
	if f := huitong.ErrorFields(err); len(f) > 0 {
		return f[0].Rule
	}
	if err != nil {
		return err.Error()
	}
	return ""
}
