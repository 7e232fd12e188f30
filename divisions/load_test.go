package divisions

import (
	"strings"
	"testing"
)

func TestParseRejectsMalformed(t *testing.T) {
	const (
		prov   = "code,name\n62,\"甘肃省\"\n"
		city   = "code,name,provinceCode\n6201,\"兰州市\",62\n"
		area   = "code,name,cityCode,provinceCode\n620102,\"城关区\",6201,62\n"
		street = "code,name,areaCode,provinceCode,cityCode\n620102001,\"酒泉路街道\",620102,62,6201\n"
	)
	tests := []struct {
		name                     string
		prov, city, area, street string
		wantErr                  string // "" means parse must succeed
	}{
		{"OK", prov, city, area, street, ""},
		{"CRLF", strings.ReplaceAll(prov, "\n", "\r\n"), city, area, street, ""},
		{"TooFewFields", prov, "code,name,provinceCode\n6201,\"兰州市\"\n", area, street, "want 3 fields"},
		{"TooManyFields", prov, city, area, street[:len(street)-1] + ",x\n", "want 5 fields"},
		{"EmbeddedQuote", "code,name\n62,\"甘\"肃\"\n", city, area, street, "badly quoted"},
		{"EmptyName", "code,name\n62,\n", city, area, street, "badly quoted"},
		{"ShortCode", "code,name\n6,\"甘肃省\"\n", city, area, street, "not 2 digits"},
		{"WrongProvince", prov, "code,name,provinceCode\n6201,\"兰州市\",63\n", area, street, "does not lie in province"},
		{"WrongCounty", prov, city, area, "code,name,areaCode,provinceCode,cityCode\n620102001,\"x\",620103,62,6201\n", "does not lie in county"},
		{"MissingParent", prov, city, "code,name,cityCode,provinceCode\n620202,\"x\",6202,62\n", street, "parent 620200 not in the list"},
		{"Duplicate", prov + "62,\"甘肃省\"\n", city, area, street, "distinct codes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(tt.prov, tt.city, tt.area, tt.street)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// BenchmarkParse measures parsing the four embedded files, the one-off cost
// paid on first use.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := parse(provincesCSV, citiesCSV, areasCSV, streetsCSV); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	loadTable()
	for b.Loop() {
		if _, ok := Lookup("620102"); !ok {
			b.Fatal("620102 not found")
		}
	}
}
