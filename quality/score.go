package quality

import (
	"math"
	"time"

	"huitong"
)

// Scores are percentages from 0 to 100 with one decimal. Each dimension
// follows GB/T 36344-2018's meaning (completeness, validity/conformity,
// uniqueness, consistency, timeliness); how each is counted is documented
// on huitong.QualityScore and below.

// CyclePeriod is the longest interval between deliveries that the declared
// update cycle allows: a day for real-time and daily data, 7 days weekly,
// 31 monthly, 92 quarterly, 366 yearly; 0 for irregular (不定期), which is
// always timely.
func CyclePeriod(c huitong.UpdateCycle) time.Duration {
	day := 24 * time.Hour
	switch c {
	case huitong.CycleRealtime, huitong.CycleDaily:
		return day
	case huitong.CycleWeekly:
		return 7 * day
	case huitong.CycleMonthly:
		return 31 * day
	case huitong.CycleQuarterly:
		return 92 * day
	case huitong.CycleYearly:
		return 366 * day
	}
	return 0
}

// Timeliness scores a delivery at `at` after the previous one at `prev`
// against the update cycle: 100 within the period (and for a first
// delivery or irregular data), falling linearly to 0 at twice the period.
func Timeliness(c huitong.UpdateCycle, prev, at time.Time) float64 {
	period := CyclePeriod(c)
	if period == 0 || prev.IsZero() {
		return 100
	}
	late := at.Sub(prev) - period
	if late <= 0 {
		return 100
	}
	return round1(100 * math.Max(0, 1-float64(late)/float64(period)))
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func pct(part, whole float64) float64 {
	if whole <= 0 {
		return 0
	}
	return round1(100 * math.Min(1, math.Max(0, part/whole)))
}

func overall(q *huitong.QualityScore) {
	q.Overall = round1((q.Completeness + q.Validity + q.Uniqueness + q.Consistency + q.Timeliness) / 5)
}

// BatchFacts is what a batch's score is computed from.
type BatchFacts struct {
	Received    int   // data rows read
	Accepted    int   // rows stored
	Duplicates  int   // rows repeating a key seen earlier in the batch
	Warnings    int   // accepted rows with a consistency warning
	Disputes    int   // disputes the batch opened
	FilledCells int64 // non-empty item values in accepted rows
	Items       int   // items of the resource
	Cycle       huitong.UpdateCycle
	Previous    time.Time // start of the previous finished delivery, zero for the first
	At          time.Time // start of this one
}

// ScoreBatch scores one delivery:
//   - completeness: filled values of accepted rows over accepted rows × items;
//   - validity: accepted rows over rows read;
//   - uniqueness: rows not repeating an earlier key over rows read;
//   - consistency: accepted rows without a warning or a dispute over accepted rows;
//   - timeliness: the delivery against the previous one (Timeliness).
func ScoreBatch(f BatchFacts) huitong.QualityScore {
	q := huitong.QualityScore{At: f.At, Records: f.Accepted}
	q.Completeness = pct(float64(f.FilledCells), float64(f.Accepted)*float64(f.Items))
	q.Validity = pct(float64(f.Accepted), float64(f.Received))
	q.Uniqueness = pct(float64(f.Received-f.Duplicates), float64(f.Received))
	q.Consistency = pct(float64(f.Accepted-min(f.Accepted, f.Warnings+f.Disputes)), float64(f.Accepted))
	q.Timeliness = Timeliness(f.Cycle, f.Previous, f.At)
	overall(&q)
	return q
}

// ResourceFacts is what a resource's score is computed from.
type ResourceFacts struct {
	Records        int   // current records
	Filled         int64 // filled values over them
	Items          int
	Flagged        int // records with a consistency warning
	Disputed       int // subjects with an unsettled dispute
	NearDuplicates int // records beyond the first of each near-duplicate group
	Received       int // rows read by the finished batches of the window
	Accepted       int // of which accepted
	Cycle          huitong.UpdateCycle
	LastDelivery   time.Time
	At             time.Time
}

// ScoreResource scores a resource as it stands:
//   - completeness: filled values over records × items;
//   - validity: accepted over received rows of the recent deliveries;
//   - uniqueness: records that are not an extra member of a near-duplicate group;
//   - consistency: records without a warning or an unsettled dispute;
//   - timeliness: the last delivery against now.
func ScoreResource(f ResourceFacts) huitong.QualityScore {
	q := huitong.QualityScore{At: f.At, Records: f.Records}
	q.Completeness = pct(float64(f.Filled), float64(f.Records)*float64(f.Items))
	q.Validity = pct(float64(f.Accepted), float64(f.Received))
	q.Uniqueness = pct(float64(f.Records-f.NearDuplicates), float64(f.Records))
	q.Consistency = pct(float64(f.Records-min(f.Records, f.Flagged+f.Disputed)), float64(f.Records))
	if f.LastDelivery.IsZero() {
		q.Timeliness = 0
	} else {
		q.Timeliness = Timeliness(f.Cycle, f.LastDelivery, f.At)
	}
	overall(&q)
	return q
}
