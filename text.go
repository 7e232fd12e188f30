package huitong

import (
	"fmt"
	"unicode/utf8"
)

// Hostile finds characters no value a department or citizen supplies may
// hold: bytes that did not decode (U+FFFD), control characters, and the
// bidirectional overrides that make text display other than it reads. It
// returns the rule ("encoding" or "charset") and a message naming the
// character, or "" when s is clean. With text, line breaks and tabs are
// allowed.
func Hostile(s string, text bool) (rule, msg string) {
	// Most values are printable ASCII: nothing to decode.
	i := 0
	for i < len(s) && s[i] >= 0x20 && s[i] < 0x7F {
		i++
	}
	if i == len(s) {
		return "", ""
	}
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			return "encoding", fmt.Sprintf("第%d个字节处有无法识别的字符(�)，可能是编码错误", i+1)
		case r == '\n' || r == '\r' || r == '\t':
			if !text {
				return "charset", "含换行符或制表符"
			}
		case r < 0x20 || r == 0x7F || (r >= 0x80 && r <= 0x9F):
			return "charset", fmt.Sprintf("含控制字符 U+%04X", r)
		case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
			return "charset", fmt.Sprintf("含双向文本控制字符 U+%04X，可能用于伪装内容", r)
		}
	}
	return "", ""
}
