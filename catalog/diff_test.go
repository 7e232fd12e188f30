package catalog

import (
	"testing"

	"huitong"
)

func TestChangedFields(t *testing.T) {
	base := func() *huitong.Resource {
		return &huitong.Resource{Name: "户籍", Abstract: "a", ShareType: huitong.ShareUnconditional,
			Items: []huitong.Item{{Name: "姓名", Type: "C"}, {Name: "性别", Type: "C"}}}
	}
	tests := []struct {
		name   string
		change func(r *huitong.Resource)
		want   string
	}{
		{"Nothing", func(r *huitong.Resource) {}, "无内容变化"},
		{"NameAndShare", func(r *huitong.Resource) { r.Name, r.ShareType = "户口", huitong.ShareConditional }, "修改: 名称、共享类型"},
		{"Items", func(r *huitong.Resource) {
			r.Items = []huitong.Item{{Name: "姓名", Type: "C", Sensitive: true}, {Name: "民族", Type: "C"}}
		}, "修改: 信息项(新增 民族；删除 性别；修改 姓名)"},
		{"ItemOrder", func(r *huitong.Resource) { r.Items[0], r.Items[1] = r.Items[1], r.Items[0] }, "修改: 信息项(顺序)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base()
			tt.change(b)
			if got := changedFields(base(), b); got != tt.want {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
