package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"huitong"
	"huitong/quality"
)

// disputesPageSize is how many disputes the list shows a page.
const disputesPageSize = 50

// disputeStatusLabel names a dispute state in Chinese.
func disputeStatusLabel(st huitong.DisputeStatus) string {
	switch st {
	case huitong.DisputeOpen:
		return "待核实"
	case huitong.DisputeConfirmed:
		return "已确认原值"
	case huitong.DisputeCorrected:
		return "已更正"
	case huitong.DisputeResolved:
		return "已办结"
	}
	return string(st)
}

// disputeRow is a dispute as the list and the detail page show it.
type disputeRow struct {
	*huitong.Dispute
	ResourceName, AuthorityResourceName string
	ProviderName, AuthorityName         string
}

// StatusLabel names the dispute's state.
func (d disputeRow) StatusLabel() string { return disputeStatusLabel(d.Status) }

func (s *Server) disputeRow(r *http.Request, d *huitong.Dispute, names map[string]string) disputeRow {
	ctx := r.Context()
	name := func(code string) string {
		if n, ok := names[code]; ok {
			return n
		}
		n := s.resourceName(ctx, code)
		names[code] = n
		return n
	}
	return disputeRow{Dispute: d, ResourceName: name(d.Resource), AuthorityResourceName: name(d.AuthorityResource),
		ProviderName: s.Catalog.DepartmentName(ctx, d.Provider), AuthorityName: s.Catalog.DepartmentName(ctx, d.Authority)}
}

// disputesData is the 数据疑义 list with its filters.
type disputesData struct {
	Role     string // "" both, "authority" routed to my department, "provider" about my department's data
	Status   string // "" every state, or one of them
	Resource string
	Overdue  bool
	Statuses []huitong.DisputeStatus
	Items    []disputeRow
	Total    int
	Pager    pager
}

// StatusLabel names a dispute state (for the filter).
func (*disputesData) StatusLabel(st huitong.DisputeStatus) string { return disputeStatusLabel(st) }

func (s *Server) disputesPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	q := r.URL.Query()
	d := &disputesData{Role: q.Get("role"), Status: q.Get("status"), Resource: strings.TrimSpace(q.Get("resource")), Overdue: q.Get("overdue") == "1",
		Statuses: []huitong.DisputeStatus{huitong.DisputeOpen, huitong.DisputeConfirmed, huitong.DisputeCorrected, huitong.DisputeResolved}}
	if _, ok := q["status"]; !ok {
		d.Status = string(huitong.DisputeOpen) // what needs doing, unless asked otherwise
	}
	f := huitong.DisputeFilter{Resource: d.Resource, Overdue: d.Overdue, Limit: disputesPageSize}
	switch d.Role {
	case "authority":
		f.Authority = rq.p.Department
	case "provider":
		f.Provider = rq.p.Department
	default:
		d.Role = ""
	}
	switch st := huitong.DisputeStatus(d.Status); st {
	case huitong.DisputeOpen, huitong.DisputeConfirmed, huitong.DisputeCorrected, huitong.DisputeResolved:
		f.Status = st
	default:
		d.Status = ""
	}
	page := pageParam(r)
	f.Offset = (page - 1) * disputesPageSize
	list, total, err := s.Ingest.Quality.Disputes(r.Context(), f)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, x := range list {
		d.Items = append(d.Items, s.disputeRow(r, x, names))
	}
	d.Total = total
	kept := url.Values{"status": {d.Status}}
	if d.Role != "" {
		kept.Set("role", d.Role)
	}
	if d.Resource != "" {
		kept.Set("resource", d.Resource)
	}
	if d.Overdue {
		kept.Set("overdue", "1")
	}
	d.Pager = listPager("/governance/disputes", kept, page, disputesPageSize, total)
	return s.render(w, r, http.StatusOK, "governance_disputes", s.newView(r, rq, "数据疑义", "gov-disputes", d))
}

// disputeData is one dispute with the authority's answer forms.
type disputeData struct {
	D          disputeRow
	CanConfirm bool // the authority may still confirm its value
	CanCorrect bool // the authority may still correct it
	Action     string
	Note       string
	Corrected  string
	Errors     map[string][]string
	Message    string
}

// loadDispute reads the dispute of the path; the answer forms show to the
// authoritative department's people, as the quality service allows.
func (s *Server) loadDispute(r *http.Request, rq *request) (*disputeData, error) {
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	x, err := s.Ingest.Quality.Dispute(r.Context(), id)
	if err != nil {
		return nil, err
	}
	d := &disputeData{D: s.disputeRow(r, x, map[string]string{})}
	if x.Authority == rq.p.Department {
		d.CanConfirm = x.Status == huitong.DisputeOpen
		d.CanCorrect = x.Status == huitong.DisputeOpen || x.Status == huitong.DisputeConfirmed
	}
	return d, nil
}

func (s *Server) disputePage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadDispute(r, rq)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "governance_dispute", s.newView(r, rq, "数据疑义 "+strconv.FormatInt(d.D.ID, 10), "gov-disputes", d))
}

// answerDispute records the authority's answer: confirm (its value is
// right, with the basis) or correct (with the corrected value and a note).
func (s *Server) answerDispute(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.loadDispute(r, rq)
	if err != nil {
		return err
	}
	d.Action = r.PathValue("action")
	if d.Action != quality.AnswerConfirm && d.Action != quality.AnswerCorrect {
		return huitong.Errorf(huitong.ENOTFOUND, "页面不存在: %s", r.URL.Path)
	}
	d.Note, d.Corrected = strings.TrimSpace(r.PostFormValue("note")), strings.TrimSpace(r.PostFormValue("correctedValue"))
	x, err := s.Ingest.Quality.Answer(r.Context(), d.D.ID, d.Action, d.Note, d.Corrected)
	if err != nil {
		status := http.StatusUnprocessableEntity
		switch huitong.ErrorCode(err) {
		case huitong.EINVALID:
		case huitong.ECONFLICT:
			status = http.StatusConflict
		default:
			return err
		}
		d.Errors, d.Message = fieldErrs(err)
		return s.render(w, r, status, "governance_dispute", s.newView(r, rq, "数据疑义 "+strconv.FormatInt(d.D.ID, 10), "gov-disputes", d))
	}
	msg := "已确认本部门数据无误，疑义转提出方更正"
	if x.Status == huitong.DisputeCorrected {
		msg = "已登记更正值“" + x.CorrectedValue + "”；重新交付后，数据一致时疑义自动办结"
	}
	s.redirect(w, r, "/governance/disputes/"+strconv.FormatInt(x.ID, 10), false, msg)
	return nil
}
