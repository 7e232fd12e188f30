package gbcode

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"huitong/divisions"
)

// usccAlphabet is the GB 32100-2015 code alphabet: 31 symbols, each worth
// its index; I, O, S, V and Z are left out.
const usccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the GB 32100-2015 weights W_i = 3^(i-1) mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CentralDivision is the division part (positions 3-8) of the unified social
// credit codes of central government bodies, e.g. 11100000000013338W. It is
// not in GB/T 2260 but USCC accepts it.
const CentralDivision = "100000"

// usccValue returns the value of c in the GB 32100-2015 alphabet, or -1.
func usccValue(c byte) int {
	return strings.IndexByte(usccAlphabet, c)
}

// USCCCheck returns the check character (position 18) of a unified social
// credit code whose first 17 characters are first17: GB 32100-2015, MOD 31
// with weights 3^(i-1), check value (31 - S mod 31) mod 31. It returns 0
// when first17 is not 17 characters of the upper-case code alphabet.
func USCCCheck(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := range 17 {
		v := usccValue(first17[i])
		if v < 0 {
			return 0
		}
		sum += v * usccWeights[i]
	}
	return usccAlphabet[(31-sum%31)%31]
}

// OrgCodeCheck returns the check character of an organisation code
// (组织机构代码, GB 11714-1997) whose 8-character body is first8: weights
// 3,7,9,10,5,8,4,2, digits worth themselves and A-Z worth 10-35,
// C = 11 - S mod 11 written '0'-'9', with 10 as 'X' and 11 as '0'. It returns
// 0 when first8 is not 8 characters of 0-9 and upper-case A-Z.
func OrgCodeCheck(first8 string) byte {
	if len(first8) != 8 {
		return 0
	}
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		c := first8[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// USCC validates an 18-character unified social credit code (统一社会信用代码,
// GB 32100-2015) and returns it normalised (see Normalize) and upper-cased.
// Rules, in the order checked:
//   - empty: nothing given;
//   - length: not 18 characters;
//   - charset: a character outside 0-9 and A-Z without I, O, S, V, Z;
//   - format: positions 3-8 (the division code) not 6 digits;
//   - address: positions 3-8 neither a code known to package divisions nor
//     CentralDivision;
//   - checkdigit: position 18 is not USCCCheck of the first 17.
//
// The registration authority and organisation type (positions 1-2) and the
// organisation code check inside positions 9-17 are not checked: codes of
// individual businesses and new registration authorities vary there.
func USCC(s string) (string, error) {
	return usccField(s, "统一社会信用代码")
}

// usccField is USCC with the field name used in messages.
func usccField(s, field string) (string, error) {
	code := strings.ToUpper(Normalize(s))
	if code == "" {
		return "", fail(RuleEmpty, field+"不能为空")
	}
	if n := utf8.RuneCountInString(code); n != 18 {
		return "", fail(RuleLength, fmt.Sprintf("%s应为18位，实际为%d位", field, n))
	}
	if pos, r := firstOutside(code, func(r rune) bool { return r < utf8.RuneSelf && usccValue(byte(r)) >= 0 }); pos > 0 {
		return "", fail(RuleCharset, fmt.Sprintf("%s第%d位“%c”不在允许的字符内（数字0-9和除I、O、S、V、Z以外的大写字母）", field, pos, r))
	}
	div := code[2:8]
	if !isDigits(div) {
		return "", fail(RuleFormat, fmt.Sprintf("%s第3-8位应为6位数字的行政区划码，实际为%s", field, div))
	}
	if div != CentralDivision && !divisions.Known(div) {
		return "", fail(RuleAddress, fmt.Sprintf("%s第3-8位%s不是已知的行政区划代码（GB/T 2260）", field, div))
	}
	if USCCCheck(code[:17]) != code[17] {
		return "", fail(RuleCheckdigit, fmt.Sprintf("%s第18位校验码与前17位不符（GB 32100-2015），请逐位核对", field))
	}
	return code, nil
}

// MakeUSCC builds a unified social credit code from its parts: registration
// authority, organisation type, 6-digit division code (known to package
// divisions, or CentralDivision) and the 8-character body of an organisation
// code; it appends OrgCodeCheck(orgBody8) and USCCCheck. The result passes
// USCC. It is for generating demo and test data, and panics on bad input.
func MakeUSCC(authority, kind byte, division string, orgBody8 string) string {
	if usccValue(authority) < 0 || usccValue(kind) < 0 {
		panic(fmt.Sprintf("gbcode: MakeUSCC: authority %q and kind %q must be in %s", authority, kind, usccAlphabet))
	}
	if len(division) != 6 || !isDigits(division) || (division != CentralDivision && !divisions.Known(division)) {
		panic(fmt.Sprintf("gbcode: MakeUSCC: division %q is not a known 6-digit code", division))
	}
	if len(orgBody8) != 8 || strings.IndexFunc(orgBody8, func(r rune) bool { return r >= utf8.RuneSelf || usccValue(byte(r)) < 0 }) >= 0 {
		panic(fmt.Sprintf("gbcode: MakeUSCC: organisation code body %q must be 8 characters of %s", orgBody8, usccAlphabet))
	}
	first17 := string([]byte{authority, kind}) + division + orgBody8 + string(OrgCodeCheck(orgBody8))
	return first17 + string(USCCCheck(first17))
}

// DivisionCode validates a 6-digit administrative division code (GB/T 2260)
// and returns it normalised (see Normalize). Rules: empty; length (not 6
// characters); charset (not all digits); address (not a code known to
// package divisions, at any of the province, prefecture and county levels).
func DivisionCode(s string) (string, error) {
	code := Normalize(s)
	if code == "" {
		return "", fail(RuleEmpty, "行政区划代码不能为空")
	}
	if n := utf8.RuneCountInString(code); n != 6 {
		return "", fail(RuleLength, fmt.Sprintf("行政区划代码应为6位数字，实际为%d位", n))
	}
	if pos, r := firstOutside(code, isDigit); pos > 0 {
		return "", fail(RuleCharset, fmt.Sprintf("行政区划代码第%d位应为数字，实际为“%c”", pos, r))
	}
	if !divisions.Known(code) {
		return "", fail(RuleAddress, fmt.Sprintf("行政区划代码%s不是已知的行政区划代码（GB/T 2260）", code))
	}
	return code, nil
}
