package exchange

import (
	"time"

	"huitong/workday"
)

// China Standard Time: dates in messages are Beijing dates.
var cst = time.FixedZone("CST", 8*3600)

// The working-day calendar is the platform's one calendar, package workday;
// these names keep exchange's API.
type (
	// Calendar is workday.Calendar.
	Calendar = workday.Calendar
	// CalendarYear is workday.CalendarYear.
	CalendarYear = workday.CalendarYear
	// Holiday is workday.Holiday.
	Holiday = workday.Holiday
	// Workday is workday.Workday.
	Workday = workday.Workday
)

// DefaultCalendar returns the calendar shipped with huitong.
func DefaultCalendar() *Calendar { return workday.DefaultCalendar() }

// LoadCalendar returns the default calendar with the years in the JSON
// file at path added; see workday.LoadCalendar.
func LoadCalendar(path string) (*Calendar, error) { return workday.LoadCalendar(path) }
