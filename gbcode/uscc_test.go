package gbcode_test

import (
	"fmt"
	"testing"

	"huitong/divisions"
	"huitong/gbcode"
)

func TestUSCCCheck(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
	}{
		{"91350100M000100Y4", '3'}, // GB 32100-2015 example
		{"11100000000013338", 'W'}, // a central government body
		{"11110000000021135", 'M'},
		{"12620000438000000", 'E'},
		{"91350100M000100I4", 0}, // I is not in the alphabet
		{"91350100m000100Y4", 0}, // lower case
		{"91350100M000100Y", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.first17, func(t *testing.T) {
			if got := gbcode.USCCCheck(tt.first17); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOrgCodeCheck(t *testing.T) {
	tests := []struct {
		first8 string
		want   byte
	}{
		{"D2143569", 'X'}, // C = 10
		{"00000000", '0'}, // C = 11
		{"M000100Y", '4'}, // inside 91350100M000100Y43
		{"00001333", '8'}, // inside 11100000000013338W
		{"12345678", '8'},
		{"1234567", 0},
		{"1234567a", 0},
		{"1234567-", 0},
	}
	for _, tt := range tests {
		t.Run(tt.first8, func(t *testing.T) {
			if got := gbcode.OrgCodeCheck(tt.first8); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUSCC(t *testing.T) {
	unknownDiv := "91990000M000100Y4"
	unknownDiv += string(gbcode.USCCCheck(unknownDiv))
	tests := []struct {
		name     string
		in       string
		want     string
		wantRule string
		wantMsg  string
	}{
		{name: "OK", in: "91350100M000100Y43", want: "91350100M000100Y43"},
		{name: "LowerCase", in: "91350100m000100y43", want: "91350100M000100Y43"},
		{name: "FullWidth", in: "\u3000９１３５０１００Ｍ０００１００ｙ４３ ", want: "91350100M000100Y43"},
		{name: "Central", in: "11100000000013338W", want: "11100000000013338W"},
		{name: "Province", in: "11110000000021135M", want: "11110000000021135M"},

		{name: "ErrEmpty", in: " ", wantRule: "empty"},
		{name: "ErrLength", in: "91350100M000100Y4", wantRule: "length", wantMsg: "实际为17位"},
		{name: "ErrCharsetI", in: "91350100M000100I43", wantRule: "charset", wantMsg: "第16位“I”"},
		{name: "ErrCharsetO", in: "91350100MO00100Y43", wantRule: "charset", wantMsg: "第10位“O”"},
		{name: "ErrCharsetHan", in: "91350100M000100Y4三", wantRule: "charset", wantMsg: "第18位"},
		{name: "ErrDivisionLetters", in: "91AB0100M000100Y43", wantRule: "format", wantMsg: "第3-8位"},
		{name: "ErrUnknownDivision", in: unknownDiv, wantRule: "address", wantMsg: "990000"},
		{name: "ErrCheckDigit", in: "91350100M000100Y44", wantRule: "checkdigit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.USCC(tt.in)
			checkResult(t, got, err, tt.want, tt.wantRule, tt.wantMsg)
		})
	}
}

func TestMakeUSCC(t *testing.T) {
	if got, want := gbcode.MakeUSCC('9', '1', "350100", "M000100Y"), "91350100M000100Y43"; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	if got, want := gbcode.MakeUSCC('1', '1', gbcode.CentralDivision, "00001333"), "11100000000013338W"; got != want {
		t.Errorf("got %v, want %v", got, want)
	}
	// Round trip through USCC for every county of Gansu, with varied bodies.
	for i, d := range divisions.Under("620000") {
		body := fmt.Sprintf("%08X", 0x1A2B3C4D+i*7919)
		for _, c := range []byte{'I', 'O', 'S', 'V', 'Z'} { // keep the body in the USCC alphabet
			for j := range body {
				if body[j] == c {
					body = body[:j] + "0" + body[j+1:]
				}
			}
		}
		code := gbcode.MakeUSCC('1', '1', d.Code, body)
		got, err := gbcode.USCC(code)
		if err != nil || got != code {
			t.Errorf("USCC(MakeUSCC(%v, %v)): got %v, %v, want %v", d.Code, body, got, err, code)
		}
		if org := code[8:17]; gbcode.OrgCodeCheck(org[:8]) != org[8] {
			t.Errorf("%v: organisation code %v has a wrong check character", code, org)
		}
	}
}

func TestMakeUSCCPanics(t *testing.T) {
	tests := []struct {
		name            string
		authority, kind byte
		division, body  string
	}{
		{"AuthorityI", 'I', '1', "620102", "12345678"},
		{"KindLower", '9', 'a', "620102", "12345678"},
		{"UnknownDivision", '9', '1', "999999", "12345678"},
		{"ShortDivision", '9', '1', "6201", "12345678"},
		{"ShortBody", '9', '1', "620102", "1234567"},
		{"BodyWithO", '9', '1', "620102", "1234567O"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("got no panic, want one")
				}
			}()
			gbcode.MakeUSCC(tt.authority, tt.kind, tt.division, tt.body)
		})
	}
}

func TestDivisionCode(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     string
		wantRule string
		wantMsg  string
	}{
		{name: "County", in: "620102", want: "620102"},
		{name: "Province", in: "620000", want: "620000"},
		{name: "FullWidth", in: "６２０１０２", want: "620102"},
		{name: "ErrEmpty", in: "", wantRule: "empty"},
		{name: "ErrShort", in: "6201", wantRule: "length", wantMsg: "实际为4位"},
		{name: "ErrTownship", in: "620102001", wantRule: "length"},
		{name: "ErrLetter", in: "62O102", wantRule: "charset", wantMsg: "第3位"},
		{name: "ErrUnknown", in: "620199", wantRule: "address", wantMsg: "620199"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.DivisionCode(tt.in)
			checkResult(t, got, err, tt.want, tt.wantRule, tt.wantMsg)
		})
	}
}
