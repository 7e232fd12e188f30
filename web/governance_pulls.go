package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/ingest"
)

// scheduleLabel says when a pull runs, in Chinese (see ingest.Schedule).
func scheduleLabel(s string) string {
	switch {
	case s == "@hourly":
		return "每小时"
	case s == "@daily":
		return "每天 00:00"
	case strings.HasPrefix(s, "@daily "):
		return "每天 " + strings.TrimSpace(strings.TrimPrefix(s, "@daily "))
	case strings.HasPrefix(s, "@every "):
		d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(s, "@every ")))
		if err != nil {
			return s
		}
		switch {
		case d%time.Hour == 0:
			return fmt.Sprintf("每 %d 小时", d/time.Hour)
		case d%time.Minute == 0:
			return fmt.Sprintf("每 %d 分钟", d/time.Minute)
		}
	}
	return s
}

// pullRow is a pull as the list shows it. NB: the DSN is never on it; the
// list shows DSNDisplay, which the service keeps without the password.
type pullRow struct {
	*huitong.Pull
	ResourceName string
	CanManage    bool // pause, resume, delete: the provider's department admins
	CanRun       bool // run now: the provider's staff and admins
}

// ScheduleLabel says when the pull runs.
func (p pullRow) ScheduleLabel() string { return scheduleLabel(p.Schedule) }

// ModeLabel names the pull's delivery mode.
func (p pullRow) ModeLabel() string { return modeLabel(p.Mode) }

// pullForm is the form registering a pull. It holds no DSN: a DSN typed
// into a refused form is not sent back to the browser.
type pullForm struct {
	Resource, Name, Driver, Query, ChangeColumn, Schedule, Mode string
}

// pullsData is the 定时抽取 page.
type pullsData struct {
	Items     []pullRow
	Resources []*huitong.Resource
	CanCreate bool
	Form      pullForm
	Errors    map[string][]string
	Message   string
	DSNAgain  bool // the refused form's DSN has to be typed again
}

func (s *Server) pullsData(r *http.Request, rq *request, form pullForm) (*pullsData, error) {
	ctx := r.Context()
	list, err := s.Ingest.Pulls(ctx, "")
	if err != nil {
		return nil, err
	}
	d := &pullsData{Form: form, CanCreate: rq.p.Has(huitong.RoleDeptAdmin)}
	names := map[string]string{}
	for _, p := range list {
		cp := *p
		cp.DSN = "" // belt and braces: never carried to a template
		n, ok := names[p.Resource]
		if !ok {
			n = s.resourceName(ctx, p.Resource)
			names[p.Resource] = n
		}
		mine := p.Provider == rq.p.Department
		d.Items = append(d.Items, pullRow{Pull: &cp, ResourceName: n, CanManage: mine && rq.p.Has(huitong.RoleDeptAdmin),
			CanRun: mine && (rq.p.Has(huitong.RoleStaff) || rq.p.Has(huitong.RoleDeptAdmin))})
	}
	if d.CanCreate {
		if d.Resources, err = s.tableResources(ctx, rq.p.Department); err != nil {
			return nil, err
		}
	}
	if d.Form.Driver == "" {
		d.Form.Driver = ingest.DriverPostgres
	}
	if d.Form.Schedule == "" {
		d.Form.Schedule = "@daily 02:00"
	}
	if d.Form.Mode == "" {
		d.Form.Mode = string(huitong.ModeIncremental)
	}
	return d, nil
}

func (s *Server) pullsPage(w http.ResponseWriter, r *http.Request, rq *request) error {
	d, err := s.pullsData(r, rq, pullForm{})
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "governance_pulls", s.newView(r, rq, "定时抽取", "gov-pulls", d))
}

// createPull registers a pull; the service seals the DSN and allows only
// the provider's department admins.
func (s *Server) createPull(w http.ResponseWriter, r *http.Request, rq *request) error {
	f := r.PostForm
	form := pullForm{Resource: strings.TrimSpace(f.Get("resource")), Name: strings.TrimSpace(f.Get("name")), Driver: f.Get("driver"),
		Query: f.Get("query"), ChangeColumn: strings.TrimSpace(f.Get("changeColumn")), Schedule: strings.TrimSpace(f.Get("schedule")), Mode: f.Get("mode")}
	in := &huitong.Pull{Name: form.Name, Driver: form.Driver, Query: form.Query, ChangeColumn: form.ChangeColumn, Schedule: form.Schedule,
		Mode: huitong.DeliveryMode(form.Mode)}
	var err error
	if form.Resource == "" {
		var v huitong.Validation
		v.Add("resource", "required", "请选择抽取数据写入的资源")
		err = v.Err()
	} else {
		_, err = s.Ingest.CreatePull(r.Context(), form.Resource, in, f.Get("dsn"))
	}
	if err == nil {
		s.redirect(w, r, "/governance/pulls", false, "已登记定时抽取任务“"+form.Name+"”，连接串已加密保存；首次抽取将立即执行")
		return nil
	}
	if huitong.ErrorCode(err) != huitong.EINVALID {
		return err
	}
	d, derr := s.pullsData(r, rq, form)
	if derr != nil {
		return derr
	}
	d.Errors, d.Message = fieldErrs(err)
	d.DSNAgain = f.Get("dsn") != ""
	return s.render(w, r, http.StatusUnprocessableEntity, "governance_pulls", s.newView(r, rq, "定时抽取", "gov-pulls", d))
}

// pullAction runs, pauses, resumes or deletes a pull.
func (s *Server) pullAction(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "run":
		b, err := s.Ingest.RunPull(ctx, id)
		if b != nil {
			target := "/governance/batches/" + strconv.FormatInt(b.ID, 10)
			if err != nil || b.Status == huitong.BatchFailed {
				s.redirect(w, r, target, true, "抽取失败："+firstNonEmpty(b.Error, huitong.ErrorMessage(err)))
				return nil
			}
			s.redirect(w, r, target, false, fmt.Sprintf("抽取完成：读取 %d 行，入库 %d 行，拒收 %d 行", b.Received, b.Accepted, b.Rejected))
			return nil
		}
		switch huitong.ErrorCode(err) {
		case huitong.EFORBIDDEN, huitong.ENOTFOUND, huitong.EUNAUTHORIZED, huitong.EINTERNAL:
			return err
		}
		// The department's database could not be reached or queried, or the
		// pull is running elsewhere: the list shows what happened.
		s.redirect(w, r, "/governance/pulls", true, "抽取未完成："+huitong.ErrorMessage(err))
		return nil
	case "pause", "resume":
		on := r.PathValue("action") == "resume"
		p, err := s.Ingest.UpdatePull(ctx, id, ingest.PullUpdate{Enabled: &on})
		if err != nil {
			return err
		}
		msg := "已暂停抽取任务“" + p.Name + "”"
		if on {
			msg = "已恢复抽取任务“" + p.Name + "”，下次抽取时间 " + p.NextRunAt.In(cst).Format("2006-01-02 15:04")
		}
		s.redirect(w, r, "/governance/pulls", false, msg)
		return nil
	case "delete":
		p, err := s.Ingest.Pull(ctx, id)
		if err != nil {
			return err
		}
		if err := s.Ingest.DeletePull(ctx, id); err != nil {
			return err
		}
		s.redirect(w, r, "/governance/pulls", false, "已删除抽取任务“"+p.Name+"”及其加密保存的连接凭据")
		return nil
	}
	return huitong.Errorf(huitong.ENOTFOUND, "页面不存在: %s", r.URL.Path)
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
