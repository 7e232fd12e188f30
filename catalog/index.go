package catalog

import (
	"context"
	"strings"
	"sync"
	"unicode/utf8"

	"huitong"
	"huitong/search"
	"huitong/store"
)

// One index holds both audiences' views: the published view, which
// everyone in government searches, and the working view (the latest version
// in any status), which the provider's staff, reviewers and operators use for
// their own entries and the review queue. An entry whose latest version is
// the published one is a single document in both views; one with a pending
// revision has a second document (ID code+"#w") in the working view only.
type indexes struct {
	db *store.DB

	mu        sync.RWMutex
	idx       *search.Index
	summaries map[string]*huitong.Resource // by document ID; Items and long texts dropped
}

const workingSuffix = "#w"

func newIndexes(db *store.DB) *indexes {
	return &indexes{db: db, idx: search.New(), summaries: map[string]*huitong.Resource{}}
}

func brief(r *huitong.Resource) *huitong.Resource {
	b := *r
	b.Items, b.Related, b.Keywords = nil, nil, nil
	if utf8.RuneCountInString(b.Abstract) > 160 {
		b.Abstract = string([]rune(b.Abstract)[:160]) + "…"
	}
	b.ShareCondition, b.LegalBasis, b.OpenCondition = "", "", ""
	return &b
}

func doc(id string, r *huitong.Resource, views ...string) search.Doc {
	items := make([]string, 0, len(r.Items))
	for _, it := range r.Items {
		items = append(items, it.Name)
	}
	return search.Doc{
		ID: id,
		Fields: []search.Field{
			{Name: "name", Text: r.Name, Weight: 5},
			{Name: "keywords", Text: strings.Join(r.Keywords, " "), Weight: 3},
			{Name: "items", Text: strings.Join(items, " "), Weight: 2},
			{Name: "abstract", Text: r.Abstract, Weight: 1},
			{Name: "code", Text: r.Code, Weight: 1},
		},
		Facets: map[string][]string{
			"view":        views,
			"provider":    {r.Provider},
			"level":       {string(r.Level)},
			"class":       {string(r.Classification.Class)},
			"classCode":   classPrefixes(r.Classification.Code()),
			"shareType":   {string(r.ShareType)},
			"openType":    {string(r.OpenType)},
			"updateCycle": {string(r.UpdateCycle)},
			"status":      {string(r.Status)},
		},
	}
}

// classPrefixes lets a filter select a classification subtree: 3, 301, 301001.
func classPrefixes(code string) []string {
	var out []string
	for _, n := range []int{1, 3, 6, 9, 12} {
		if n <= len(code) {
			out = append(out, code[:n])
		}
	}
	return out
}

// set indexes an entry given its published version (nil if none) and its
// latest version.
func (ix *indexes) set(pub, latest *huitong.Resource) {
	code := latest.Code
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if pub != nil && pub.Version == latest.Version {
		ix.idx.Delete(code + workingSuffix)
		delete(ix.summaries, code+workingSuffix)
		ix.idx.Put(doc(code, latest, ScopePublished, ScopeWorking))
		ix.summaries[code] = brief(latest)
		return
	}
	if pub != nil {
		ix.idx.Put(doc(code, pub, ScopePublished))
		ix.summaries[code] = brief(pub)
	} else {
		ix.idx.Delete(code)
		delete(ix.summaries, code)
	}
	ix.idx.Put(doc(code+workingSuffix, latest, ScopeWorking))
	ix.summaries[code+workingSuffix] = brief(latest)
}

func (ix *indexes) remove(code string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, id := range []string{code, code + workingSuffix} {
		ix.idx.Delete(id)
		delete(ix.summaries, id)
	}
}

// reload refreshes one entry from the database.
func (ix *indexes) reload(ctx context.Context, code string) error {
	return ix.db.View(ctx, func(tx *store.Tx) error {
		head, err := tx.FindResourceHead(ctx, code)
		if huitong.ErrorCode(err) == huitong.ENOTFOUND {
			ix.remove(code)
			return nil
		} else if err != nil {
			return err
		}
		latest, err := tx.FindResourceVersion(ctx, code, head.LatestVersion)
		if err != nil {
			return err
		}
		var pub *huitong.Resource
		switch {
		case head.PublishedVersion == head.LatestVersion:
			pub = latest
		case head.PublishedVersion > 0:
			if pub, err = tx.FindResourceVersion(ctx, code, head.PublishedVersion); err != nil {
				return err
			}
		}
		ix.set(pub, latest)
		return nil
	})
}

// rebuild replaces the index with a fresh one loaded from the database.
func (ix *indexes) rebuild(ctx context.Context) error {
	fresh := newIndexes(ix.db)
	var pub, latest *huitong.Resource
	flush := func() {
		if latest != nil {
			fresh.set(pub, latest)
		}
		pub, latest = nil, nil
	}
	// Rows arrive per code in version order: the published version, if it
	// differs from the latest, comes first.
	err := ix.db.EachCurrentResource(ctx, func(r *huitong.Resource) error {
		if latest != nil && latest.Code != r.Code {
			flush()
		}
		if r.Status == huitong.StatusPublished {
			pub = r
		}
		latest = r
		return nil
	})
	if err != nil {
		return err
	}
	flush()
	ix.mu.Lock()
	ix.idx, ix.summaries = fresh.idx, fresh.summaries
	ix.mu.Unlock()
	return nil
}

// Search finds entries visible to the caller. Scope "working" searches the
// latest versions: the caller's own department's entries for staff, the
// submitted ones for reviewers (all of them with Status set), everything
// for operators. Any other scope searches the published catalog.
func (s *Service) Search(ctx context.Context, f huitong.ResourceFilter) (*huitong.ResourceList, error) {
	return s.SearchScope(ctx, f, "")
}

// Scopes of SearchScope.
const (
	ScopePublished = "published"
	ScopeWorking   = "working"
)

// SearchScope is Search with an explicit scope (see Search).
func (s *Service) SearchScope(ctx context.Context, f huitong.ResourceFilter, scope string) (*huitong.ResourceList, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if f.Limit <= 0 {
		f.Limit = 20
	}
	if f.Limit > 200 {
		f.Limit = 200
	}
	if f.Offset < 0 || f.Offset > 100000 {
		f.Offset = 0
	}
	q := search.Query{
		Text:    strings.TrimSpace(f.Query),
		Filters: map[string][]string{},
		Facets:  []string{"provider", "level", "class", "shareType", "openType", "updateCycle"},
		Offset:  f.Offset,
		Limit:   f.Limit,
	}
	if len([]rune(q.Text)) > 100 {
		q.Text = string([]rune(q.Text)[:100])
	}
	add := func(key, v string) {
		if v != "" {
			q.Filters[key] = []string{v}
		}
	}
	add("provider", f.Provider)
	add("level", string(f.Level))
	add("class", string(f.Class))
	add("classCode", f.Classification)
	add("shareType", string(f.ShareType))
	add("openType", string(f.OpenType))
	add("updateCycle", string(f.UpdateCycle))
	add("status", string(f.Status))

	ix := s.ix
	q.Filters["view"] = []string{ScopePublished}
	if scope == ScopeWorking {
		q.Filters["view"] = []string{ScopeWorking}
		q.Facets = append(q.Facets, "status")
		switch {
		case p.Has(huitong.RoleOperator):
		case p.Has(huitong.RoleReviewer) && f.Provider != p.Department:
			if f.Status == "" {
				q.Filters["status"] = []string{string(huitong.StatusSubmitted)}
			}
		default:
			q.Filters["provider"] = []string{p.Department}
		}
	}

	ix.mu.RLock()
	defer ix.mu.RUnlock()
	res := ix.idx.Search(q)
	out := &huitong.ResourceList{Total: res.Total, Items: make([]*huitong.Resource, 0, len(res.Hits)), Facets: map[string][]huitong.Facet{}}
	for _, h := range res.Hits {
		if sm, ok := ix.summaries[h.ID]; ok {
			out.Items = append(out.Items, sm)
		}
	}
	for key, counts := range res.Facets {
		for _, c := range counts {
			out.Facets[key] = append(out.Facets[key], huitong.Facet{Value: c.Value, Label: s.facetLabel(ctx, key, c.Value), Count: c.Count})
		}
	}
	return out, nil
}

func (s *Service) facetLabel(ctx context.Context, key, value string) string {
	if key == "provider" {
		return s.departmentName(ctx, value)
	}
	return huitong.Label(key, value)
}

// departmentName caches department names for facet labels and results.
func (s *Service) departmentName(ctx context.Context, code string) string {
	if v, ok := s.names.Load(code); ok {
		return v.(string)
	}
	d, err := s.db.FindDepartment(ctx, code)
	if err != nil {
		return code
	}
	s.names.Store(code, d.Name)
	return d.Name
}

// DepartmentName returns a department's name (its code when unknown).
func (s *Service) DepartmentName(ctx context.Context, code string) string {
	return s.departmentName(ctx, code)
}

// Stats returns how many entries each view holds.
func (s *Service) Stats() (published, working int) {
	s.ix.mu.RLock()
	defer s.ix.mu.RUnlock()
	count := func(view string) int {
		return s.ix.idx.Search(search.Query{Filters: map[string][]string{"view": {view}}, Limit: 1}).Total
	}
	return count(ScopePublished), count(ScopeWorking)
}
