package quality

import (
	"fmt"
	"strings"
	"time"
)

// chinaTime is China Standard Time: working days begin and end in it.
var chinaTime = time.FixedZone("CST", 8*60*60)

// Calendar says which days are working days: Monday to Friday, less the
// public holidays, plus the weekend days officially made working days
// (调休). The State Council publishes both every year; configure them
// (HUITONG_HOLIDAYS, HUITONG_WORKDAYS), the platform ships no list.
type Calendar struct {
	Holidays map[string]bool // "2006-01-02" days off that fall Monday-Friday
	Workdays map[string]bool // "2006-01-02" Saturdays and Sundays that are working days
}

// ParseDays reads a comma-separated list of dates (2006-01-02).
func ParseDays(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, d := range strings.Split(s, ",") {
		d = strings.TrimSpace(d)
		if d == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d); err != nil {
			return nil, fmt.Errorf("日期 %q 应为 2006-01-02 格式", d)
		}
		out[d] = true
	}
	return out, nil
}

// Working reports whether the calendar day of t in China is a working day.
func (c Calendar) Working(t time.Time) bool {
	day := t.In(chinaTime)
	key := day.Format(time.DateOnly)
	if c.Workdays[key] {
		return true
	}
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !c.Holidays[key]
}

// Deadline returns the end (23:59:59 China time) of the n-th working day
// after the day of t: a dispute raised on a Friday with n = 1 is due at the
// end of Monday.
func (c Calendar) Deadline(t time.Time, n int) time.Time {
	d := t.In(chinaTime)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, chinaTime)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.Working(day) {
			n--
		}
	}
	return day.Add(24*time.Hour - time.Second).UTC()
}
