package gbcode

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Mobile validates a mainland China mobile number and returns its 11 digits.
// Spaces, dashes ('-', '－') and a country prefix "+86", "0086" or "86"
// (the last only before 11 further digits) are removed first. Rules: empty;
// charset (anything else than digits left); length (not 11 digits); format
// (not 1 followed by 3-9 and nine more digits).
func Mobile(s string) (string, error) {
	m := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' || r == '－' {
			return -1
		}
		if r == '＋' {
			return '+'
		}
		return r
	}, Normalize(s))
	if m == "" {
		return "", fail(RuleEmpty, "手机号码不能为空")
	}
	switch {
	case strings.HasPrefix(m, "+86"):
		m = m[3:]
	case strings.HasPrefix(m, "0086"):
		m = m[4:]
	case len(m) == 13 && strings.HasPrefix(m, "86"):
		m = m[2:]
	}
	if pos, r := firstOutside(m, isDigit); pos > 0 {
		return "", fail(RuleCharset, fmt.Sprintf("手机号码只能包含数字，第%d位为“%c”", pos, r))
	}
	if len(m) != 11 {
		return "", fail(RuleLength, fmt.Sprintf("手机号码应为11位数字，实际为%d位", len(m)))
	}
	if m[0] != '1' || m[1] < '3' {
		return "", fail(RuleFormat, "手机号码应以13至19开头，实际为"+m[:2])
	}
	return m, nil
}

// dateLayouts are the forms Date accepts.
var dateLayouts = [...]string{"2006-01-02", "2006/01/02", "20060102", "2006年1月2日"}

// Date parses a calendar date written as 2006-01-02, 2006/01/02, 20060102 or
// 2006年1月2日 (one- or two-digit month and day) after Normalize, and returns
// midnight UTC of that date. Rules: empty; format (none of the layouts, or a
// date that does not exist such as 2023-02-29, with a message saying which).
func Date(s string) (time.Time, error) {
	d := Normalize(s)
	if d == "" {
		return time.Time{}, fail(RuleEmpty, "日期不能为空")
	}
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, d)
		if err == nil {
			return t, nil
		}
		var pe *time.ParseError
		if errors.As(err, &pe) && strings.Contains(pe.Message, "out of range") {
			return time.Time{}, fail(RuleFormat, fmt.Sprintf("日期%s不存在：月份或日超出范围", d))
		}
	}
	if utf8.RuneCountInString(d) > 40 {
		d = string([]rune(d)[:40]) + "…"
	}
	return time.Time{}, fail(RuleFormat, fmt.Sprintf("日期“%s”格式不正确，应为2006-01-02、2006/01/02、20060102或2006年1月2日", d))
}
