package gbcode_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"huitong/gbcode"
)

// withCheck completes 17 digits with their check character.
func withCheck(first17 string) string {
	return first17 + string(gbcode.CitizenIDCheck(first17))
}

func TestCitizenIDCheck(t *testing.T) {
	tests := []struct {
		first17 string
		want    byte
	}{
		{"11010519491231002", 'X'}, // GB 11643-1999 example
		{"62010219900101123", '3'},
		{"62010219900101124", '1'},
		{"44190020000229001", '2'},
		{"62010219900229123", '0'},
		{"1101051949123100", 0},   // 16 digits
		{"110105194912310021", 0}, // 18 digits
		{"1101051949123100A", 0},
		{"", 0},
	}
	for _, tt := range tests {
		t.Run(tt.first17, func(t *testing.T) {
			if got := gbcode.CitizenIDCheck(tt.first17); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCitizenID(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) // 2024-06-01 20:00 in China
	tests := []struct {
		name     string
		in       string
		want     string // the normalised number when valid
		wantRule string // the rule when invalid
		wantMsg  string // a fragment the message must hold
	}{
		{name: "OK", in: "11010519491231002X", want: "11010519491231002X"},
		{name: "LowerX", in: "11010519491231002x", want: "11010519491231002X"},
		{name: "FullWidth", in: "１１０１０５１９４９１２３１００２ｘ", want: "11010519491231002X"},
		{name: "Spaces", in: " \t11010519491231002X\u3000", want: "11010519491231002X"},
		{name: "Male", in: "620102199001011233", want: "620102199001011233"},
		{name: "LeapDay", in: "441900200002290012", want: "441900200002290012"},
		{name: "Year1890", in: "620102189001010012", want: "620102189001010012"},
		{name: "BornToday", in: withCheck("62010220240601001"), want: withCheck("62010220240601001")},

		{name: "ErrEmpty", in: "", wantRule: "empty"},
		{name: "ErrBlank", in: " \u3000 ", wantRule: "empty"},
		{name: "ErrFirstGeneration", in: "110105491231002", wantRule: "length", wantMsg: "15位"},
		{name: "ErrShort", in: "11010519491231002", wantRule: "length", wantMsg: "实际为17位"},
		{name: "ErrLong", in: "11010519491231002X1", wantRule: "length", wantMsg: "实际为19位"},
		{name: "ErrInnerSpace", in: "110105 19491231002X", wantRule: "length"},
		{name: "ErrLetter", in: "1101051949123100AX", wantRule: "charset", wantMsg: "第17位"},
		{name: "ErrHan", in: "11010519491231002号", wantRule: "charset", wantMsg: "第18位"},
		{name: "ErrCheckLetter", in: "11010519491231002A", wantRule: "charset", wantMsg: "第18位"},
		{name: "ErrUnknownAddress", in: "999999199001011238", wantRule: "address", wantMsg: "999999"},
		{name: "ErrFeb29NonLeap", in: "620102199002291230", wantRule: "birthdate", wantMsg: "19900229"},
		{name: "ErrMonth13", in: withCheck("62010219901301123"), wantRule: "birthdate"},
		{name: "ErrDay00", in: withCheck("62010219900100123"), wantRule: "birthdate"},
		{name: "ErrBefore1890", in: withCheck("62010218891231001"), wantRule: "birthdate", wantMsg: "1890"},
		{name: "ErrFuture", in: withCheck("62010220240602001"), wantRule: "birthdate", wantMsg: "晚于今天"},
		{name: "ErrCheckDigit", in: "110105194912310021", wantRule: "checkdigit"},
		{name: "ErrCheckDigitTypo", in: "620102199001011243", wantRule: "checkdigit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := gbcode.CitizenIDAt(tt.in, now)
			checkResult(t, got, err, tt.want, tt.wantRule, tt.wantMsg)
		})
	}
}

// checkResult compares a validator's result with the expected value or rule.
func checkResult(t *testing.T, got string, err error, want, wantRule, wantMsg string) {
	t.Helper()
	if wantRule == "" {
		if err != nil {
			t.Fatalf("got error %v, want %v", err, want)
		}
		if got != want {
			t.Errorf("got %v, want %v", got, want)
		}
		return
	}
	var e *gbcode.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %q, %v, want an *Error with rule %v", got, err, wantRule)
	}
	if e.Rule != wantRule {
		t.Errorf("rule: got %v (%v), want %v", e.Rule, e.Message, wantRule)
	}
	if e.Message == "" || !strings.Contains(e.Message, wantMsg) {
		t.Errorf("message: got %q, want it to hold %q", e.Message, wantMsg)
	}
	if got != "" {
		t.Errorf("value with an error: got %q, want empty", got)
	}
}

// TestCitizenIDClock checks CitizenID against the real clock: a birth date
// years ahead is refused, one years back accepted.
func TestCitizenIDClock(t *testing.T) {
	next := time.Now().AddDate(2, 0, 0).Format("20060102")
	if _, err := gbcode.CitizenID(withCheck("620102" + next + "001")); gbcode.RuleOf(err) != "birthdate" {
		t.Errorf("born %v: got %v, want rule birthdate", next, err)
	}
	past := time.Now().AddDate(-2, 0, 0).Format("20060102")
	if _, err := gbcode.CitizenID(withCheck("620102" + past + "001")); err != nil {
		t.Errorf("born %v: got %v, want no error", past, err)
	}
}

// TestCitizenIDChinaDate checks that "today" is the date in China (UTC+8).
func TestCitizenIDChinaDate(t *testing.T) {
	id := withCheck("62010220240602001")
	tests := []struct {
		name     string
		now      time.Time
		wantRule string
	}{
		{"AfterMidnightInChina", time.Date(2024, 6, 1, 16, 0, 0, 0, time.UTC), ""},
		{"BeforeMidnightInChina", time.Date(2024, 6, 1, 15, 59, 59, 0, time.UTC), "birthdate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := gbcode.CitizenIDAt(id, tt.now)
			if got := gbcode.RuleOf(err); got != tt.wantRule {
				t.Errorf("got rule %q (%v), want %q", got, err, tt.wantRule)
			}
		})
	}
}

func TestCitizenIDInfo(t *testing.T) {
	tests := []struct {
		id           string
		wantBirth    time.Time
		wantMale     bool
		wantDivision string
	}{
		{"11010519491231002X", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), false, "110105"},
		{"11010519491231002x", time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC), false, "110105"},
		{"620102199001011233", time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), true, "620102"},
		{"110105194912310021", time.Time{}, false, ""}, // bad check digit
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			birth, male, div := gbcode.CitizenIDInfo(tt.id)
			if !birth.Equal(tt.wantBirth) || male != tt.wantMale || div != tt.wantDivision {
				t.Errorf("got %v %v %v, want %v %v %v", birth, male, div, tt.wantBirth, tt.wantMale, tt.wantDivision)
			}
		})
	}
}

func FuzzCitizenID(f *testing.F) {
	for _, s := range []string{
		"11010519491231002X", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ",
		"620102199001011233", "620102199002291230", "110105491231002", "", "\u3000", "99999919900101123X",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := gbcode.CitizenID(s)
		if err != nil {
			if rule := gbcode.RuleOf(err); rule == "" || id != "" {
				t.Fatalf("CitizenID(%q): got %q, %v, want an *Error and no value", s, id, err)
			}
			return
		}
		if len(id) != 18 || gbcode.CitizenIDCheck(id[:17]) != id[17] {
			t.Fatalf("CitizenID(%q) accepted %q with a wrong check character", s, id)
		}
		if again, err := gbcode.CitizenID(id); err != nil || again != id {
			t.Fatalf("CitizenID(%q): got %q, %v, want %q unchanged", id, again, err, id)
		}
		if birth, _, div := gbcode.CitizenIDInfo(id); birth.IsZero() || div != id[:6] {
			t.Fatalf("CitizenIDInfo(%q): got %v %v, want a birth date and %v", id, birth, div, id[:6])
		}
	})
}

func BenchmarkCitizenID(b *testing.B) {
	ids := make([]string, 0, 64)
	for i := range 64 {
		ids = append(ids, withCheck(fmt.Sprintf("620102%04d0101%03d", 1950+i, i)))
	}
	if _, err := gbcode.CitizenID(ids[0]); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		if _, err := gbcode.CitizenID(ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
