package catalogio

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"huitong"
	"huitong/catalog"
)

// pageSize is the page Export and Import read search results in; it is
// SearchScope's largest page.
const pageSize = 200

// maxOffset is the deepest offset SearchScope honours (it resets larger
// ones to 0), so the most entries one export can page through.
const maxOffset = 100000

// cst is China Standard Time, for the dates people read in the workbook.
var cst = time.FixedZone("CST", 8*3600)

// Export writes the entries matched by filter, with every catalog element
// and all items, and returns how many it wrote. scope is
// catalog.ScopePublished (the default: published versions, which everyone in
// government may read) or catalog.ScopeWorking (latest versions: the
// caller's own department's entries for staff, as catalog.SearchScope
// defines). filter.Offset and filter.Limit select a window of the matches;
// Limit 0 means all of them.
//
// JSON is streamed entry by entry; xlsx is built with excelize's stream
// writer, which spills to temporary files for large catalogs. Errors:
// EUNAUTHORIZED without a principal, EINVALID for an unknown format,
// ETOOLARGE when more than 100000 entries match (narrow the filter), and
// any error of the store. An error after writing began leaves w truncated.
func Export(ctx context.Context, cat *catalog.Service, w io.Writer, f Format, filter huitong.ResourceFilter, scope string) (int, error) {
	if f != JSON && f != XLSX {
		return 0, huitong.Errorf(huitong.EINVALID, "不支持的导出格式 %q，应为 json 或 xlsx", f)
	}
	if scope != catalog.ScopeWorking {
		scope = catalog.ScopePublished
	}
	codes, err := matching(ctx, cat, filter, scope)
	if err != nil {
		return 0, fmt.Errorf("catalogio: export: %w", err)
	}
	i := 0
	next := func() (*huitong.Resource, error) {
		for i < len(codes) {
			code := codes[i]
			i++
			var r *huitong.Resource
			var err error
			if scope == catalog.ScopeWorking {
				r, err = cat.Find(ctx, code, 0)
			} else {
				r, err = cat.Published(ctx, code)
			}
			if huitong.ErrorCode(err) == huitong.ENOTFOUND {
				continue // withdrawn or removed since the search
			}
			return r, err
		}
		return nil, nil
	}
	var n int
	if f == JSON {
		n, err = writeJSON(ctx, w, next)
	} else {
		n, err = writeXLSX(ctx, w, func() (*huitong.Resource, string, error) {
			r, err := next()
			return r, "", err
		})
	}
	if err != nil {
		return n, fmt.Errorf("catalogio: export: %w", err)
	}
	return n, nil
}

// matching lists the codes of the entries filter selects, in the order of
// the search (by code for a query without text). It pages through
// SearchScope; an entry added between pages may shift another one into a
// page already read, so codes are deduplicated.
func matching(ctx context.Context, cat *catalog.Service, filter huitong.ResourceFilter, scope string) ([]string, error) {
	start, want := max(filter.Offset, 0), filter.Limit
	var codes []string
	seen := map[string]bool{}
	err := eachHit(ctx, cat, filter, scope, start, func(r *huitong.Resource) bool {
		if !seen[r.Code] {
			seen[r.Code] = true
			codes = append(codes, r.Code)
		}
		return want <= 0 || len(codes) < want
	})
	return codes, err
}

// eachHit calls fn with every search result from offset on until fn
// returns false. ETOOLARGE when the results go deeper than SearchScope pages.
func eachHit(ctx context.Context, cat *catalog.Service, filter huitong.ResourceFilter, scope string, offset int, fn func(r *huitong.Resource) bool) error {
	filter.Limit = pageSize
	for {
		if offset > maxOffset {
			return huitong.Errorf(huitong.ETOOLARGE, "匹配的信息资源超过 %d 条，请缩小筛选范围后分批导出", maxOffset)
		}
		filter.Offset = offset
		list, err := cat.SearchScope(ctx, filter, scope)
		if err != nil {
			return err
		}
		for _, r := range list.Items {
			if !fn(r) {
				return nil
			}
		}
		offset += len(list.Items)
		if len(list.Items) < pageSize || offset >= list.Total {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// writeJSON streams {"version":1,"exportedAt":...,"items":[...]} one entry
// at a time, so memory does not grow with the catalog.
func writeJSON(ctx context.Context, w io.Writer, next func() (*huitong.Resource, error)) (int, error) {
	bw := bufio.NewWriter(w)
	at, _ := json.Marshal(time.Now().UTC().Format(time.RFC3339))
	fmt.Fprintf(bw, `{"version":%d,"exportedAt":%s,"items":[`, Version, at)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		r, err := next()
		if err != nil {
			return n, err
		}
		if r == nil {
			break
		}
		b, err := json.Marshal(r)
		if err != nil {
			return n, err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
		bw.Write(b)
		n++
	}
	bw.WriteString("\n]}\n")
	return n, bw.Flush()
}

// entryValues is one row of the 信息资源 sheet.
func entryValues(seq string, r *huitong.Resource) []any {
	methods := make([]string, len(r.ShareMethods))
	for i, m := range r.ShareMethods {
		methods[i] = huitong.Label("shareMethod", string(m))
	}
	location := ""
	switch r.Mount.Kind {
	case huitong.MountAPI:
		location = r.Mount.URL
	case huitong.MountFile:
		location = r.Mount.Path
	case huitong.MountTable:
		location = r.Mount.Table
	}
	published := ""
	if !r.PublishedAt.IsZero() {
		published = r.PublishedAt.In(cst).Format("2006-01-02")
	}
	var version any = ""
	if r.Version > 0 {
		version = r.Version
	}
	status := ""
	if r.Status != "" {
		status = huitong.Label("status", string(r.Status))
	}
	return []any{
		seq, r.Code, r.Name, r.Abstract,
		huitong.Label("class", string(r.Classification.Class)), r.Classification.Item, r.Classification.Category, r.Classification.Detail,
		r.Provider,
		huitong.Label("format", string(r.Format)),
		huitong.Label("shareType", string(r.ShareType)), r.ShareCondition, r.LegalBasis, strings.Join(methods, "、"),
		huitong.Label("openType", string(r.OpenType)), r.OpenCondition,
		huitong.Label("updateCycle", string(r.UpdateCycle)),
		strings.Join(r.Related, "、"), strings.Join(r.Keywords, "、"),
		huitong.Label("mount", string(r.Mount.Kind)), location, r.Mount.Method, r.Mount.Comment,
		status, version, published,
	}
}

// itemValues is one row of the 信息项 sheet.
func itemValues(seq, code string, it *huitong.Item) []any {
	var length any = ""
	if it.Length > 0 {
		length = it.Length
	}
	label := func(enum, v string) string {
		if v == "" {
			return ""
		}
		return huitong.Label(enum, v)
	}
	return []any{
		seq, code, it.Name, it.Code, label("itemType", string(it.Type)), length,
		yesNo(it.Required), yesNo(it.Key), label("keyKind", string(it.KeyKind)), yesNo(it.Sensitive),
		label("shareType", string(it.ShareType)), label("openType", string(it.OpenType)),
		it.DataElement, it.Description,
	}
}
