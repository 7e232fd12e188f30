package web

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/quality"
)

// trendDays is how far back the resource page's trend reaches.
const trendDays = 90

// The trend chart's geometry, in SVG user units.
const (
	chartW, chartH         = 760, 260
	chartLeft, chartRight  = 44, 12
	chartTop, chartBottom  = 12, 30
	chartPlotW, chartPlotH = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
)

// chartLine is one dimension's polyline.
type chartLine struct {
	Key, Name string
	Points    string // "x,y x,y ..."
	Dots      []chartDot
}

// chartDot marks a snapshot on the overall line.
type chartDot struct {
	X, Y  string
	Title string
}

// chartTick is an axis label; Anchor is its SVG text-anchor.
type chartTick struct {
	X, Y   string
	Label  string
	Anchor string
}

// trendChart is the 90-day trend drawn as inline SVG on the server: no
// script, no external library, and the table beside it says the same.
type trendChart struct {
	W, H, Left, Right, Top, Bottom int
	Lines                          []chartLine
	YTicks, XTicks                 []chartTick
}

func coord(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// buildChart draws the snapshots of trend (oldest first) over the days
// before now.
func buildChart(trend []*huitong.QualityScore, now time.Time, days int) *trendChart {
	if len(trend) == 0 {
		return nil
	}
	start := now.AddDate(0, 0, -days)
	span := now.Sub(start).Seconds()
	x := func(t time.Time) float64 {
		f := t.Sub(start).Seconds() / span
		return chartLeft + min(max(f, 0), 1)*chartPlotW
	}
	// The y axis starts below the lowest score, so a trend between 97 and
	// 100 is not a flat line along the top.
	lo, step := yRange(trend)
	y := func(v float64) float64 { return chartTop + (100-min(max(v, lo), 100))/(100-lo)*chartPlotH }
	c := &trendChart{W: chartW, H: chartH, Left: chartLeft, Right: chartW - chartRight, Top: chartTop, Bottom: chartH - chartBottom}
	keys := append([]dimension{}, dimensions...)
	keys = append(keys, dimension{Key: "overall", Name: "综合"})
	for _, d := range keys {
		l := chartLine{Key: d.Key, Name: d.Name}
		pts := make([]string, 0, len(trend))
		for _, q := range trend {
			px, py := x(q.At), y(dimensionValue(q, d.Key))
			pts = append(pts, coord(px)+","+coord(py))
			if d.Key == "overall" {
				l.Dots = append(l.Dots, chartDot{X: coord(px), Y: coord(py),
					Title: fmt.Sprintf("%s 综合 %.1f", q.At.In(cst).Format("2006-01-02 15:04"), q.Overall)})
			}
		}
		l.Points = strings.Join(pts, " ")
		c.Lines = append(c.Lines, l)
	}
	for v := lo; v <= 100; v += step {
		c.YTicks = append(c.YTicks, chartTick{X: coord(chartLeft - 6), Y: coord(y(v)), Label: strconv.Itoa(int(v))})
	}
	for i := 0; i <= 3; i++ {
		t := start.Add(time.Duration(float64(now.Sub(start)) * float64(i) / 3))
		anchor := "middle" // the outer labels stay inside the chart
		switch i {
		case 0:
			anchor = "start"
		case 3:
			anchor = "end"
		}
		c.XTicks = append(c.XTicks, chartTick{X: coord(x(t)), Y: coord(chartH - 10), Label: t.In(cst).Format("01-02"), Anchor: anchor})
	}
	return c
}

// yRange returns the bottom of the chart's y axis (the top is 100) and the
// step of its labels: a multiple of 5 at least 10 below the lowest score
// of trend, so small changes show, with 4 to 5 labels.
func yRange(trend []*huitong.QualityScore) (lo, step float64) {
	low := 100.0
	for _, q := range trend {
		for _, k := range []string{"completeness", "validity", "uniqueness", "consistency", "timeliness", "overall"} {
			low = min(low, dimensionValue(q, k))
		}
	}
	switch lo = max(0, math.Floor(low/10)*10-10); {
	case lo >= 80:
		return 80, 5
	case lo >= 50:
		return 50, 10
	}
	return 0, 25
}

// recordCell is one item of a record version.
type recordCell struct {
	Name, Value string
	Changed     bool // differs from the previous version
}

// recordVersion is one version of a record, its values in item order.
type recordVersion struct {
	*huitong.Record
	Cells []recordCell
}

// resourceData is the quality page of one resource.
type resourceData struct {
	R           *huitong.Resource
	Q           *quality.ResourceQuality
	Cells       []scoreCell
	Chart       *trendChart
	Trend       []trendRow
	Provider    bool // the signed-in person's department provides it
	Batches     []batchRow
	BatchTotal  int
	BatchPager  pager
	BatchHidden string
	Dups        []*huitong.DuplicateGroup
	DupTotal    int
	DupHidden   string
	Key, AsOf   string
	Items       []string // item names, the record tables' columns
	Record      *recordVersion
	History     []recordVersion
	Lookup      string // why the lookup found nothing
}

// trendRow is one stored snapshot in the trend table.
type trendRow struct {
	*huitong.QualityScore
	Cells []scoreCell
}

// resourceQualityPage shows a resource's scores, trend, batches, near
// duplicates, and for its provider's staff a record lookup with history.
func (s *Server) resourceQualityPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	res, err := s.Catalog.Published(ctx, code)
	if err != nil {
		return err
	}
	q, err := s.Ingest.Quality.Quality(ctx, code, trendDays)
	if err != nil {
		return err
	}
	d := &resourceData{R: res, Q: q, Cells: scoreCells(q.Current), Provider: res.Provider == rq.p.Department,
		Chart: buildChart(q.Trend, time.Now(), trendDays)}
	for i := len(q.Trend) - 1; i >= 0; i-- {
		d.Trend = append(d.Trend, trendRow{QualityScore: q.Trend[i], Cells: scoreCells(q.Trend[i])})
	}
	base := "/governance/resources/" + code
	page := pageParam(r)
	list, total, err := s.Ingest.Batches(ctx, code, "", (page-1)*pageSize, pageSize)
	switch huitong.ErrorCode(err) {
	case "":
		d.Batches, d.BatchTotal = s.batchRows(ctx, list), total
		kept := url.Values{}
		for _, k := range []string{"key", "asOf"} {
			if v := r.URL.Query().Get(k); v != "" {
				kept.Set(k, v)
			}
		}
		d.BatchPager = listPager(base, kept, page, pageSize, total)
	case huitong.EFORBIDDEN:
		d.BatchHidden = huitong.ErrorMessage(err)
	default:
		return err
	}
	dups, dupTotal, err := s.Ingest.Quality.Duplicates(ctx, code, 0, 50)
	switch huitong.ErrorCode(err) {
	case "":
		d.Dups, d.DupTotal = dups, dupTotal
	case huitong.EFORBIDDEN:
		d.DupHidden = huitong.ErrorMessage(err)
	default:
		return err
	}
	for _, it := range res.Items {
		d.Items = append(d.Items, it.Name)
	}
	status := http.StatusOK
	d.Key, d.AsOf = strings.TrimSpace(r.URL.Query().Get("key")), strings.TrimSpace(r.URL.Query().Get("asOf"))
	if d.Key != "" {
		status = s.lookupRecord(r, res, d)
	}
	return s.render(w, r, status, "governance_resource", s.newView(r, rq, "数据质量 · "+res.Name, "governance", d))
}

// lookupRecord reads the record of d.Key (as of d.AsOf when given) and its
// history into d, through the ingest service, which lets only the
// provider's own staff read and audits every read. It returns the page
// status: a refusal or a miss is said on the page.
func (s *Server) lookupRecord(r *http.Request, res *huitong.Resource, d *resourceData) int {
	ctx := r.Context()
	asOf, ok := formDate(d.AsOf)
	if !ok {
		d.Lookup = fmt.Sprintf("查询时点应为日期(年-月-日)，收到“%s”", d.AsOf)
		return http.StatusUnprocessableEntity
	}
	rec, err := s.Ingest.Record(ctx, res.Code, d.Key, asOf)
	if err != nil {
		if c := huitong.ErrorCode(err); c == huitong.EINTERNAL || c == huitong.EUNAVAILABLE {
			s.Log.ErrorContext(ctx, "web: record lookup", "resource", res.Code, "err", err)
		}
		d.Lookup = huitong.ErrorMessage(err)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			d.Lookup = "没有主键为“" + d.Key + "”的记录"
			if !asOf.IsZero() {
				d.Lookup += "(截至 " + d.AsOf + ")"
			}
		}
		return httpStatusOf(err)
	}
	v := versionOf(res, rec, nil)
	d.Record = &v
	history, err := s.Ingest.RecordHistory(ctx, res.Code, d.Key)
	if err != nil {
		d.Lookup = huitong.ErrorMessage(err)
		return httpStatusOf(err)
	}
	var prev *huitong.Record
	for _, h := range history {
		d.History = append(d.History, versionOf(res, h, prev))
		prev = h
	}
	return http.StatusOK
}

// versionOf lays out a record's values in item order, marking those that
// differ from prev (nil for none).
func versionOf(res *huitong.Resource, rec, prev *huitong.Record) recordVersion {
	v := recordVersion{Record: rec}
	for i := range res.Items {
		k := itemKey(&res.Items[i])
		c := recordCell{Name: res.Items[i].Name, Value: rec.Data[k]}
		c.Changed = prev != nil && prev.Data[k] != c.Value
		v.Cells = append(v.Cells, c)
	}
	return v
}
