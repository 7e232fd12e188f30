package gbcode

import (
	"fmt"
	"time"
	"unicode/utf8"

	"huitong/divisions"
)

// MinBirthYear is the earliest birth year CitizenID accepts.
const MinBirthYear = 1890

// chinaTime is China Standard Time (UTC+8, no daylight saving since 1991):
// "today" for a birth date is today's date in China.
var chinaTime = time.FixedZone("CST", 8*60*60)

// citizenWeights are the GB 11643-1999 weights W_i = 2^(18-i) mod 11.
var citizenWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CitizenIDCheck returns the check character of a citizen ID number whose
// first 17 characters are first17: GB 11643-1999, ISO 7064 MOD 11-2, one of
// '0'-'9' or 'X'. It returns 0 when first17 is not exactly 17 ASCII digits.
func CitizenIDCheck(first17 string) byte {
	if len(first17) != 17 || !isDigits(first17) {
		return 0
	}
	sum := 0
	for i := range 17 {
		sum += int(first17[i]-'0') * citizenWeights[i]
	}
	return "10X98765432"[sum%11]
}

// CitizenID validates an 18-character citizen ID number (公民身份号码,
// GB 11643-1999) and returns it normalised: see Normalize, with a lower-case
// check character x turned into X. Rules, in the order checked:
//   - empty: nothing given;
//   - length: not 18 characters; 15-digit numbers of the first generation
//     are refused with this rule and a message asking for the 18-digit one;
//   - charset: characters 1-17 not digits, or 18 not a digit or X;
//   - address: characters 1-6 not a code known to package divisions (NB: the
//     list is the current one, so numbers issued under a since-abolished
//     county code, such as 110103 崇文区, are refused);
//   - birthdate: characters 7-14 not a calendar date, before MinBirthYear, or
//     after today in China;
//   - checkdigit: character 18 is not CitizenIDCheck of the first 17.
func CitizenID(s string) (string, error) {
	return CitizenIDAt(s, time.Now())
}

// CitizenIDAt is CitizenID with "today" taken from now rather than the
// clock, for reproducible tests and for checking a number as of a date.
func CitizenIDAt(s string, now time.Time) (string, error) {
	id := Normalize(s)
	if id == "" {
		return "", fail(RuleEmpty, "公民身份号码不能为空")
	}
	if n := utf8.RuneCountInString(id); n != 18 {
		if n == 15 && isDigits(id) {
			return "", fail(RuleLength, "公民身份号码应为18位；15位的第一代号码已停止使用，请提供18位号码")
		}
		return "", fail(RuleLength, fmt.Sprintf("公民身份号码应为18位，实际为%d位", n))
	}
	if pos, r := firstOutside(id, isDigit); pos > 0 && pos < 18 {
		return "", fail(RuleCharset, fmt.Sprintf("公民身份号码第%d位应为数字，实际为“%c”", pos, r))
	}
	// The first 17 characters are ASCII digits, so id[17:] is the last rune.
	switch id[17:] {
	case "x":
		id = id[:17] + "X"
	case "X", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9":
	default:
		return "", fail(RuleCharset, fmt.Sprintf("公民身份号码第18位（校验码）应为数字或X，实际为“%s”", id[17:]))
	}
	if !divisions.Known(id[:6]) {
		return "", fail(RuleAddress, fmt.Sprintf("公民身份号码前6位地址码%s不是已知的行政区划代码（GB/T 2260）", id[:6]))
	}
	if err := checkBirth(id[6:14], now); err != nil {
		return "", err
	}
	if CitizenIDCheck(id[:17]) != id[17] {
		return "", fail(RuleCheckdigit, "公民身份号码第18位校验码与前17位不符（GB 11643-1999），请逐位核对号码")
	}
	return id, nil
}

// parseYMD parses 8 ASCII digits YYYYMMDD as a calendar date at midnight
// UTC; ok is false for dates that do not exist, such as 20230229.
func parseYMD(ymd string) (t time.Time, ok bool) {
	y := int(ymd[0]-'0')*1000 + int(ymd[1]-'0')*100 + int(ymd[2]-'0')*10 + int(ymd[3]-'0')
	m := int(ymd[4]-'0')*10 + int(ymd[5]-'0')
	d := int(ymd[6]-'0')*10 + int(ymd[7]-'0')
	t = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 02-30 to 03-02; a date that survives unchanged exists.
	if t.Year() != y || int(t.Month()) != m || t.Day() != d {
		return time.Time{}, false
	}
	return t, true
}

// checkBirth applies the birthdate rule to the 8 digits of a citizen ID.
func checkBirth(ymd string, now time.Time) error {
	if _, ok := parseYMD(ymd); !ok {
		return fail(RuleBirthdate, fmt.Sprintf("公民身份号码第7-14位出生日期%s不是有效的日期", ymd))
	}
	if int(ymd[0]-'0')*1000+int(ymd[1]-'0')*100+int(ymd[2]-'0')*10+int(ymd[3]-'0') < MinBirthYear {
		return fail(RuleBirthdate, fmt.Sprintf("公民身份号码第7-14位出生日期%s早于%d年", ymd, MinBirthYear))
	}
	// Both are YYYYMMDD, so string order is date order.
	if today := now.In(chinaTime).Format("20060102"); ymd > today {
		return fail(RuleBirthdate, fmt.Sprintf("公民身份号码第7-14位出生日期%s晚于今天（%s）", ymd, today))
	}
	return nil
}

// CitizenIDInfo returns what a valid citizen ID number says about its
// holder: the birth date (midnight UTC of that calendar date), whether the
// holder is male (odd 17th digit, GB 11643-1999) and the 6-digit address
// code. It returns zero values when CitizenID rejects id.
func CitizenIDInfo(id string) (birth time.Time, male bool, division string) {
	id, err := CitizenID(id)
	if err != nil {
		return time.Time{}, false, ""
	}
	birth, _ = parseYMD(id[6:14])
	return birth, (id[16]-'0')%2 == 1, id[:6]
}
