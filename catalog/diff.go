package catalog

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"huitong"
)

// changedFields names, in Chinese, the catalog elements that differ between
// two versions of an entry, for the change record ("what" changed).
func changedFields(a, b *huitong.Resource) string {
	var out []string
	add := func(changed bool, label string) {
		if changed {
			out = append(out, label)
		}
	}
	add(a.Name != b.Name, "名称")
	add(a.Abstract != b.Abstract, "摘要")
	add(a.Format != b.Format, "格式")
	add(a.ShareType != b.ShareType, "共享类型")
	add(a.ShareCondition != b.ShareCondition, "共享条件")
	add(a.LegalBasis != b.LegalBasis, "不予共享依据")
	add(!slices.Equal(a.ShareMethods, b.ShareMethods), "共享方式")
	add(a.OpenType != b.OpenType, "开放类型")
	add(a.OpenCondition != b.OpenCondition, "开放条件")
	add(a.UpdateCycle != b.UpdateCycle, "更新周期")
	add(!slices.Equal(a.Related, b.Related), "关联资源")
	add(!slices.Equal(a.Keywords, b.Keywords), "关键词")
	add(a.Mount != b.Mount, "挂接")
	if !reflect.DeepEqual(a.Items, b.Items) {
		out = append(out, itemChanges(a.Items, b.Items))
	}
	if len(out) == 0 {
		return "无内容变化"
	}
	return "修改: " + strings.Join(out, "、")
}

// itemChanges summarises item changes: added, removed and modified names.
func itemChanges(a, b []huitong.Item) string {
	old := map[string]huitong.Item{}
	for _, it := range a {
		old[it.Name] = it
	}
	var added, changed []string
	seen := map[string]bool{}
	for _, it := range b {
		seen[it.Name] = true
		if o, ok := old[it.Name]; !ok {
			added = append(added, it.Name)
		} else if !reflect.DeepEqual(o, it) {
			changed = append(changed, it.Name)
		}
	}
	var removed []string
	for _, it := range a {
		if !seen[it.Name] {
			removed = append(removed, it.Name)
		}
	}
	var parts []string
	if len(added) > 0 {
		parts = append(parts, "新增 "+strings.Join(added, "，"))
	}
	if len(removed) > 0 {
		parts = append(parts, "删除 "+strings.Join(removed, "，"))
	}
	if len(changed) > 0 {
		parts = append(parts, "修改 "+strings.Join(changed, "，"))
	}
	if len(parts) == 0 {
		return "信息项(顺序)"
	}
	return fmt.Sprintf("信息项(%s)", strings.Join(parts, "；"))
}
