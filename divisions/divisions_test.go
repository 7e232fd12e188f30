package divisions_test

import (
	"slices"
	"strings"
	"testing"

	"huitong/divisions"
)

func TestLevelString(t *testing.T) {
	tests := []struct {
		level divisions.Level
		want  string
	}{
		{divisions.Province, "province"},
		{divisions.Prefecture, "prefecture"},
		{divisions.County, "county"},
		{divisions.Township, "township"},
		{divisions.Level(0), "Level(0)"},
		{divisions.Level(7), "Level(7)"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.level.String(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		code string
		want divisions.Division // zero Division: want ok == false
	}{
		{"Province2", "62", divisions.Division{Code: "620000", Name: "甘肃省", Level: divisions.Province}},
		{"Province6", "620000", divisions.Division{Code: "620000", Name: "甘肃省", Level: divisions.Province}},
		{"Prefecture4", "6201", divisions.Division{Code: "620100", Name: "兰州市", Level: divisions.Prefecture, Parent: "620000"}},
		{"Prefecture6", "620100", divisions.Division{Code: "620100", Name: "兰州市", Level: divisions.Prefecture, Parent: "620000"}},
		{"County", "620102", divisions.Division{Code: "620102", Name: "城关区", Level: divisions.County, Parent: "620100"}},
		{"Township", "620102001", divisions.Division{Code: "620102001", Name: "酒泉路街道", Level: divisions.Township, Parent: "620102"}},
		{"PlaceholderPrefecture", "1101", divisions.Division{Code: "110100", Name: "市辖区", Level: divisions.Prefecture, Parent: "110000"}},
		{"PlaceholderCounty", "5002", divisions.Division{Code: "500200", Name: "县", Level: divisions.Prefecture, Parent: "500000"}},
		{"CityWithoutCounties", "441900", divisions.Division{Code: "441900", Name: "东莞市", Level: divisions.Prefecture, Parent: "440000"}},
		{"TownshipOfCityWithoutCounties", "441900003", divisions.Division{Code: "441900003", Name: "东城街道", Level: divisions.Township, Parent: "441900"}},
		{"UnknownProvince", "99", divisions.Division{}},
		{"UnknownProvince6", "990000", divisions.Division{}},
		{"UnknownCounty", "620199", divisions.Division{}},
		{"UnknownTownship", "620102999", divisions.Division{}},
		{"Empty", "", divisions.Division{}},
		{"Length1", "6", divisions.Division{}},
		{"Length3", "620", divisions.Division{}},
		{"Length5", "62010", divisions.Division{}},
		{"Length7", "6201020", divisions.Division{}},
		{"Length12", "620102001000", divisions.Division{}},
		{"Letter", "62a102", divisions.Division{}},
		{"Space", " 620102", divisions.Division{}},
		{"FullWidthDigit", "62０102", divisions.Division{}},
		{"Sign", "+62010", divisions.Division{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := divisions.Lookup(tt.code)
			wantOK := tt.want != divisions.Division{}
			if ok != wantOK {
				t.Fatalf("Lookup(%q) ok: got %v, want %v", tt.code, ok, wantOK)
			}
			if got != tt.want {
				t.Errorf("Lookup(%q): got %+v, want %+v", tt.code, got, tt.want)
			}
			if known := divisions.Known(tt.code); known != wantOK {
				t.Errorf("Known(%q): got %v, want %v", tt.code, known, wantOK)
			}
		})
	}
}

func TestGansu(t *testing.T) {
	prefs := divisions.Children("620000")
	if len(prefs) != 14 {
		t.Errorf("Children(620000): got %v prefectures, want 14", len(prefs))
	}
	under := divisions.Under("620000")
	count := map[divisions.Level]int{}
	for _, d := range under {
		count[d.Level]++
	}
	want := map[divisions.Level]int{divisions.Prefecture: 14, divisions.County: 88}
	for _, l := range []divisions.Level{divisions.Province, divisions.Prefecture, divisions.County, divisions.Township} {
		if count[l] != want[l] {
			t.Errorf("Under(620000) at %v level: got %v, want %v", l, count[l], want[l])
		}
	}
	if !slices.IsSortedFunc(under, byCode) {
		t.Errorf("Under(620000) is not sorted by code")
	}
	for _, d := range under {
		if !strings.HasPrefix(d.Code, "62") {
			t.Errorf("Under(620000) holds %v %v outside Gansu", d.Code, d.Name)
		}
	}
	// Lanzhou: 城关区 is one of its counties.
	var names []string
	for _, d := range divisions.Children("6201") {
		names = append(names, d.Name)
	}
	if !slices.Contains(names, "城关区") {
		t.Errorf("Children(6201): got %v, want it to hold 城关区", names)
	}
}

func TestChildren(t *testing.T) {
	tests := []struct {
		name      string
		code      string
		wantLen   int
		wantLevel divisions.Level
	}{
		{"Province", "62", 14, divisions.Prefecture},
		{"Municipality", "110000", 1, divisions.Prefecture},
		{"Prefecture", "620200", 1, divisions.County}, // 嘉峪关市 has one county-level entry
		{"County", "620102", 28, divisions.Township},  // 城关区 has 28 townships
		{"CityWithoutCounties", "4419", 0, divisions.Township},
		{"Township", "620102001", 0, 0},
		{"Unknown", "620199", 0, 0},
		{"Malformed", "6201x", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kids := divisions.Children(tt.code)
			if tt.name == "CityWithoutCounties" {
				if len(kids) < 20 {
					t.Fatalf("Children(%v): got %v, want the 东莞 townships", tt.code, len(kids))
				}
			} else if len(kids) != tt.wantLen {
				t.Fatalf("Children(%v): got %v divisions, want %v", tt.code, len(kids), tt.wantLen)
			}
			parent, _ := divisions.Lookup(tt.code)
			for _, k := range kids {
				if k.Level != tt.wantLevel || k.Parent != parent.Code {
					t.Errorf("child %v: got level %v parent %v, want level %v parent %v", k.Code, k.Level, k.Parent, tt.wantLevel, parent.Code)
				}
			}
			if !slices.IsSortedFunc(kids, byCode) {
				t.Errorf("Children(%v) is not sorted by code", tt.code)
			}
		})
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		code string
		want []string
	}{
		{"62", []string{"620000"}},
		{"620102", []string{"620000", "620100", "620102"}},
		{"620102001", []string{"620000", "620100", "620102", "620102001"}},
		{"441900003", []string{"440000", "441900", "441900003"}},
		{"620199", nil},
		{"bad", nil},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			var got []string
			for _, d := range divisions.Path(tt.code) {
				got = append(got, d.Code)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUnder(t *testing.T) {
	tests := []struct {
		name string
		code string
		want int
	}{
		{"Prefecture", "620100", 9}, // 兰州市: 5 districts, 3 counties, 兰州新区 (a statistical-only code)
		{"County", "620102", 0},
		{"Township", "620102001", 0},
		{"Unknown", "990000", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := divisions.Under(tt.code)
			if len(got) != tt.want {
				t.Errorf("got %v, want %v", len(got), tt.want)
			}
			for _, d := range got {
				if d.Level != divisions.County {
					t.Errorf("%v: got level %v, want county", d.Code, d.Level)
				}
			}
		})
	}
}

func TestFullName(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"620102", "甘肃省兰州市城关区"},
		{"62", "甘肃省"},
		{"6201", "甘肃省兰州市"},
		{"620102001", "甘肃省兰州市城关区酒泉路街道"},
		{"110105", "北京市朝阳区"}, // 市辖区 left out
		{"500229", "重庆市城口县"}, // 县 left out
		{"419001", "河南省济源市"}, // 省直辖县级行政区划 left out
		{"441900003", "广东省东莞市东城街道"},
		{"110100", "北京市"},
		{"620199", ""},
		{"", ""},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			if got := divisions.FullName(tt.code); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestContains(t *testing.T) {
	tests := []struct {
		name           string
		ancestor, code string
		want           bool
	}{
		{"ProvinceCounty", "62", "620102", true},
		{"ProvinceCounty6", "620000", "620102", true},
		{"PrefectureTownship", "6201", "620102001", true},
		{"Self", "620102", "620102", true},
		{"SelfDifferentForm", "6201", "620100", true},
		{"Sibling", "620100", "620201", false},
		{"Reverse", "620102", "620000", false},
		{"OtherProvince", "63", "620102", false},
		{"CityWithoutCounties", "4419", "441900003", true},
		{"ProvinceOfCityWithoutCounties", "44", "441900003", true},
		{"UnknownCode", "62", "620199", false},
		{"UnknownAncestor", "99", "620102", false},
		{"MalformedCode", "62", "62-0102", false},
		{"Empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := divisions.Contains(tt.ancestor, tt.code); got != tt.want {
				t.Errorf("Contains(%q, %q): got %v, want %v", tt.ancestor, tt.code, got, tt.want)
			}
		})
	}
}

func TestProvinces(t *testing.T) {
	ps := divisions.Provinces()
	if len(ps) != 31 {
		t.Fatalf("got %v provinces, want 31", len(ps))
	}
	if ps[0].Code != "110000" || ps[0].Name != "北京市" {
		t.Errorf("first province: got %v %v, want 110000 北京市", ps[0].Code, ps[0].Name)
	}
	if !slices.IsSortedFunc(ps, byCode) {
		t.Errorf("Provinces is not sorted by code")
	}
	ps[0].Name = "changed"
	if again := divisions.Provinces(); again[0].Name != "北京市" {
		t.Errorf("after modifying a returned slice: got %v, want 北京市", again[0].Name)
	}
}

func TestPlaceholder(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"1101", true},
		{"5002", true},
		{"4190", true},
		{"6590", true},
		{"6201", false},
		{"11", false},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			d, _ := divisions.Lookup(tt.code)
			if got := d.Placeholder(); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

// TestTree checks invariants over the whole embedded list.
func TestTree(t *testing.T) {
	count := map[divisions.Level]int{}
	var walk func(d divisions.Division)
	walk = func(d divisions.Division) {
		count[d.Level]++
		for _, k := range divisions.Children(d.Code) {
			if k.Level <= d.Level {
				t.Errorf("%v (%v) under %v (%v): child level not below parent", k.Code, k.Level, d.Code, d.Level)
			}
			if k.Level <= divisions.County && !strings.HasPrefix(k.Code, strings.TrimRight(d.Code, "0")) {
				t.Errorf("%v under %v: code does not carry the parent's prefix", k.Code, d.Code)
			}
			if wantLen := map[bool]int{true: 9, false: 6}[k.Level == divisions.Township]; len(k.Code) != wantLen {
				t.Errorf("%v: got code length %v, want %v", k.Code, len(k.Code), wantLen)
			}
			if !divisions.Contains(d.Code, k.Code) {
				t.Errorf("Contains(%v, %v): got false, want true", d.Code, k.Code)
			}
			walk(k)
		}
	}
	for _, p := range divisions.Provinces() {
		walk(p)
	}
	// 342 prefectures; 2978 county rows less the three that duplicate their
	// prefecture (441900, 442000, 460400); 41352 townships.
	want := map[divisions.Level]int{
		divisions.Province:   31,
		divisions.Prefecture: 342,
		divisions.County:     2975,
		divisions.Township:   41352,
	}
	for l, n := range want {
		if count[l] != n {
			t.Errorf("%v level: got %v, want %v", l, count[l], n)
		}
	}
}

func byCode(a, b divisions.Division) int { return strings.Compare(a.Code, b.Code) }
