package divisions

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"sync"
)

// The statistical division codes (统计用区划代码) of the National Bureau of
// Statistics, as compiled by modood/Administrative-divisions-of-China (WTFPL,
// see data/LICENSE). The files are embedded as strings so that names and
// township codes can be sliced out of read-only data without copying.
var (
	//go:embed data/provinces.csv
	provincesCSV string
	//go:embed data/cities.csv
	citiesCSV string
	//go:embed data/areas.csv
	areasCSV string
	//go:embed data/streets.csv
	streetsCSV string
)

// table is the parsed division tree. It is built once, on first use, and is
// read-only afterwards.
type table struct {
	nodes     []Division
	kids      [][]int32 // kids[i]: indexes of the direct children of nodes[i], sorted by code
	index     map[string]int32
	provinces []int32
}

// loadTable parses the embedded files once. A malformed embedded file is a
// build defect, not a run-time condition, so parse panics; the package tests
// load the table and would fail first.
var loadTable = sync.OnceValue(func() *table {
	t, err := parse(provincesCSV, citiesCSV, areasCSV, streetsCSV)
	if err != nil {
		panic(err)
	}
	return t
})

// parse builds the tree from the four CSV files described in
// shared/data/divisions/README.md.
func parse(provinces, cities, areas, streets string) (*table, error) {
	const approxRows = 45000
	t := &table{
		nodes: make([]Division, 0, approxRows),
		index: make(map[string]int32, approxRows),
	}
	add := func(d Division) {
		t.index[d.Code] = int32(len(t.nodes))
		t.nodes = append(t.nodes, d)
	}

	// provinces.csv: code,name
	err := eachRow("provinces.csv", provinces, 2, func(f []string) error {
		if !digits(f[0], 2) {
			return fmt.Errorf("code %q is not 2 digits", f[0])
		}
		add(Division{Code: f[0] + "0000", Name: f[1], Level: Province})
		return nil
	})
	if err != nil {
		return nil, err
	}

	// cities.csv: code,name,provinceCode
	err = eachRow("cities.csv", cities, 3, func(f []string) error {
		if !digits(f[0], 4) || f[2] != f[0][:2] {
			return fmt.Errorf("code %q does not lie in province %q", f[0], f[2])
		}
		add(Division{Code: f[0] + "00", Name: f[1], Level: Prefecture, Parent: f[2] + "0000"})
		return nil
	})
	if err != nil {
		return nil, err
	}

	// areas.csv: code,name,cityCode,provinceCode
	err = eachRow("areas.csv", areas, 4, func(f []string) error {
		if !digits(f[0], 6) || f[2] != f[0][:4] || f[3] != f[0][:2] {
			return fmt.Errorf("code %q does not lie in prefecture %q", f[0], f[2])
		}
		parent := f[2] + "00"
		if f[0] == parent {
			// Prefecture-level cities without counties (东莞市 441900,
			// 中山市 442000, 儋州市 460400) appear twice in the statistical
			// list: as prefecture 4419 and as county 441900. Both have the
			// GB/T 2260 code 441900, so they are one division here: the
			// prefecture, and its townships hang directly from it.
			return nil
		}
		add(Division{Code: f[0], Name: f[1], Level: County, Parent: parent})
		return nil
	})
	if err != nil {
		return nil, err
	}

	// streets.csv: code,name,areaCode,provinceCode,cityCode
	err = eachRow("streets.csv", streets, 5, func(f []string) error {
		if !digits(f[0], 9) || f[2] != f[0][:6] {
			return fmt.Errorf("code %q does not lie in county %q", f[0], f[2])
		}
		add(Division{Code: f[0], Name: f[1], Level: Township, Parent: f[2]})
		return nil
	})
	if err != nil {
		return nil, err
	}

	if len(t.index) != len(t.nodes) {
		return nil, fmt.Errorf("divisions: %d rows but %d distinct codes", len(t.nodes), len(t.index))
	}
	t.kids = make([][]int32, len(t.nodes))
	for i, d := range t.nodes {
		if d.Level == Province {
			t.provinces = append(t.provinces, int32(i))
			continue
		}
		p, ok := t.index[d.Parent]
		if !ok {
			return nil, fmt.Errorf("divisions: %s %s: parent %s not in the list", d.Code, d.Name, d.Parent)
		}
		t.kids[p] = append(t.kids[p], int32(i))
	}
	byCode := func(a, b int32) int { return strings.Compare(t.nodes[a].Code, t.nodes[b].Code) }
	slices.SortFunc(t.provinces, byCode)
	for _, k := range t.kids {
		slices.SortFunc(k, byCode)
	}
	return t, nil
}

// eachRow calls fn with the fields of every data row of a simple CSV file:
// a header line, then rows of exactly n comma-separated fields, each either
// bare or wrapped in double quotes without embedded quotes or commas. That is
// the whole dialect the embedded files use; anything else is an error.
func eachRow(name, data string, n int, fn func([]string) error) error {
	fields := make([]string, n)
	line := 0
	for rest := data; rest != ""; {
		var row string
		row, rest, _ = strings.Cut(rest, "\n")
		line++
		if line == 1 || row == "" {
			continue // header, or a trailing empty line
		}
		row = strings.TrimSuffix(row, "\r")
		for i := range n {
			var f string
			var more bool
			f, row, more = strings.Cut(row, ",")
			if more != (i < n-1) {
				return fmt.Errorf("divisions: %s line %d: want %d fields", name, line, n)
			}
			if len(f) >= 2 && f[0] == '"' && f[len(f)-1] == '"' {
				f = f[1 : len(f)-1]
			}
			if f == "" || strings.ContainsRune(f, '"') {
				return fmt.Errorf("divisions: %s line %d: field %d is empty or badly quoted", name, line, i+1)
			}
			fields[i] = f
		}
		if err := fn(fields); err != nil {
			return fmt.Errorf("divisions: %s line %d: %w", name, line, err)
		}
	}
	return nil
}

// digits reports whether s is exactly n ASCII digits.
func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
