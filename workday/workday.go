// Package workday is the platform's one working-day calendar (工作日历):
// Monday to Friday, less the public holidays, plus the weekend days made
// working days (调休), as the State Council publishes them each year. The
// 2026 arrangement is embedded; HUITONG_CALENDAR adds or replaces years.
// Every time limit counted in working days uses it: share request
// answers (exchange), dispute deadlines (quality), and supervision.
package workday

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"time"
)

// China Standard Time: deadlines are counted in working days of the
// People's Republic, which end at midnight in Beijing.
var cst = time.FixedZone("CST", 8*3600)

//go:embed calendar/*.json
var calendarFiles embed.FS

// Holiday is a span of public holidays (放假) of one festival.
type Holiday struct {
	Name string `json:"name"`
	From string `json:"from"` // YYYY-MM-DD, inclusive
	To   string `json:"to"`   // YYYY-MM-DD, inclusive
}

// Workday is a weekend day worked to make up for a holiday (调休上班).
type Workday struct {
	Name string `json:"name"`
	Date string `json:"date"`
}

// CalendarYear is one year of the public holiday arrangement as the State
// Council publishes it each November for the next year.
type CalendarYear struct {
	Year     int       `json:"year"`
	Source   string    `json:"source"`
	Holidays []Holiday `json:"holidays"`
	Workdays []Workday `json:"workdays"`
}

// Calendar tells working days (工作日) from rest days: Monday to Friday
// work, Saturday and Sunday rest, except the public holidays and the
// make-up working days of the years it knows. Years it does not know are
// counted by weekdays only (Known says which). It is read-only after
// construction and safe for concurrent use.
type Calendar struct {
	years    map[int]CalendarYear
	holidays map[string]string // date -> festival
	workdays map[string]string // date -> reason
}

// DefaultCalendar returns the calendar shipped with huitong: the 2026 PRC
// holidays and make-up working days (国务院办公厅 2025-11-04).
func DefaultCalendar() *Calendar {
	c := &Calendar{years: map[int]CalendarYear{}, holidays: map[string]string{}, workdays: map[string]string{}}
	entries, _ := fs.ReadDir(calendarFiles, "calendar")
	for _, e := range entries {
		b, err := calendarFiles.ReadFile("calendar/" + e.Name())
		if err != nil {
			panic(err) // embedded at build time
		}
		var y CalendarYear
		if err := json.Unmarshal(b, &y); err != nil {
			panic(fmt.Sprintf("workday: embedded calendar %s: %v", e.Name(), err))
		}
		if err := c.Add(y); err != nil {
			panic(err)
		}
	}
	return c
}

// LoadCalendar returns the default calendar with the years in the JSON
// file at path added (or replacing the shipped ones): a CalendarYear
// object or an array of them. EINVALID-style errors name the file and field.
func LoadCalendar(path string) (*Calendar, error) {
	c := DefaultCalendar()
	if path == "" {
		return c, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("calendar %s: %w", path, err)
	}
	var years []CalendarYear
	if err := json.Unmarshal(b, &years); err != nil {
		var one CalendarYear
		if err2 := json.Unmarshal(b, &one); err2 != nil {
			return nil, fmt.Errorf("calendar %s: want a year object or an array of them: %w", path, err)
		}
		years = []CalendarYear{one}
	}
	for _, y := range years {
		if err := c.Add(y); err != nil {
			return nil, fmt.Errorf("calendar %s: %w", path, err)
		}
	}
	return c, nil
}

// Add adds (or replaces) one year. It checks every date is well formed,
// lies in that year, and that no day is both a holiday and a working day.
func (c *Calendar) Add(y CalendarYear) error {
	if y.Year < 2000 || y.Year > 2100 {
		return fmt.Errorf("year %d: want 2000-2100", y.Year)
	}
	parse := func(field, s string) (time.Time, error) {
		d, err := time.ParseInLocation(time.DateOnly, s, cst)
		if err != nil || d.Year() != y.Year {
			return d, fmt.Errorf("year %d: %s %q: want a date YYYY-MM-DD in %d", y.Year, field, s, y.Year)
		}
		return d, nil
	}
	hol, work := map[string]string{}, map[string]string{}
	for i, h := range y.Holidays {
		from, err := parse(fmt.Sprintf("holidays[%d].from", i), h.From)
		if err != nil {
			return err
		}
		to, err := parse(fmt.Sprintf("holidays[%d].to", i), h.To)
		if err != nil {
			return err
		}
		if to.Before(from) {
			return fmt.Errorf("year %d: holidays[%d] (%s) ends before it starts", y.Year, i, h.Name)
		}
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			hol[d.Format(time.DateOnly)] = h.Name
		}
	}
	for i, w := range y.Workdays {
		d, err := parse(fmt.Sprintf("workdays[%d].date", i), w.Date)
		if err != nil {
			return err
		}
		k := d.Format(time.DateOnly)
		if _, clash := hol[k]; clash {
			return fmt.Errorf("year %d: %s is both a holiday and a make-up working day", y.Year, k)
		}
		work[k] = w.Name
	}
	if old, ok := c.years[y.Year]; ok { // replace: drop the old year's days
		for k := range c.holidays {
			if k[:4] == fmt.Sprint(old.Year) {
				delete(c.holidays, k)
			}
		}
		for k := range c.workdays {
			if k[:4] == fmt.Sprint(old.Year) {
				delete(c.workdays, k)
			}
		}
	}
	for k, v := range hol {
		c.holidays[k] = v
	}
	for k, v := range work {
		c.workdays[k] = v
	}
	c.years[y.Year] = y
	return nil
}

// Known reports whether the calendar holds the holiday arrangement of year.
func (c *Calendar) Known(year int) bool { _, ok := c.years[year]; return ok }

// Years lists the years the calendar holds, in order.
func (c *Calendar) Years() []CalendarYear {
	out := make([]CalendarYear, 0, len(c.years))
	for _, y := range c.years {
		out = append(out, y)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Year < out[j].Year })
	return out
}

// IsWorkingDay reports whether the day of t (in Beijing) is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := t.In(cst)
	k := d.Format(time.DateOnly)
	if _, ok := c.workdays[k]; ok {
		return true
	}
	if _, ok := c.holidays[k]; ok {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// DayName says why a day is special: the festival of a holiday or the
// reason of a make-up working day, "" for ordinary days.
func (c *Calendar) DayName(t time.Time) string {
	k := t.In(cst).Format(time.DateOnly)
	if n, ok := c.holidays[k]; ok {
		return n
	}
	return c.workdays[k]
}

// Deadline returns the end (24:00 Beijing time) of the n-th working day
// after the day of t: a limit of "n working days" counted from the day
// after submission, as time limits in administrative rules are. n <= 0
// gives the end of the day of t.
func (c *Calendar) Deadline(t time.Time, n int) time.Time {
	d := t.In(cst)
	day := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, cst)
	for n > 0 {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return day.AddDate(0, 0, 1).UTC()
}

// WorkingDaysBetween counts the working days after the day of from up to
// and including the day of to (0 when to is not after from).
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	f, t := from.In(cst), to.In(cst)
	day := time.Date(f.Year(), f.Month(), f.Day(), 0, 0, 0, 0, cst)
	end := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, cst)
	n := 0
	for day.Before(end) {
		day = day.AddDate(0, 0, 1)
		if c.IsWorkingDay(day) {
			n++
		}
	}
	return n
}
