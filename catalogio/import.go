package catalogio

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"huitong"
	"huitong/catalog"
)

// entry is one catalog entry read from the file, on its way to cat.Create.
type entry struct {
	row      int    // xlsx: Excel row in the entries sheet; JSON: position in "items"
	seq      string // 序号
	code     string // 信息资源代码 in the file (another platform's code, or ours)
	res      huitong.Resource
	itemRows []int           // xlsx: Excel row of each item in the items sheet
	failed   map[string]bool // fields that did not parse; Validate's complaint about them would repeat ours
	broken   bool            // not an entry at all (JSON element not an object): nothing to validate
	bad      bool            // some rule is broken: not created
	local    []string        // related entries that are in this file, by their file code or 序号
	existing string          // code of the same-named entry already in the provider's catalog
	newCode  string          // code given by Create
}

// importer holds one Import's state.
type importer struct {
	ctx       context.Context
	cat       *catalog.Service
	p         *huitong.Principal
	opt       Options
	xlsx      bool
	sheet     string // entries sheet (xlsx)
	itemSheet string // items sheet (xlsx)
	rep       *Report
	names     map[string]map[string]string // provider -> entry name -> code, loaded on demand
}

// Import reads a catalog file and registers each entry as a draft through
// cat.Create, for the caller's department or for the provider code in the
// row when the caller may act for that department (platform operators).
// With opt.Submit each draft is then submitted for review; with opt.DryRun
// nothing is created.
//
// Import does not stop at the first bad row: every row is checked against
// catalog.Validate and the rules of the file, good rows are created and bad
// rows are reported in Report.Errors with their sheet, row (as Excel shows
// it, the header being row 1), column and rule. An entry whose name is
// already in its provider's catalog, or earlier in the file, is reported and
// not created again, so importing the same file twice creates nothing new.
// Table-mounted entries get a platform table named after their new code:
// a table name in the file is not trusted. Related codes that point at
// entries of the same file (by code or 序号) are mapped to the new codes.
// A header missing a required column, or a workbook without the items
// sheet, creates nothing and says so in Report.Errors.
//
// The error is non-nil only when nothing could be read: EUNAUTHORIZED
// without a principal, ETOOLARGE over MaxFileSize, EINVALID for a file that
// is not xlsx or not JSON, has no header row, or names no such sheet; or
// when the caller's catalog cannot be read to check for duplicates or ctx
// ends (the Report then says what was done so far).
func Import(ctx context.Context, cat *catalog.Service, r io.Reader, f Format, opt Options) (*Report, error) {
	p := huitong.PrincipalFrom(ctx)
	if p == nil {
		return nil, huitong.Errorf(huitong.EUNAUTHORIZED, "未登录")
	}
	if f != JSON && f != XLSX {
		return nil, huitong.Errorf(huitong.EINVALID, "不支持的导入格式 %q，应为 json 或 xlsx", f)
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("catalogio: import: read: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, huitong.Errorf(huitong.ETOOLARGE, "文件超过 %d MiB，请分批导入", MaxFileSize>>20)
	}
	im := &importer{ctx: ctx, cat: cat, p: p, opt: opt, xlsx: f == XLSX, rep: &Report{Codes: []string{}, Errors: []RowError{}}, names: map[string]map[string]string{}}
	var entries []*entry
	if f == XLSX {
		entries, err = im.readXLSX(data)
	} else {
		entries, err = im.readJSON(data)
	}
	if err != nil {
		return nil, err
	}
	if entries != nil {
		err = im.run(entries)
	}
	im.finish()
	if err != nil {
		return im.rep, fmt.Errorf("catalogio: import: %w", err)
	}
	return im.rep, nil
}

// finish counts the skipped rows and orders the errors by sheet and row.
func (im *importer) finish() {
	im.rep.Skipped = im.rep.Rows - im.rep.Created
	rank := func(sheet string) int {
		if sheet == im.itemSheet && sheet != "" {
			return 1
		}
		return 0
	}
	slices.SortStableFunc(im.rep.Errors, func(a, b RowError) int {
		if ra, rb := rank(a.Sheet), rank(b.Sheet); ra != rb {
			return ra - rb
		}
		return a.Row - b.Row
	})
}

// mayActFor mirrors the catalog's rule for who may register an entry for
// a provider (catalog.canEdit is unexported): operators for any department,
// staff and department admins for their own. Create checks it again.
func mayActFor(p *huitong.Principal, provider string) bool {
	return p.Has(huitong.RoleOperator) || (p.Department == provider && (p.Has(huitong.RoleStaff) || p.Has(huitong.RoleDeptAdmin)))
}

// add records a problem at an explicit place.
func (im *importer) add(sheet string, row int, field, rule, value, format string, args ...any) {
	im.rep.Errors = append(im.rep.Errors, RowError{Sheet: sheet, Row: row, Field: field, Rule: rule, Message: fmt.Sprintf(format, args...), Value: shown(value)})
}

// locate turns an API field path of e ("shareType", "items[2].type") into
// the sheet, row and column name a person looks for. For JSON the place is
// the entry's position and the field path itself.
func (im *importer) locate(e *entry, field string) (sheet string, row int, label string) {
	if !im.xlsx {
		return "", e.row, field
	}
	if n, _, ok := itemField(field); ok && n < len(e.itemRows) {
		return im.itemSheet, e.itemRows[n], humanLabel(field)
	}
	return im.sheet, e.row, humanLabel(field)
}

// itemField splits "items[2].type" into 2 and "type".
func itemField(field string) (int, string, bool) {
	rest, ok := strings.CutPrefix(field, "items[")
	if !ok {
		return 0, "", false
	}
	i, sub, ok := strings.Cut(rest, "]")
	n, err := strconv.Atoi(i)
	if !ok || err != nil || n < 0 {
		return 0, "", false
	}
	return n, strings.TrimPrefix(sub, "."), true
}

// humanLabel names a field as the workbook's column headers do.
func humanLabel(field string) string {
	if _, sub, ok := itemField(field); ok {
		return itemLabel(sub)
	}
	return entryLabel(field)
}

// fail records that e breaks rule at field, and marks it not to be created.
func (im *importer) fail(e *entry, field, rule, value, format string, args ...any) {
	e.bad = true
	im.warn(e, field, rule, value, format, args...)
}

// warn records a problem at field of e that does not stop its import.
func (im *importer) warn(e *entry, field, rule, value, format string, args ...any) {
	sheet, row, label := im.locate(e, field)
	im.add(sheet, row, label, rule, value, format, args...)
}

// failErr records an error of the catalog service against e: every field
// of a validation error, or the error's code and message.
func (im *importer) failErr(e *entry, err error, prefix string) {
	if fields := huitong.ErrorFields(err); len(fields) > 0 {
		for _, fe := range fields {
			im.fail(e, fe.Field, fe.Rule, fieldValue(&e.res, fe.Field), "%s%s", prefix, fe.Message)
		}
		return
	}
	im.fail(e, "", huitong.ErrorCode(err), "", "%s%s", prefix, huitong.ErrorMessage(err))
}

// enum parses raw as a value of the named enumeration for field.
func (im *importer) enum(e *entry, field, enum, raw string) string {
	v, ok := parseEnum(enum, raw)
	if !ok {
		e.failed[field] = true
		im.fail(e, field, "enum", raw, "%s取值“%s”无效，应为 %s 之一", humanLabel(field), shown(strings.TrimSpace(raw)), choices(enum))
		return ""
	}
	return v
}

// where names a row in a message.
func (im *importer) where(row int) string {
	if im.xlsx {
		return fmt.Sprintf("第 %d 行", row)
	}
	return fmt.Sprintf("第 %d 条", row)
}

// run checks every entry, then creates, links and submits the good ones.
func (im *importer) run(entries []*entry) error {
	ctx := im.ctx
	// Entries of this file by their code in the file, then by 序号.
	refs := map[string]*entry{}
	for _, e := range entries {
		if e.code != "" && refs[e.code] == nil {
			refs[e.code] = e
		}
	}
	for _, e := range entries {
		if e.seq != "" && refs[e.seq] == nil {
			refs[e.seq] = e
		}
	}

	seen := map[string]*entry{}
	for _, e := range entries {
		if e.broken {
			e.bad = true
			continue
		}
		r := &e.res
		r.Provider = strings.ToUpper(strings.TrimSpace(r.Provider))
		if r.Provider == "" {
			r.Provider = im.p.Department
		}
		allowed := mayActFor(im.p, r.Provider)
		switch {
		case !allowed:
			im.fail(e, "provider", "forbidden", r.Provider, "无权为部门 %s 登记信息资源：只能登记本部门的资源", r.Provider)
		case r.Provider != im.p.Department && im.cat.DepartmentName(ctx, r.Provider) == r.Provider:
			// DepartmentName gives the code back for an unknown department.
			allowed = false
			im.fail(e, "provider", "exists", r.Provider, "提供方部门不存在：%s", r.Provider)
		}
		if r.Mount.Kind == huitong.MountTable {
			r.Mount.Table = "" // the platform names the table after the new code
		}
		var external []string
		for _, ref := range r.Related {
			ref = strings.TrimSpace(ref)
			if t := refs[ref]; t != nil {
				e.local = append(e.local, ref)
			} else if ref != "" {
				external = append(external, ref)
			}
		}
		r.Related = external

		c := cloneResource(r)
		if err := catalog.Validate(c); err != nil {
			for _, fe := range huitong.ErrorFields(err) {
				if !e.failed[fe.Field] {
					im.fail(e, fe.Field, fe.Rule, fieldValue(r, fe.Field), "%s", fe.Message)
				}
			}
		}
		e.res = *c // normalised (trimmed) even when invalid

		for _, code := range e.res.Related {
			if !catalog.ValidCode(code) {
				continue // Validate reported it
			}
			if _, err := im.cat.Find(ctx, code, 0); huitong.ErrorCode(err) == huitong.ENOTFOUND {
				im.fail(e, "related", "exists", code, "关联资源 %s 不存在，也不在本文件中", code)
			} else if err != nil {
				im.failErr(e, err, "")
			}
		}

		name := e.res.Name
		if name == "" {
			continue
		}
		key := e.res.Provider + "\x00" + name
		if first := seen[key]; first != nil {
			im.fail(e, "name", "duplicate", name, "与%s的信息资源同名，未重复导入", im.where(first.row))
			continue
		}
		seen[key] = e
		if !allowed {
			continue
		}
		names, err := im.existing(e.res.Provider)
		if err != nil {
			return err
		}
		if code := names[name]; code != "" {
			e.existing = code
			im.fail(e, "name", "already_exists", name, "目录中已有同名信息资源 %s，未重复导入", code)
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	for _, e := range entries {
		if e.bad {
			continue
		}
		if im.opt.DryRun {
			im.rep.Created++
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		r := cloneResource(&e.res)
		if err := im.cat.Create(ctx, r); err != nil {
			im.failErr(e, err, "")
			continue
		}
		e.newCode, e.res = r.Code, *r
		im.rep.Created++
		im.rep.Codes = append(im.rep.Codes, r.Code)
		if m := im.names[r.Provider]; m != nil {
			m[r.Name] = r.Code
		}
	}

	// Relations inside the file, now that their targets have codes.
	for _, e := range entries {
		if len(e.local) == 0 || (im.opt.DryRun && e.bad) || (!im.opt.DryRun && e.newCode == "") {
			continue
		}
		r := cloneResource(&e.res)
		for _, ref := range e.local {
			t := refs[ref]
			code := t.newCode
			if code == "" {
				code = t.existing
			}
			switch {
			case t == e:
				im.warn(e, "related", "related", ref, "资源不能关联自身，已忽略此关联")
			case code == "" && !(im.opt.DryRun && !t.bad):
				im.warn(e, "related", "related", ref, "关联的%s未能导入，已忽略此关联", im.where(t.row))
			default:
				r.Related = append(r.Related, code)
			}
		}
		if im.opt.DryRun || len(r.Related) == len(e.res.Related) {
			continue
		}
		if _, err := im.cat.Update(ctx, e.newCode, r); err != nil {
			im.failErr(e, err, fmt.Sprintf("已登记为 %s，但关联资源未能保存：", e.newCode))
		}
	}

	if im.opt.Submit && !im.opt.DryRun {
		for _, e := range entries {
			if e.newCode == "" {
				continue
			}
			if _, err := im.cat.Submit(ctx, e.newCode); err != nil {
				im.failErr(e, err, fmt.Sprintf("已登记为草稿 %s，但提交审核失败：", e.newCode))
			}
		}
	}
	return nil
}

// existing returns the names of provider's entries (latest versions, any
// status) with their codes, loading them once per import.
func (im *importer) existing(provider string) (map[string]string, error) {
	if m, ok := im.names[provider]; ok {
		return m, nil
	}
	m := map[string]string{}
	err := eachHit(im.ctx, im.cat, huitong.ResourceFilter{Provider: provider}, catalog.ScopeWorking, 0, func(r *huitong.Resource) bool {
		if r.Provider == provider {
			m[r.Name] = r.Code
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	im.names[provider] = m
	return m, nil
}

// fieldValue is the value of field in r as a person would have typed it,
// for RowError.Value.
func fieldValue(r *huitong.Resource, field string) string {
	if n, sub, ok := itemField(field); ok {
		if n >= len(r.Items) {
			return ""
		}
		it := &r.Items[n]
		switch sub {
		case "name":
			return it.Name
		case "code":
			return it.Code
		case "type":
			return string(it.Type)
		case "length":
			return strconv.Itoa(it.Length)
		case "keyKind":
			return string(it.KeyKind)
		case "shareType":
			return string(it.ShareType)
		case "openType":
			return string(it.OpenType)
		case "dataElement":
			return it.DataElement
		case "description":
			return it.Description
		}
		return ""
	}
	c := r.Classification
	switch field {
	case "name":
		return r.Name
	case "abstract":
		return r.Abstract
	case "classification.class":
		return string(c.Class)
	case "classification.item":
		return c.Item
	case "classification.category":
		return c.Category
	case "classification.detail":
		return c.Detail
	case "provider":
		return r.Provider
	case "shareCondition":
		return r.ShareCondition
	case "legalBasis":
		return r.LegalBasis
	case "openCondition":
		return r.OpenCondition
	case "related":
		return strings.Join(r.Related, "、")
	case "keywords":
		return strings.Join(r.Keywords, "、")
	case "mount.url":
		return r.Mount.URL
	case "mount.path":
		return r.Mount.Path
	case "mount.method":
		return r.Mount.Method
	case "mount.comment":
		return r.Mount.Comment
	}
	return ""
}
