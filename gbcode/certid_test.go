package gbcode_test

import (
	"testing"

	"huitong/gbcode"
)

// realCertID is a real e-certificate identifier (GB/T 36904-2018).
const realCertID = "1.2.156.3005.2.11100000000013338W011.11110000000021135M.20230329701.003.Y"

func TestCertIDCheck(t *testing.T) {
	tests := []struct {
		name string
		body string
		want byte
	}{
		{"Real", "11100000000013338W011" + "11110000000021135M" + "20230329701" + "003", 'Y'},
		{"OtherSerial", "11100000000013338W011" + "11110000000021135M" + "20230329702" + "003", 'I'},
		{"Lower", "11100000000013338w011", 0},
		{"Dot", "1.2", 0},
		{"Empty", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := gbcode.CertIDCheck(tt.body); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseCertID(t *testing.T) {
	want := gbcode.CertID{
		TypeCode: "11100000000013338W011",
		Issuer:   "11110000000021135M",
		Serial:   "20230329701",
		Version:  "003",
		Check:    'Y',
	}
	for name, in := range map[string]string{
		"Real":      realCertID,
		"LowerCase": "1.2.156.3005.2.11100000000013338w011.11110000000021135m.20230329701.003.y",
		"Spaces":    "  " + realCertID + "\u3000",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := gbcode.ParseCertID(in)
			if err != nil {
				t.Fatalf("got %v, want no error", err)
			}
			if got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
			if got.String() != realCertID {
				t.Errorf("String: got %v, want %v", got.String(), realCertID)
			}
		})
	}
}

func TestParseCertIDErrors(t *testing.T) {
	const p = "1.2.156.3005.2."
	tests := []struct {
		name     string
		in       string
		wantRule string
		wantMsg  string
	}{
		{"Empty", "", "empty", ""},
		{"WrongPrefix", "1.2.156.3005.3.11100000000013338W011.11110000000021135M.20230329701.003.Y", "format", "1.2.156.3005.2."},
		{"FourParts", p + "11100000000013338W011.11110000000021135M.20230329701.Y", "format", "实际为4段"},
		{"SixParts", p + "11100000000013338W011.11110000000021135M.2023.0329701.003.Y", "format", "实际为6段"},
		{"TypeCodeShort", p + "11100000000013338W01.11110000000021135M.20230329701.003.Y", "length", "证照类型代码"},
		{"TypeCodeHan", p + "11100000000013338W01号.11110000000021135M.20230329701.003.Y", "charset", "证照类型代码第21位"},
		{"TypeCodeUSCC", p + "11100000000013338X011.11110000000021135M.20230329701.003.Y", "checkdigit", "证照类型代码中的统一社会信用代码"},
		{"TypeCodeSequence", p + "11100000000013338W01A.11110000000021135M.20230329701.003.Y", "charset", "顺序号"},
		{"IssuerCheck", p + "11100000000013338W011.11110000000021135N.20230329701.003.Y", "checkdigit", "颁发机构代码"},
		{"IssuerLength", p + "11100000000013338W011.1111000000002113M.20230329701.003.Y", "length", "颁发机构代码"},
		{"SerialEmpty", p + "11100000000013338W011.11110000000021135M..003.Y", "empty", "证照编号"},
		{"SerialDash", p + "11100000000013338W011.11110000000021135M.2023-0329701.003.Y", "charset", "证照编号第5位"},
		{"VersionShort", p + "11100000000013338W011.11110000000021135M.20230329701.03.Y", "length", "版本号"},
		{"VersionLetter", p + "11100000000013338W011.11110000000021135M.20230329701.00A.Y", "charset", "版本号"},
		{"CheckTwo", p + "11100000000013338W011.11110000000021135M.20230329701.003.YY", "length", "校验位"},
		{"CheckMissing", p + "11100000000013338W011.11110000000021135M.20230329701.003.", "length", "校验位"},
		{"CheckWrong", p + "11100000000013338W011.11110000000021135M.20230329701.003.Z", "checkdigit", "校验位"},
		{"SerialTypo", p + "11100000000013338W011.11110000000021135M.20230329702.003.Y", "checkdigit", "校验位"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.ParseCertID(tt.in)
			value := ""
			if got != (gbcode.CertID{}) {
				value = got.String()
			}
			checkResult(t, value, err, "", tt.wantRule, tt.wantMsg)
		})
	}
}

func TestMakeCertID(t *testing.T) {
	got, err := gbcode.MakeCertID("11100000000013338W011", "11110000000021135M", "20230329701", "003")
	if err != nil || got != realCertID {
		t.Fatalf("got %v, %v, want %v", got, err, realCertID)
	}
	got, err = gbcode.MakeCertID("11100000000013338w011", "１１１１００００００００２１１３５ｍ", "ab12", "001")
	if err != nil {
		t.Fatalf("got %v, want no error", err)
	}
	c, err := gbcode.ParseCertID(got)
	if err != nil || c.Serial != "AB12" || c.String() != got {
		t.Errorf("round trip of %v: got %+v, %v, want serial AB12", got, c, err)
	}
	if _, err := gbcode.MakeCertID("11100000000013338W011", "11110000000021135M", "", "003"); gbcode.RuleOf(err) != "empty" {
		t.Errorf("empty serial: got %v, want rule empty", err)
	}
	if _, err := gbcode.MakeCertID("11100000000013338W011", "91990000M000100Y41", "1", "003"); gbcode.RuleOf(err) != "address" {
		t.Errorf("issuer in an unknown division: got %v, want rule address", err)
	}
}
