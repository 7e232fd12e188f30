package gbcode

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CertIDPrefix opens every e-certificate identifier (电子证照标识,
// GB/T 36904-2018): the OID arc of China's e-certificates.
const CertIDPrefix = "1.2.156.3005.2."

// CertID is a parsed e-certificate identifier,
// 1.2.156.3005.2.<TypeCode>.<Issuer>.<Serial>.<Version>.<Check>.
type CertID struct {
	// TypeCode is the certificate type: the 18-character USCC of the
	// ministry that defines the type plus a 3-digit sequence number.
	TypeCode string
	// Issuer is the 18-character USCC of the issuing body.
	Issuer string
	// Serial is chosen by the issuer, often the certificate number;
	// digits and upper-case letters.
	Serial string
	// Version is 3 digits.
	Version string
	// Check is CertIDCheck of TypeCode+Issuer+Serial+Version.
	Check byte
}

// String returns the identifier in its dotted form.
func (c CertID) String() string {
	return CertIDPrefix + c.TypeCode + "." + c.Issuer + "." + c.Serial + "." + c.Version + "." + string(c.Check)
}

// alnumValue returns the ISO 7064 value of an upper-case alphanumeric
// character (0-9 worth 0-9, A-Z worth 10-35), or -1.
func alnumValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return -1
}

// isAlnum reports whether r is 0-9 or upper-case A-Z.
func isAlnum(r rune) bool { return r < utf8.RuneSelf && alnumValue(byte(r)) >= 0 }

// CertIDCheck returns the check character of an e-certificate identifier
// whose type code, issuer, serial and version, joined without dots, are body
// (GB/T 36904-2018): ISO 7064 hybrid MOD 37,36. Starting from p = 36, each
// character of value v gives s = (p + v) mod 36 (0 counts as 36) and
// p = 2s mod 37; the check value is (37 - p) mod 36, written 0-9A-Z. It
// returns 0 when body is empty or holds anything but 0-9 and upper-case A-Z.
func CertIDCheck(body string) byte {
	if body == "" {
		return 0
	}
	p := 36
	for i := 0; i < len(body); i++ {
		v := alnumValue(body[i])
		if v < 0 {
			return 0
		}
		s := (p + v) % 36
		if s == 0 {
			s = 36
		}
		p = 2 * s % 37
	}
	return "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(37-p)%36]
}

// MakeCertID builds an e-certificate identifier from its parts, each
// normalised (see Normalize) and upper-cased, and appends CertIDCheck. The
// parts are checked as ParseCertID checks them; the error is an *Error
// naming the part.
func MakeCertID(typeCode, issuer, serial, version string) (string, error) {
	c := CertID{
		TypeCode: strings.ToUpper(Normalize(typeCode)),
		Issuer:   strings.ToUpper(Normalize(issuer)),
		Serial:   strings.ToUpper(Normalize(serial)),
		Version:  strings.ToUpper(Normalize(version)),
	}
	if err := c.validateParts(); err != nil {
		return "", err
	}
	c.Check = CertIDCheck(c.TypeCode + c.Issuer + c.Serial + c.Version)
	return c.String(), nil
}

// ParseCertID parses and validates an e-certificate identifier
// (GB/T 36904-2018). The input is normalised (see Normalize) and upper-cased:
// the check alphabet has no case. Rules:
//   - empty: nothing given, or an empty serial;
//   - format: not starting with CertIDPrefix, or not five dot-separated parts after it;
//   - length: type code not 21 characters, version not 3, check not 1;
//   - charset: sequence or version not digits, serial not 0-9A-Z;
//   - any USCC rule, for the USCC inside the type code and for the issuer;
//   - checkdigit: the last part is not CertIDCheck of the others.
func ParseCertID(s string) (CertID, error) {
	id := strings.ToUpper(Normalize(s))
	if id == "" {
		return CertID{}, fail(RuleEmpty, "电子证照标识不能为空")
	}
	rest, ok := strings.CutPrefix(id, CertIDPrefix)
	if !ok {
		return CertID{}, fail(RuleFormat, "电子证照标识应以"+CertIDPrefix+"开头（GB/T 36904-2018）")
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 5 {
		return CertID{}, fail(RuleFormat, fmt.Sprintf("电子证照标识在%s之后应为证照类型代码、颁发机构代码、证照编号、版本号、校验位5段，以“.”分隔，实际为%d段", CertIDPrefix, len(parts)))
	}
	c := CertID{TypeCode: parts[0], Issuer: parts[1], Serial: parts[2], Version: parts[3]}
	if err := c.validateParts(); err != nil {
		return CertID{}, err
	}
	if n := utf8.RuneCountInString(parts[4]); n != 1 {
		return CertID{}, fail(RuleLength, fmt.Sprintf("电子证照标识的校验位应为1位，实际为%d位", n))
	}
	want := CertIDCheck(c.TypeCode + c.Issuer + c.Serial + c.Version)
	if parts[4][0] != want {
		return CertID{}, fail(RuleCheckdigit, "电子证照标识的校验位与前面各段不符（GB/T 36904-2018，ISO 7064 MOD 37,36），请逐位核对")
	}
	c.Check = want
	return c, nil
}

// validateParts checks the four parts of c that precede the check character.
func (c CertID) validateParts() error {
	const field = "电子证照标识的"
	if n := utf8.RuneCountInString(c.TypeCode); n != 21 {
		return fail(RuleLength, fmt.Sprintf("%s证照类型代码应为21位（定义部门的统一社会信用代码加3位顺序号），实际为%d位", field, n))
	}
	if pos, r := firstOutside(c.TypeCode, isAlnum); pos > 0 {
		return fail(RuleCharset, fmt.Sprintf("%s证照类型代码第%d位“%c”不允许，只能使用数字和大写字母", field, pos, r))
	}
	if _, err := usccField(c.TypeCode[:18], field+"证照类型代码中的统一社会信用代码"); err != nil {
		return err
	}
	if !isDigits(c.TypeCode[18:]) {
		return fail(RuleCharset, fmt.Sprintf("%s证照类型代码第19-21位应为3位数字顺序号，实际为%s", field, c.TypeCode[18:]))
	}
	if _, err := usccField(c.Issuer, field+"颁发机构代码"); err != nil {
		return err
	}
	if c.Serial == "" {
		return fail(RuleEmpty, field+"证照编号不能为空")
	}
	if pos, r := firstOutside(c.Serial, isAlnum); pos > 0 {
		return fail(RuleCharset, fmt.Sprintf("%s证照编号第%d位“%c”不允许，只能使用数字和大写字母", field, pos, r))
	}
	if n := utf8.RuneCountInString(c.Version); n != 3 {
		return fail(RuleLength, fmt.Sprintf("%s版本号应为3位数字，实际为%d位", field, n))
	}
	if !isDigits(c.Version) {
		return fail(RuleCharset, fmt.Sprintf("%s版本号应为3位数字，实际为%s", field, c.Version))
	}
	return nil
}
