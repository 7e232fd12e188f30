package quality

import "huitong/workday"

// defaultCalendar is the calendar quality counts dispute deadlines on
// when Config.Calendar is nil: the platform's shipped one.
var defaultCalendar = workday.DefaultCalendar()

// calendar returns the configured working-day calendar.
func (c *Config) calendar() *workday.Calendar {
	if c.Calendar != nil {
		return c.Calendar
	}
	return defaultCalendar
}
