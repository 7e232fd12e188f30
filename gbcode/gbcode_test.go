package gbcode_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"huitong/gbcode"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "620102", "620102"},
		{"Trim", " \t620102\r\n", "620102"},
		{"IdeographicSpace", "\u3000620102\u3000", "620102"},
		{"ZeroWidthAndBOM", "\uFEFF620102\u200B", "620102"},
		{"FullWidthDigits", "６２０１０２", "620102"},
		{"FullWidthLetters", "Ａｂ９", "Ab9"},
		{"KeepsCase", "x", "x"},
		{"KeepsInnerSpace", "138 1234", "138 1234"},
		{"KeepsPunctuation", "２０２４－０１", "2024－01"},
		{"KeepsHan", "　甘肃省　", "甘肃省"},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gbcode.Normalize(tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestError(t *testing.T) {
	_, err := gbcode.CitizenID("123")
	if got, want := err.Error(), "length: 公民身份号码应为18位，实际为3位"; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	wrapped := fmt.Errorf("row 3: %w", err)
	if got := gbcode.RuleOf(wrapped); got != "length" {
		t.Errorf("RuleOf(wrapped): got %v, want length", got)
	}
	if got := gbcode.RuleOf(errors.New("other")); got != "" {
		t.Errorf("RuleOf(other): got %q, want empty", got)
	}
	if got := gbcode.RuleOf(nil); got != "" {
		t.Errorf("RuleOf(nil): got %q, want empty", got)
	}
}

func TestMobile(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		wantRule string
		wantMsg  string
	}{
		{name: "OK", in: "13812345678", want: "13812345678"},
		{name: "Spaces", in: "138 1234 5678", want: "13812345678"},
		{name: "Dashes", in: "138-1234-5678", want: "13812345678"},
		{name: "Plus86", in: "+86 138 1234 5678", want: "13812345678"},
		{name: "Plus86Dash", in: "+86-13812345678", want: "13812345678"},
		{name: "Bare86", in: "8613812345678", want: "13812345678"},
		{name: "0086", in: "0086 13812345678", want: "13812345678"},
		{name: "FullWidth", in: "＋８６　１３８－１２３４－５６７８", want: "13812345678"},
		{name: "Prefix19", in: "19912345678", want: "19912345678"},

		{name: "ErrEmpty", in: " - ", wantRule: "empty"},
		{name: "ErrLetter", in: "1381234567a", wantRule: "charset", wantMsg: "第11位"},
		{name: "ErrParens", in: "(138)12345678", wantRule: "charset", wantMsg: "第1位"},
		{name: "ErrShort", in: "1381234567", wantRule: "length", wantMsg: "实际为10位"},
		{name: "ErrLong", in: "138123456789", wantRule: "length", wantMsg: "实际为12位"},
		{name: "ErrPrefix12", in: "12812345678", wantRule: "format", wantMsg: "12"},
		{name: "ErrLandline", in: "09318888888", wantRule: "format"},
		{name: "Err86Eleven", in: "86138123456", wantRule: "format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.Mobile(tt.in)
			checkResult(t, got, err, tt.want, tt.wantRule, tt.wantMsg)
		})
	}
}

func TestDate(t *testing.T) {
	day := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name     string
		in       string
		want     time.Time
		wantRule string
		wantMsg  string
	}{
		{name: "ISO", in: "2024-02-29", want: day(2024, 2, 29)},
		{name: "Slash", in: "2024/02/09", want: day(2024, 2, 9)},
		{name: "Compact", in: "20240209", want: day(2024, 2, 9)},
		{name: "Chinese", in: "2024年2月9日", want: day(2024, 2, 9)},
		{name: "ChinesePadded", in: "2024年02月09日", want: day(2024, 2, 9)},
		{name: "FullWidth", in: "　２０２４年１２月３１日", want: day(2024, 12, 31)},

		{name: "ErrEmpty", in: "", wantRule: "empty"},
		{name: "ErrFeb29", in: "2023-02-29", wantRule: "format", wantMsg: "不存在"},
		{name: "ErrFeb29Compact", in: "20230229", wantRule: "format", wantMsg: "不存在"},
		{name: "ErrMonth13", in: "2023年13月1日", wantRule: "format", wantMsg: "不存在"},
		{name: "ErrUnpadded", in: "2024-2-9", wantRule: "format", wantMsg: "应为"},
		{name: "ErrDots", in: "2024.02.09", wantRule: "format", wantMsg: "应为"},
		{name: "ErrTime", in: "2024-02-09T10:00:00Z", wantRule: "format", wantMsg: "应为"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.Date(tt.in)
			value := ""
			if !got.IsZero() {
				value = got.Format(time.RFC3339)
			}
			want := ""
			if tt.wantRule == "" {
				want = tt.want.Format(time.RFC3339)
			}
			checkResult(t, value, err, want, tt.wantRule, tt.wantMsg)
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name string
		fn   func(string) string
		in   string
		want string
	}{
		{"CitizenID", gbcode.MaskCitizenID, "620102199001011234", "620102********1234"},
		{"CitizenIDFullWidth", gbcode.MaskCitizenID, "　６２０１０２１９９００１０１１２３ｘ", "620102********123x"},
		{"CitizenIDOld", gbcode.MaskCitizenID, "620102900101123", "620102*****1123"},
		{"CitizenIDShort", gbcode.MaskCitizenID, "6201021234", "**********"},
		{"CitizenIDEmpty", gbcode.MaskCitizenID, "", ""},
		{"Mobile", gbcode.MaskMobile, "13812345678", "138****5678"},
		{"MobilePrefixed", gbcode.MaskMobile, "+86 138-1234-5678", "138****5678"},
		{"MobileInvalid", gbcode.MaskMobile, "12812345678", "128****5678"},
		{"MobileShort", gbcode.MaskMobile, "1381234", "*******"},
		{"NameTwo", gbcode.MaskName, "张三", "张*"},
		{"NameThree", gbcode.MaskName, "张三丰", "张**"},
		{"NameCompound", gbcode.MaskName, "欧阳娜娜", "欧阳**"},
		{"NameCompoundThree", gbcode.MaskName, "司马光", "司马*"},
		{"NameCompoundOnly", gbcode.MaskName, "欧阳", "欧*"},
		{"NameTranscribed", gbcode.MaskName, "阿依古丽·买买提", "阿***·***"},
		{"NameOne", gbcode.MaskName, "张", "*"},
		{"NameEmpty", gbcode.MaskName, "", ""},
		{"USCC", gbcode.MaskUSCC, "91350100M000100Y43", "91350100********43"},
		{"USCCLower", gbcode.MaskUSCC, "91350100m000100y43", "91350100********43"},
		{"USCCShort", gbcode.MaskUSCC, "9135010043", "**********"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.fn(tt.in); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
