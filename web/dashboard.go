package web

import (
	"net/http"
	"slices"

	"huitong"
	"huitong/catalog"
)

// dashboardData is what the home page shows.
type dashboardData struct {
	Published   int
	Drafts      int
	Submitted   int
	MinePublic  int
	ReviewQueue int
	Reviewer    bool
	Recent      []recentChange
}

// recentChange is one change of one of the department's entries.
type recentChange struct {
	*huitong.Change
	Name string
}

// recentEntries is how many recently updated entries the home page reads
// the history of.
const recentEntries = 8

// maxScan bounds how many of the department's entries the home page looks
// through for the most recently changed ones.
const maxScan = 5000

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, rq *request) error {
	ctx := r.Context()
	d := &dashboardData{Reviewer: rq.p.Has(huitong.RoleReviewer)}
	pub, err := s.Catalog.SearchScope(ctx, huitong.ResourceFilter{Limit: 1}, catalog.ScopePublished)
	if err != nil {
		return err
	}
	d.Published = pub.Total

	mine, err := s.Catalog.SearchScope(ctx, huitong.ResourceFilter{Provider: rq.p.Department, Limit: 200}, catalog.ScopeWorking)
	if err != nil {
		return err
	}
	for _, f := range mine.Facets["status"] {
		switch huitong.Status(f.Value) {
		case huitong.StatusDraft:
			d.Drafts = f.Count
		case huitong.StatusSubmitted:
			d.Submitted = f.Count
		case huitong.StatusPublished:
			d.MinePublic = f.Count
		}
	}
	if d.Reviewer {
		q, err := s.Catalog.SearchScope(ctx, huitong.ResourceFilter{Status: huitong.StatusSubmitted, Limit: 1}, catalog.ScopeWorking)
		if err != nil {
			return err
		}
		d.ReviewQueue = q.Total
	}

	// The search index knows when each entry last changed; the history of
	// the most recently changed ones gives the department's recent changes.
	entries := slices.Clone(mine.Items)
	for off := len(mine.Items); off < mine.Total && off < maxScan; off += 200 {
		more, err := s.Catalog.SearchScope(ctx, huitong.ResourceFilter{Provider: rq.p.Department, Offset: off, Limit: 200}, catalog.ScopeWorking)
		if err != nil {
			return err
		}
		if len(more.Items) == 0 {
			break
		}
		entries = append(entries, more.Items...)
	}
	slices.SortFunc(entries, func(a, b *huitong.Resource) int { return b.UpdatedAt.Compare(a.UpdatedAt) })
	for _, e := range entries[:min(len(entries), recentEntries)] {
		changes, err := s.Catalog.Changes(ctx, e.Code)
		if err != nil {
			return err
		}
		for _, c := range changes {
			d.Recent = append(d.Recent, recentChange{Change: c, Name: e.Name})
		}
	}
	slices.SortFunc(d.Recent, func(a, b recentChange) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	d.Recent = d.Recent[:min(len(d.Recent), 10)]
	return s.render(w, r, http.StatusOK, "dashboard", s.newView(r, rq, "首页", "home", d))
}
